#include "dns/server_address.h"

#include <gtest/gtest.h>

namespace mdo::dns {
namespace {

TEST(ServerAddressTest, ParsesIpv4AndIpv6WithAndWithoutPort) {
  struct Case {
    std::string text;
    std::string expected;
  };
  for (const auto& [text, expected] : std::vector<Case>{
           {"192.0.2.1", "192.0.2.1:53"},
           {"192.0.2.1:5300", "192.0.2.1:5300"},
           {" 127.0.0.1:53 ", "127.0.0.1:53"},
           {"::1", "[::1]:53"},
           {"2001:db8::1", "[2001:db8::1]:53"},
           {"[::1]", "[::1]:53"},
           {"[::1]:5353", "[::1]:5353"},
           {"[2001:DB8::1]:53", "[2001:db8::1]:53"},
       }) {
    auto server = ParseServerAddress(text);
    ASSERT_TRUE(server.ok()) << text << ": " << server.error().message;
    EXPECT_EQ(server->ToString(), expected) << text;
  }
}

TEST(ServerAddressTest, GivesClearErrors) {
  struct Case {
    std::string text;
    std::string says;
  };
  for (const auto& [text, says] : std::vector<Case>{
           {"", "empty"},
           {"dns.google", "not an IP address"},
           {"dns.google:53", "not an IP address"},
           {"192.0.2.1:", "port"},
           {"192.0.2.1:0", "port"},
           {"192.0.2.1:65536", "port"},
           {"192.0.2.1:53x", "port"},
           {"[::1", "missing ']'"},
           {"[::1]53", "':PORT'"},
           {"[192.0.2.1]:53", "brackets"},
           {"fe80::1%eth0", "zone"},
           {"999.0.0.1", "not an IP address"},
       }) {
    auto server = ParseServerAddress(text);
    ASSERT_FALSE(server.ok()) << text;
    EXPECT_NE(server.error().message.find(says), std::string::npos)
        << text << ": " << server.error().message;
  }
}

TEST(ServerAddressTest, ReadsResolvConf) {
  auto servers = ParseResolvConf(
      "# comment\n"
      "search example.com\n"
      "nameserver 192.0.2.53\n"
      "nameserver   2001:db8::53  # trailing comment\n"
      "nameserver fe80::1%eth0\n"
      "nameserver not-an-ip\n"
      "options ndots:2\n"
      "  nameserver 198.51.100.1\n");
  ASSERT_EQ(servers.size(), 3u);
  EXPECT_EQ(servers[0].ToString(), "192.0.2.53:53");
  EXPECT_EQ(servers[1].ToString(), "[2001:db8::53]:53");
  EXPECT_EQ(servers[2].ToString(), "198.51.100.1:53");
  EXPECT_TRUE(ParseResolvConf("").empty());
  auto fallback = SystemServers("/nonexistent/resolv.conf");
  ASSERT_EQ(fallback.size(), 1u);
  EXPECT_EQ(fallback[0].ToString(), "127.0.0.1:53");
}

}  // namespace
}  // namespace mdo::dns
