#include "chart/test_server.h"

#include <gtest/gtest.h>

namespace mdo::chart_test {

namespace fs = std::filesystem;

TestServer::TestServer(const Tools& tools) {
  const fs::path binary = testing::BinaryDir() / "bin" / "kube-testserver";
  if (!fs::exists(binary)) {
    skip_reason_ = binary.string() + " is not built";
    return;
  }
  const fs::path log = tools.dir().path() / "kube-testserver.log";
  auto started = testing::Subprocess::Start({binary.string(), "--port", "0", "--kubeconfig-out",
                                             (tools.dir().path() / "kubeconfig").string()},
                                            {.env = {}, .working_dir = {}, .stderr_file = log});
  if (!started.ok()) {
    ADD_FAILURE() << "cannot start kube-testserver: " << started.error().message;
    return;
  }
  server_ = std::move(*started);
  auto line = server_->ReadLine(std::chrono::seconds(30));
  if (!line || !line->starts_with("listening on ")) {
    ADD_FAILURE() << "kube-testserver did not start: " << testing::ReadFileOrEmpty(log);
    server_.reset();
  }
}

TestServer::~TestServer() {
  if (server_) server_->Stop();
}

}  // namespace mdo::chart_test
