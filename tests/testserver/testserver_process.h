// Runs the kube-testserver binary for a test (own free port, own temp folder) and talks plain
// HTTP/1.1 to it over loopback.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "support/process.h"
#include "support/test_env.h"

namespace mdo::testserver::testing {

// The kube-testserver executable of this build.
std::string KubeTestserverBinary();

struct TestServerOptions {
  bool tls = false;
  std::string token;
  std::vector<std::string> extra_args;
};

class TestServer {
 public:
  // Starts build/bin/kube-testserver --port 0 and waits for its `listening on` line.
  static Result<std::unique_ptr<TestServer>> Start(const std::filesystem::path& dir,
                                                   const TestServerOptions& options);
  ~TestServer();

  const std::string& url() const { return url_; }
  int port() const { return port_; }
  const std::filesystem::path& kubeconfig() const { return kubeconfig_; }
  mdo::testing::Subprocess& process() { return *process_; }

 private:
  std::unique_ptr<mdo::testing::Subprocess> process_;
  std::string url_;
  int port_ = 0;
  std::filesystem::path kubeconfig_;
};

struct HttpReply {
  int code = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// One request on a fresh connection (plain HTTP), reading the whole (possibly chunked) body.
Result<HttpReply> HttpCall(int port, const std::string& method, const std::string& target,
                           const std::string& body = "",
                           const std::map<std::string, std::string>& headers = {});

// A streaming GET (a watch): the status line and headers, then the body line by line as chunks
// arrive.
class HttpStream {
 public:
  static Result<std::unique_ptr<HttpStream>> Open(
      int port, const std::string& target, const std::map<std::string, std::string>& headers = {});
  ~HttpStream();
  int code() const { return code_; }
  const std::map<std::string, std::string>& headers() const { return headers_; }
  // The next body line; nullopt at the end of the stream (or when `timeout` passes: see
  // timed_out()).
  std::optional<std::string> ReadLine(std::chrono::milliseconds timeout);
  bool timed_out() const { return timed_out_; }
  bool ended() const { return ended_; }

 private:
  bool Fill(std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  int code_ = 0;
  std::map<std::string, std::string> headers_;
  std::string raw_;      // undecoded bytes
  std::string decoded_;  // body bytes not yet returned
  bool chunked_ = false;
  bool ended_ = false;
  bool timed_out_ = false;
};

}  // namespace mdo::testserver::testing
