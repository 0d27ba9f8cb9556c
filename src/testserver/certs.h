// In-process TLS material for the test server: a CA and a serving certificate (SANs
// IP:127.0.0.1, DNS:localhost, IP:::1 unless told otherwise) signed by it, as PEM files in a
// folder.
#pragma once

#include <string>

#include "common/result.h"

namespace mdo::testserver {

struct TlsFiles {
  std::string ca_cert;  // DIR/ca.crt
  std::string ca_key;   // DIR/ca.key
  std::string cert;     // DIR/tls.crt
  std::string key;      // DIR/tls.key
};

inline constexpr char kDefaultServingSans[] = "IP:127.0.0.1,DNS:localhost,IP:0:0:0:0:0:0:0:1";

// Reuses DIR/ca.crt + DIR/ca.key when both exist, otherwise generates them; always generates a
// fresh serving certificate with subjectAltName `sans` (OpenSSL syntax). Creates DIR if needed.
Result<TlsFiles> EnsureTlsFiles(const std::string& dir,
                                const std::string& sans = kDefaultServingSans);

}  // namespace mdo::testserver
