// Certificates made in memory for TLS tests (client CAs, client and serving certificates), with
// OpenSSL: no openssl command line, no files unless a test writes them.
#pragma once

#include <string>

namespace mdo::kube::testing {

struct TestCert {
  std::string cert_pem;
  std::string key_pem;
};

// A self-signed CA (P-256). Empty PEMs on failure.
TestCert MakeTestCa(const std::string& common_name);

// A certificate signed by `ca` for `common_name` with subjectAltName `sans` (e.g.
// "DNS:api.cluster.test"; "" = none) and organization `organization` ("" = none), for client
// or server authentication. Empty PEMs on failure.
TestCert MakeTestCert(const TestCert& ca, const std::string& common_name, const std::string& sans,
                      bool client, const std::string& organization = "");

}  // namespace mdo::kube::testing
