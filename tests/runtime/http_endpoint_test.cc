#include "runtime/http_endpoint.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mdo::runtime {
namespace {

std::string Get(int port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "connect failed";
  }
  ::send(fd, request.data(), request.size(), 0);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

TEST(HttpEndpointTest, ServesRoutesOnAnEphemeralPort) {
  auto endpoint = HttpEndpoint::Start({"127.0.0.1", 0}, [](const std::string& path) {
    if (path == "/healthz") return HttpResponse{200, "text/plain", "ok\n"};
    return HttpResponse{404, "text/plain", "not found\n"};
  });
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().message;
  const int port = (*endpoint)->port();
  ASSERT_GT(port, 0);
  std::string ok = Get(port, "GET /healthz?verbose HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(ok.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << ok;
  EXPECT_NE(ok.find("\r\n\r\nok\n"), std::string::npos) << ok;
  EXPECT_EQ(Get(port, "GET /nope HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(Get(port, "POST /healthz HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 405", 0), 0u);
  EXPECT_EQ(Get(port, "garbage\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
}

TEST(HttpEndpointTest, ParsesBindAddresses) {
  auto a = ParseBindAddress(":8080");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "");
  EXPECT_EQ(a->port, 8080);
  auto b = ParseBindAddress("[::1]:9");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(ParseBindAddress("0")->port, -1);
  auto bad = ParseBindAddress("localhost:http");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("localhost:http"), std::string::npos);
  EXPECT_FALSE(ParseBindAddress(":70000").ok());
}

TEST(HttpEndpointTest, ReportsABusyPort) {
  auto first =
      HttpEndpoint::Start({"127.0.0.1", 0}, [](const std::string&) { return HttpResponse{}; });
  ASSERT_TRUE(first.ok());
  auto second = HttpEndpoint::Start({"127.0.0.1", (*first)->port()},
                                    [](const std::string&) { return HttpResponse{}; });
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("cannot listen on 127.0.0.1:"), std::string::npos);
}

}  // namespace
}  // namespace mdo::runtime
