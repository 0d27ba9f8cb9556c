#include "checks/blacklists/return_codes.h"

#include <gtest/gtest.h>

namespace mdo::checks::blacklists {
namespace {

CodeMeaning Interpret(std::string_view zone, std::string_view code) {
  return InterpretCode(zone, *net::IpAddress::Parse(code));
}

TEST(ReturnCodesTest, SpamhausListingsAndRefusals) {
  EXPECT_EQ(Interpret("zen.spamhaus.org", "127.0.0.2").verdict, CodeVerdict::kListed);
  EXPECT_EQ(Interpret("zen.spamhaus.org", "127.0.0.2").meaning, "SBL");
  EXPECT_EQ(Interpret("ZEN.spamhaus.org.", "127.0.0.4").meaning, "XBL");
  EXPECT_EQ(Interpret("zen.spamhaus.org", "127.0.0.11").meaning, "PBL (Spamhaus maintained)");
  for (const char* code : {"127.255.255.252", "127.255.255.254", "127.255.255.255"}) {
    EXPECT_EQ(Interpret("zen.spamhaus.org", code).verdict, CodeVerdict::kRefused) << code;
    EXPECT_EQ(Interpret("dbl.spamhaus.org", code).verdict, CodeVerdict::kRefused) << code;
  }
  EXPECT_EQ(Interpret("dbl.spamhaus.org", "127.0.1.4").meaning, "phishing domain");
  EXPECT_EQ(Interpret("dbl.spamhaus.org", "127.0.1.255").verdict, CodeVerdict::kRefused);
}

TEST(ReturnCodesTest, BitmaskListsAreDecoded) {
  CodeMeaning uribl = Interpret("multi.uribl.com", "127.0.0.14");
  EXPECT_EQ(uribl.verdict, CodeVerdict::kListed);
  EXPECT_EQ(uribl.meaning, "URIBL black, URIBL grey, URIBL red");
  EXPECT_EQ(Interpret("multi.uribl.com", "127.0.0.2").meaning, "URIBL black");
  EXPECT_EQ(Interpret("multi.uribl.com", "127.0.0.1").verdict, CodeVerdict::kRefused);
  EXPECT_EQ(Interpret("multi.uribl.com", "127.0.0.255").verdict, CodeVerdict::kRefused);
  CodeMeaning surbl = Interpret("multi.surbl.org", "127.0.0.80");
  EXPECT_EQ(surbl.verdict, CodeVerdict::kListed);
  EXPECT_EQ(surbl.meaning, "SURBL malware (MW), SURBL abuse (ABUSE)");
  EXPECT_EQ(Interpret("multi.surbl.org", "127.0.0.1").verdict, CodeVerdict::kRefused);
}

TEST(ReturnCodesTest, AnswersOutside127AreRefusalsEverywhere) {
  for (const char* zone : {"zen.spamhaus.org", "bl.spamcop.net", "bl.example.org"}) {
    EXPECT_EQ(Interpret(zone, "192.0.2.1").verdict, CodeVerdict::kRefused) << zone;
    EXPECT_EQ(Interpret(zone, "2001:db8::1").verdict, CodeVerdict::kRefused) << zone;
  }
}

TEST(ReturnCodesTest, DnswlBlockedAndAllowListCodesAreNeverListings) {
  EXPECT_EQ(Interpret("list.dnswl.org", "127.0.0.255").verdict, CodeVerdict::kRefused);
  EXPECT_EQ(Interpret("list.dnswl.org", "127.0.5.2").verdict, CodeVerdict::kNotListed);
}

TEST(ReturnCodesTest, MailspikeReputationCodesAreNotListings) {
  EXPECT_EQ(Interpret("bl.mailspike.net", "127.0.0.10").verdict, CodeVerdict::kListed);
  EXPECT_EQ(Interpret("bl.mailspike.net", "127.0.0.2").verdict, CodeVerdict::kListed);
  EXPECT_EQ(Interpret("bl.mailspike.net", "127.0.0.18").verdict, CodeVerdict::kNotListed);
}

TEST(ReturnCodesTest, UnknownZonesListAnything127) {
  CodeMeaning m = Interpret("bl.example.org", "127.0.0.9");
  EXPECT_EQ(m.verdict, CodeVerdict::kListed);
  EXPECT_EQ(m.meaning, "listed");
}

TEST(ReturnCodesTest, DefaultsMatchDesign) {
  EXPECT_EQ(DefaultIpZones().size(), 5u);
  EXPECT_EQ(DefaultIpZones().front(), "zen.spamhaus.org");
  EXPECT_EQ(DefaultDomainZones(),
            (std::vector<std::string>{"dbl.spamhaus.org", "multi.uribl.com", "multi.surbl.org"}));
}

}  // namespace
}  // namespace mdo::checks::blacklists
