// Runs build/bin/kube-testserver over HTTPS with a bearer token for one test, and talks to its
// /admin/ endpoint (faults, watch control, request counts).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "kube/api_client.h"
#include "kube/config.h"
#include "support/process.h"
#include "support/test_env.h"

namespace mdo::kube::testing {

class KubeTestServer {
 public:
  // `token` empty = no authentication.
  static Result<std::unique_ptr<KubeTestServer>> Start(const std::string& token,
                                                       const std::vector<std::string>& extra = {});
  ~KubeTestServer();

  const std::string& url() const { return url_; }
  const std::filesystem::path& kubeconfig() const { return kubeconfig_; }
  const mdo::testing::TempDir& dir() const { return dir_; }
  std::filesystem::path ca_file() const { return dir_.path() / "tls" / "ca.crt"; }

  // method + path under the server, e.g. ("POST", "/admin/faults", {...}).
  Result<Json> Admin(const std::string& method, const std::string& path,
                     const Json& body = nullptr);
  // GET /admin/requests?<query> -> "total".
  int CountRequests(const std::string& query);
  // For a server started with --tls-san without 127.0.0.1: the name the admin calls verify the
  // serving certificate against (sent as the Host header, which cpprest verifies and sends as
  // SNI).
  void set_admin_server_name(std::string name) { admin_server_name_ = std::move(name); }

 private:
  KubeTestServer() = default;
  mdo::testing::TempDir dir_{"kube-testserver"};
  std::unique_ptr<mdo::testing::Subprocess> process_;
  std::string url_;
  std::filesystem::path kubeconfig_;
  std::string ca_pem_;
  std::string admin_server_name_;
};

}  // namespace mdo::kube::testing
