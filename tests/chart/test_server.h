// kube-testserver (docs/kube-testserver.md) for the chart tests: started on a free port with its
// kubeconfig where Tools points KUBECONFIG, stopped on destruction.
#pragma once

#include <memory>
#include <string>

#include "chart/chart_support.h"
#include "support/process.h"

namespace mdo::chart_test {

class TestServer {
 public:
  // Starts $MDO_BINARY_DIR/bin/kube-testserver; when it is not built, skip_reason() says so and
  // the test should skip. A server that fails to start fails the test.
  explicit TestServer(const Tools& tools);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  bool running() const { return server_ != nullptr; }
  const std::string& skip_reason() const { return skip_reason_; }

 private:
  std::unique_ptr<testing::Subprocess> server_;
  std::string skip_reason_;
};

}  // namespace mdo::chart_test
