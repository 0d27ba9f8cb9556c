// A minimal HTTP/1.1 server for /metrics, /healthz and /readyz: GET and HEAD only, one
// connection at a time, bounded request size and read time, Connection: close. Enough for
// kubelet probes and Prometheus scrapes without pulling an HTTP framework into the operator.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "common/result.h"

namespace mdo::runtime {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using HttpHandler = std::function<HttpResponse(const std::string& path)>;

struct BindAddress {
  std::string host;  // "" = all interfaces
  int port = 0;
};
// ":8080", "127.0.0.1:8080", "[::1]:8080", "8080". "0" means disabled (returns port -1).
Result<BindAddress> ParseBindAddress(std::string_view text);

class HttpEndpoint {
 public:
  static Result<std::unique_ptr<HttpEndpoint>> Start(const BindAddress& address,
                                                     HttpHandler handler);
  ~HttpEndpoint();
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  int port() const { return port_; }

 private:
  HttpEndpoint(int listen_fd, int wake_read, int wake_write, int port, HttpHandler handler);
  void Serve();
  void HandleConnection(int fd);

  int listen_fd_;
  int wake_read_;
  int wake_write_;
  int port_;
  HttpHandler handler_;
  std::thread thread_;
};

}  // namespace mdo::runtime
