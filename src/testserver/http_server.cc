#include "testserver/http_server.h"

#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

namespace mdo::testserver {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

constexpr size_t kBodyLimit = 32 * 1024 * 1024;  // hostile input stays bounded

bool PeerClosed(int fd) {
  pollfd p{fd, POLLRDHUP, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  return (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

std::string Chunk(const std::string& data) {
  char size[20];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(ApiServer& api, HttpServerOptions options)
      : api_(api), options_(std::move(options)), acceptor_(io_), ssl_(ssl::context::tls_server) {}

  Result<int> Start() {
    boost::system::error_code ec;
    if (!options_.cert_file.empty()) {
      ssl_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
      ssl_.use_certificate_chain_file(options_.cert_file, ec);
      if (!ec) ssl_.use_private_key_file(options_.key_file, ssl::context::pem, ec);
      if (ec) return Fail("cannot load the serving certificate: " + ec.message());
      if (!options_.client_ca_file.empty()) {
        // As kube-apiserver's --client-ca-file: a certificate is optional, a given one must
        // verify.
        ssl_.load_verify_file(options_.client_ca_file, ec);
        if (ec) return Fail("cannot load the client CA " + options_.client_ca_file);
        ssl_.set_verify_mode(ssl::verify_peer);
      }
      tls_ = true;
    }
    auto address = net::ip::make_address(options_.bind_address, ec);
    if (ec) return Fail("bad bind address " + options_.bind_address);
    tcp::endpoint endpoint(address, static_cast<unsigned short>(options_.port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
      return Fail("cannot listen on " + options_.bind_address + ":" +
                  std::to_string(options_.port) + ": " + ec.message());
    int port = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { AcceptLoop(); });
    return port;
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    if (accept_thread_.joinable()) accept_thread_.join();
    boost::system::error_code ec;
    acceptor_.close(ec);
    CloseAllConnections();
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait_for(lock, std::chrono::seconds(10), [&] { return active_ == 0; });
  }

  void CloseAllConnections() {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
  }

  ~Impl() { Stop(); }

 private:
  void AcceptLoop() {
    while (true) {
      boost::system::error_code ec;
      tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return;
        if (ec) continue;
        ++active_;
        fds_.insert(socket.native_handle());
      }
      std::thread([this, s = std::move(socket)]() mutable { Serve(std::move(s)); }).detach();
    }
  }

  void Serve(tcp::socket socket) {
    int fd = socket.native_handle();
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    // Forget the fd before the socket closes, so CloseAllConnections never hits a reused fd.
    auto forget = [&] {
      std::lock_guard<std::mutex> lock(mu_);
      fds_.erase(fd);
    };
    if (tls_) {
      beast::ssl_stream<tcp::socket> stream(std::move(socket), ssl_);
      stream.handshake(ssl::stream_base::server, ec);
      if (!ec) {
        TlsPeer peer = PeerOf(stream.native_handle());
        Session(stream, fd, peer);
      }
      forget();
    } else {
      Session(socket, fd, TlsPeer{});
      forget();
    }
    std::lock_guard<std::mutex> lock(mu_);
    --active_;
    done_.notify_all();
  }

  struct TlsPeer {
    std::string user;         // the verified client certificate's CN
    std::string server_name;  // SNI
  };

  static TlsPeer PeerOf(SSL* ssl) {
    TlsPeer peer;
    if (const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) {
      peer.server_name = sni;
    }
    X509* cert = SSL_get1_peer_certificate(ssl);
    if (cert != nullptr && SSL_get_verify_result(ssl) == X509_V_OK) {
      char cn[256] = "";
      if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) >
          0) {
        peer.user = cn;
      }
    }
    X509_free(cert);
    return peer;
  }

  template <typename Stream>
  void Session(Stream& stream, int fd, const TlsPeer& peer) {
    beast::flat_buffer buffer;
    while (true) {
      boost::system::error_code ec;
      http::request_parser<http::string_body> parser;
      parser.body_limit(kBodyLimit);
      parser.header_limit(256 * 1024);
      http::read(stream, buffer, parser, ec);
      if (ec) return;
      const auto& req = parser.get();
      ApiRequest request;
      request.method = std::string(req.method_string());
      request.target = std::string(req.target());
      request.body = req.body();
      request.client_cert_user = peer.user;
      request.tls_server_name = peer.server_name;
      for (const auto& field : req) {
        std::string name(field.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        request.headers[name] = std::string(field.value());
      }
      ApiResult result = api_.Handle(request);
      if (result.watch) {
        std::string head =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-cache, "
            "private\r\nTransfer-Encoding: chunked\r\n\r\n";
        net::write(stream, net::buffer(head), ec);
        while (!ec) {
          std::optional<std::string> line = result.watch->Next(std::chrono::milliseconds(500));
          if (!line) break;
          if (line->empty()) {
            if (PeerClosed(fd)) return;
            continue;
          }
          net::write(stream, net::buffer(Chunk(*line)), ec);
        }
        if (!ec) net::write(stream, net::buffer(std::string("0\r\n\r\n")), ec);
        return;  // one watch per connection, as the client expects the stream to end it
      }
      http::response<http::string_body> resp{static_cast<http::status>(result.response.code),
                                             req.version()};
      resp.set(http::field::content_type, result.response.content_type);
      resp.set(http::field::cache_control, "no-cache, private");
      for (const auto& [name, value] : result.response.headers) resp.set(name, value);
      resp.body() = std::move(result.response.body);
      resp.keep_alive(req.keep_alive() && !result.close_all_connections);
      resp.prepare_payload();
      http::write(stream, resp, ec);
      if (result.close_all_connections) {
        CloseAllConnections();
        return;
      }
      if (ec || !resp.keep_alive()) return;
    }
  }

  ApiServer& api_;
  HttpServerOptions options_;
  net::io_context io_;
  tcp::acceptor acceptor_;
  ssl::context ssl_;
  bool tls_ = false;
  std::thread accept_thread_;
  std::mutex mu_;
  std::condition_variable done_;
  std::set<int> fds_;
  int active_ = 0;
  bool stopping_ = false;
};

HttpServer::HttpServer(ApiServer& api, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(api, std::move(options))) {}
HttpServer::~HttpServer() = default;
Result<int> HttpServer::Start() { return impl_->Start(); }
void HttpServer::Stop() { impl_->Stop(); }
void HttpServer::CloseAllConnections() { impl_->CloseAllConnections(); }

}  // namespace mdo::testserver
