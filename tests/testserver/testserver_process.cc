#include "testserver_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace mdo::testserver::testing {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Result<int> Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Fail("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return Fail("connect to 127.0.0.1:" + std::to_string(port) +
                " failed: " + std::strerror(errno));
  }
  return fd;
}

bool SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

std::string Request(const std::string& method, const std::string& target, const std::string& body,
                    const std::map<std::string, std::string>& headers, bool close) {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  if (close) req += "Connection: close\r\n";
  return req + "\r\n" + body;
}

}  // namespace

std::string KubeTestserverBinary() {
  // Built by this build (CMake passes its path); MDO_BINARY_DIR may point elsewhere.
  return KTS_BINARY;
}

Result<std::unique_ptr<TestServer>> TestServer::Start(const std::filesystem::path& dir,
                                                      const TestServerOptions& options) {
  auto server = std::unique_ptr<TestServer>(new TestServer());
  server->kubeconfig_ = dir / "kubeconfig";
  std::vector<std::string> argv = {KubeTestserverBinary(), "--port", "0", "--kubeconfig-out",
                                   server->kubeconfig_.string()};
  if (options.tls) {
    argv.push_back("--tls");
    argv.push_back((dir / "tls").string());
  }
  if (!options.token.empty()) {
    argv.push_back("--token");
    argv.push_back(options.token);
  }
  for (const std::string& a : options.extra_args) argv.push_back(a);
  mdo::testing::Subprocess::Options process_options;
  process_options.stderr_file = dir / "kube-testserver.stderr";
  auto process = mdo::testing::Subprocess::Start(argv, process_options);
  if (!process.ok()) return MakeUnexpected(process.error());
  server->process_ = std::move(*process);
  auto line = server->process_->ReadLine(std::chrono::seconds(30));
  if (!line || line->rfind("listening on ", 0) != 0) {
    return Fail("kube-testserver did not start: " + line.value_or("(no output)") + " " +
                mdo::testing::ReadFileOrEmpty(process_options.stderr_file));
  }
  server->url_ = line->substr(13);
  server->port_ = std::stoi(server->url_.substr(server->url_.rfind(':') + 1));
  return server;
}

TestServer::~TestServer() {
  if (process_) process_->Stop();
}

Result<HttpReply> HttpCall(int port, const std::string& method, const std::string& target,
                           const std::string& body,
                           const std::map<std::string, std::string>& headers) {
  auto fd = Connect(port);
  if (!fd.ok()) return MakeUnexpected(fd.error());
  if (!SendAll(*fd, Request(method, target, body, headers, true))) {
    ::close(*fd);
    return Fail("send failed");
  }
  std::string raw;
  char buf[65536];
  while (true) {
    pollfd p{*fd, POLLIN, 0};
    if (::poll(&p, 1, 30000) <= 0) break;
    ssize_t n = ::recv(*fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }
  ::close(*fd);
  size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) return Fail("no HTTP response");
  HttpReply reply;
  std::string head = raw.substr(0, head_end);
  reply.code = std::atoi(head.substr(9, 3).c_str());
  size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos < head.size()) {
    size_t next = head.find("\r\n", pos + 2);
    std::string line =
        head.substr(pos + 2, (next == std::string::npos ? head.size() : next) - pos - 2);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      reply.headers[Lower(line.substr(0, colon))] = value;
    }
    pos = next;
  }
  std::string rest = raw.substr(head_end + 4);
  if (Lower(reply.headers["transfer-encoding"]) == "chunked") {
    size_t at = 0;
    while (at < rest.size()) {
      size_t eol = rest.find("\r\n", at);
      if (eol == std::string::npos) break;
      size_t size = std::stoul(rest.substr(at, eol - at), nullptr, 16);
      if (size == 0) break;
      reply.body += rest.substr(eol + 2, size);
      at = eol + 2 + size + 2;
    }
  } else {
    reply.body = rest;
  }
  return reply;
}

Result<std::unique_ptr<HttpStream>> HttpStream::Open(
    int port, const std::string& target, const std::map<std::string, std::string>& headers) {
  auto fd = Connect(port);
  if (!fd.ok()) return MakeUnexpected(fd.error());
  auto stream = std::unique_ptr<HttpStream>(new HttpStream());
  stream->fd_ = *fd;
  if (!SendAll(*fd, Request("GET", target, "", headers, false))) return Fail("send failed");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  size_t head_end;
  while ((head_end = stream->raw_.find("\r\n\r\n")) == std::string::npos) {
    if (!stream->Fill(deadline)) return Fail("no response headers");
  }
  std::string head = stream->raw_.substr(0, head_end);
  stream->raw_.erase(0, head_end + 4);
  stream->code_ = std::atoi(head.substr(9, 3).c_str());
  size_t pos = head.find("\r\n");
  while (pos != std::string::npos) {
    size_t next = head.find("\r\n", pos + 2);
    std::string line =
        head.substr(pos + 2, (next == std::string::npos ? head.size() : next) - pos - 2);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      stream->headers_[Lower(line.substr(0, colon))] = value;
    }
    pos = next;
  }
  stream->chunked_ = Lower(stream->headers_["transfer-encoding"]) == "chunked";
  return stream;
}

HttpStream::~HttpStream() {
  if (fd_ >= 0) ::close(fd_);
}

bool HttpStream::Fill(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
  char buf[65536];
  ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) {
    ended_ = true;
    return false;
  }
  raw_.append(buf, static_cast<size_t>(n));
  return true;
}

std::optional<std::string> HttpStream::ReadLine(std::chrono::milliseconds timeout) {
  timed_out_ = false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    // Decode complete chunks into decoded_.
    while (chunked_) {
      size_t eol = raw_.find("\r\n");
      if (eol == std::string::npos) break;
      size_t size = std::stoul(raw_.substr(0, eol), nullptr, 16);
      if (size == 0) {
        ended_ = true;
        raw_.clear();
        break;
      }
      if (raw_.size() < eol + 2 + size + 2) break;
      decoded_ += raw_.substr(eol + 2, size);
      raw_.erase(0, eol + 2 + size + 2);
    }
    if (!chunked_) {
      decoded_ += raw_;
      raw_.clear();
    }
    size_t nl = decoded_.find('\n');
    if (nl != std::string::npos) {
      std::string line = decoded_.substr(0, nl);
      decoded_.erase(0, nl + 1);
      return line;
    }
    if (ended_) return std::nullopt;
    if (!Fill(deadline)) {
      if (!ended_) timed_out_ = true;
      return std::nullopt;
    }
  }
}

}  // namespace mdo::testserver::testing
