// In-process TLS material for the test server: a CA and a serving certificate (SANs
// IP:127.0.0.1, DNS:localhost) signed by it, as PEM files in a folder.
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

// Reuses DIR/ca.crt + DIR/ca.key when both exist, otherwise generates them; always generates a
// fresh serving certificate. Creates DIR if needed.
Result<TlsFiles> EnsureTlsFiles(const std::string& dir);

}  // namespace mdo::testserver
