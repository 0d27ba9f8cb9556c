#include "kube_testserver.h"

#include <cpprest/http_client.h>

#include <boost/asio/ssl.hpp>

#include "common/strings.h"

namespace mdo::kube::testing {

Result<std::unique_ptr<KubeTestServer>> KubeTestServer::Start(
    const std::string& token, const std::vector<std::string>& extra) {
  std::unique_ptr<KubeTestServer> server(new KubeTestServer());
  // The server built next to this test (BUILD/tests/this -> BUILD/bin), else MDO_BINARY_DIR's.
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  auto binary = self.parent_path().parent_path() / "bin" / "kube-testserver";
  if (ec || !std::filesystem::exists(binary)) {
    binary = mdo::testing::BinaryDir() / "bin" / "kube-testserver";
  }
  server->kubeconfig_ = server->dir_.path() / "kubeconfig";
  std::vector<std::string> argv{binary.string(),
                                "--port",
                                "0",
                                "--kubeconfig-out",
                                server->kubeconfig_.string(),
                                "--tls",
                                (server->dir_.path() / "tls").string()};
  if (!token.empty()) {
    argv.push_back("--token");
    argv.push_back(token);
  }
  argv.insert(argv.end(), extra.begin(), extra.end());
  mdo::testing::Subprocess::Options options;
  options.stderr_file = server->dir_.path() / "stderr.log";
  auto process = mdo::testing::Subprocess::Start(argv, options);
  if (!process) return MakeUnexpected(process.error());
  server->process_ = std::move(*process);
  auto line = server->process_->ReadLine(std::chrono::seconds(60));
  const std::string prefix = "listening on ";
  if (!line || line->rfind(prefix, 0) != 0) {
    int status = server->process_->Stop(std::chrono::seconds(1));
    return Fail("kube-testserver (" + binary.string() + ") did not start (wait status " +
                std::to_string(status) + ", first line " + QuoteForMessage(line.value_or("")) +
                "): " + mdo::testing::ReadFileOrEmpty(server->dir_.path() / "stderr.log"));
  }
  server->url_ = line->substr(prefix.size());
  server->ca_pem_ = mdo::testing::ReadFileOrEmpty(server->ca_file());
  return server;
}

KubeTestServer::~KubeTestServer() {
  if (process_) process_->Stop();
}

Result<Json> KubeTestServer::Admin(const std::string& method, const std::string& path,
                                   const Json& body) {
  web::http::client::http_client_config cfg;
  cfg.set_timeout(std::chrono::seconds(30));
  std::string ca = ca_pem_;
  cfg.set_ssl_context_callback([ca](boost::asio::ssl::context& ctx) {
    ctx.add_certificate_authority(boost::asio::buffer(ca.data(), ca.size()));
  });
  try {
    web::http::client::http_client client(web::uri(url_), cfg);
    web::http::http_request req(method);
    req.set_request_uri(path);
    if (!admin_server_name_.empty()) req.headers().add("Host", admin_server_name_);
    if (!body.is_null()) req.set_body(body.dump(), "application/json");
    auto resp = client.request(req).get();
    std::string text = resp.extract_utf8string(true).get();
    if (resp.status_code() != 200) {
      return Fail("admin " + path + ": HTTP " + std::to_string(resp.status_code()) + " " + text);
    }
    Json doc = Json::parse(text, nullptr, false);
    if (doc.is_discarded()) return Fail("admin " + path + ": not JSON: " + text);
    return doc;
  } catch (const std::exception& e) {
    return Fail("admin " + path + ": " + e.what());
  }
}

int KubeTestServer::CountRequests(const std::string& query) {
  auto r = Admin("GET", "/admin/requests?" + query);
  if (!r || !r->contains("total")) return -1;
  return (*r)["total"].get<int>();
}

}  // namespace mdo::kube::testing
