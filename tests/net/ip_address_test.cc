#include "net/ip_address.h"

#include <gtest/gtest.h>

namespace mdo::net {
namespace {

TEST(IpAddressTest, ParsesAndFormatsV4) {
  auto ip = IpAddress::Parse("192.0.2.10");
  ASSERT_TRUE(ip);
  EXPECT_TRUE(ip->is_v4());
  EXPECT_EQ(ip->ToString(), "192.0.2.10");
  EXPECT_EQ(ip->ReverseName(), "10.2.0.192.in-addr.arpa");
}

TEST(IpAddressTest, RejectsMalformed) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4x", "1.2.3.4/24", "::g",
                          "1:2:3:4:5:6:7:8:9", "[::1]", " 1.2.3.4"}) {
    EXPECT_FALSE(IpAddress::Parse(bad)) << bad;
  }
}

TEST(IpAddressTest, FormatsV6CanonicallyAndReversesNibbles) {
  auto ip = IpAddress::Parse("2001:DB8:0:0::1");
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->ToString(), "2001:db8::1");
  EXPECT_EQ(ip->ReverseName(),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

TEST(IpAddressTest, MatchesNetworks) {
  auto ip = *IpAddress::Parse("192.0.2.130");
  EXPECT_TRUE(ip.InNetwork(*IpAddress::Parse("192.0.2.128"), 25));
  EXPECT_FALSE(ip.InNetwork(*IpAddress::Parse("192.0.2.0"), 25));
  EXPECT_TRUE(ip.InNetwork(*IpAddress::Parse("10.0.0.0"), 0));
  EXPECT_FALSE(ip.InNetwork(*IpAddress::Parse("2001:db8::"), 0));
  EXPECT_FALSE(ip.InNetwork(*IpAddress::Parse("192.0.2.130"), 33));
  auto v6 = *IpAddress::Parse("2001:db8:1::5");
  EXPECT_TRUE(v6.InNetwork(*IpAddress::Parse("2001:db8::"), 32));
  EXPECT_FALSE(v6.InNetwork(*IpAddress::Parse("2001:db8::"), 48));
}

TEST(IpAddressTest, UnmapsV4MappedAddresses) {
  auto ip = *IpAddress::Parse("::ffff:192.0.2.1");
  EXPECT_TRUE(ip.IsV4Mapped());
  EXPECT_EQ(ip.Unmapped().ToString(), "192.0.2.1");
  EXPECT_FALSE(IpAddress::Parse("2001:db8::1")->IsV4Mapped());
}

}  // namespace
}  // namespace mdo::net
