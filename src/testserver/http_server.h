// The HTTP(S) front of kube-testserver: Boost.Beast, one thread per connection, chunked watch
// streams. Beast (rather than cpprest's http_listener) because it reports the port it bound
// (--port 0), lets a watch write each event as its own chunk, and does TLS over the same stream.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "testserver/api_server.h"

namespace mdo::testserver {

struct HttpServerOptions {
  std::string bind_address = "127.0.0.1";
  int port = 0;
  std::string cert_file;  // both empty: plain HTTP
  std::string key_file;
  // Set: ask for client certificates and accept those this CA signed (a bad one fails the
  // handshake); the certificate's CN becomes ApiRequest::client_cert_user.
  std::string client_ca_file;
};

class HttpServer {
 public:
  HttpServer(ApiServer& api, HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts accepting; returns the bound port.
  Result<int> Start();
  // Stops accepting, closes every connection and waits for their threads.
  void Stop();
  // Breaks every open connection (the admin restart).
  void CloseAllConnections();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mdo::testserver
