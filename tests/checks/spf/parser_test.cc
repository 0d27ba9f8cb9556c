#include "checks/spf/parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace mdo::checks::spf {
namespace {

TEST(SpfParserTest, ParsesEveryMechanismAndModifier) {
  auto r = ParseSpfRecord(
      "v=spf1 +a -mx:example.org/24//64 ~ptr ?exists:%{ir}.x.example "
      "ip4:192.0.2.0/24 ip6:2001:db8::/32 include:_spf.example.com A//0 "
      "redirect=r.example.com exp=e.%{d} moo.cow-x=%{l} -all");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->mechanisms.size(), 9u);
  const auto& m = r->mechanisms;
  EXPECT_EQ(m[0].kind, MechanismKind::kA);
  EXPECT_EQ(m[0].qualifier, Qualifier::kPass);
  EXPECT_FALSE(m[0].domain.has_value());
  EXPECT_EQ(m[1].kind, MechanismKind::kMx);
  EXPECT_EQ(m[1].qualifier, Qualifier::kFail);
  EXPECT_EQ(m[1].domain->text, "example.org");
  EXPECT_EQ(m[1].cidr4, 24);
  EXPECT_EQ(m[1].cidr6, 64);
  EXPECT_EQ(m[2].kind, MechanismKind::kPtr);
  EXPECT_EQ(m[2].qualifier, Qualifier::kSoftFail);
  EXPECT_EQ(m[3].kind, MechanismKind::kExists);
  EXPECT_EQ(m[3].qualifier, Qualifier::kNeutral);
  ASSERT_EQ(m[3].domain->tokens.size(), 2u);
  EXPECT_EQ(m[3].domain->tokens[0].letter, 'i');
  EXPECT_TRUE(m[3].domain->tokens[0].reverse);
  EXPECT_EQ(m[3].domain->tokens[1].literal, ".x.example");
  EXPECT_EQ(m[4].kind, MechanismKind::kIp4);
  EXPECT_EQ(m[4].network.ToString(), "192.0.2.0");
  EXPECT_EQ(m[4].cidr4, 24);
  EXPECT_EQ(m[5].kind, MechanismKind::kIp6);
  EXPECT_EQ(m[5].cidr6, 32);
  EXPECT_EQ(m[6].kind, MechanismKind::kInclude);
  EXPECT_EQ(m[7].kind, MechanismKind::kA);  // upper-case name
  EXPECT_EQ(m[7].cidr6, 0);
  EXPECT_EQ(m[8].text, "-all");
  ASSERT_TRUE(r->redirect.has_value());
  EXPECT_EQ(r->redirect->value.text, "r.example.com");
  ASSERT_TRUE(r->explanation.has_value());
  ASSERT_EQ(r->unknown_modifiers.size(), 1u);
  EXPECT_EQ(r->unknown_modifiers[0].name, "moo.cow-x");
  EXPECT_TRUE(r->HasAll());
  EXPECT_EQ(r->DnsLookupTerms(), 6);  // a mx ptr exists include a; redirect unreachable
}

TEST(SpfParserTest, ErrorsCarryPositionAndTerm) {
  auto r = ParseSpfRecord("v=spf1 ip4:192.0.2.1 a: -all");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().term, "a:");
  EXPECT_EQ(r.error().position, 23u);
  EXPECT_NE(r.error().ToString().find("position 23"), std::string::npos);

  r = ParseSpfRecord("v=spf1 -all moo");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().term, "moo");
  EXPECT_EQ(r.error().position, 12u);
  EXPECT_NE(r.error().message.find("unknown mechanism"), std::string::npos);

  r = ParseSpfRecord("v=spf1 a:foo.example.com\x01 -all");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().position, 24u);
  EXPECT_NE(r.error().message.find("\\x01"), std::string::npos);
}

TEST(SpfParserTest, RejectsWhatRfc7208Forbids) {
  for (const char* bad : {"v=spf1 ip4:1.2.3.4/33",
                          "v=spf1 ip4:1.2.3.4/032",
                          "v=spf1 ip4:01.2.3.4",
                          "v=spf1 ip4:1.2.3",
                          "v=spf1 ip4:1.2.3.4//32",
                          "v=spf1 ip6:::1/129",
                          "v=spf1 ip6:1.2.3.4",
                          "v=spf1 a:museum",
                          "v=spf1 a:abc.123",
                          "v=spf1 a:example.-com",
                          "v=spf1 a/33",
                          "v=spf1 a//129",
                          "v=spf1 ptr/0",
                          "v=spf1 include",
                          "v=spf1 exists:",
                          "v=spf1 -all.",
                          "v=spf1 -all:x",
                          "v=spf1 redirect=a.example redirect=b.example",
                          "v=spf1 exp=a.example exp=b.example",
                          "v=spf1 exp=",
                          "v=spf1 1up=foo",
                          "v=spf1 =all",
                          "v=spf1 foo=%abc",
                          "v=spf1 exists:%(ir).x.example",
                          "v=spf1 a:%{x}.example.com",
                          "v=spf1 a:%{c}.example.com",
                          "v=spf1 exists:%{d0}.example.com",
                          "v=spf1 redirect:x.example",
                          "v=spf10",
                          "spf1 -all",
                          "v=spf1 a:x.example\x80"}) {
    EXPECT_FALSE(ParseSpfRecord(bad).ok()) << bad;
  }
  for (const char* good :
       {"v=spf1", "v=spf1 ", "V=SpF1 -ALL", "v=spf1  a  -all ", "v=spf1 a:foo:bar/baz.example.com",
        "v=spf1 a:foo.example.xn--zckzah", "v=spf1 exists:%{l2r+-}.user.%{d2}", "v=spf1 all -all",
        "v=spf1 default=+", "v=spf1 a:macro%%percent%_%_space%-url.example.com",
        "v=spf1 a:mail.example...com"}) {
    auto r = ParseSpfRecord(good);
    EXPECT_TRUE(r.ok()) << good << ": " << (r.ok() ? "" : r.error().ToString());
  }
}

TEST(SpfParserTest, MacroStringsDecodeEscapesAndTransformers) {
  auto m = ParseMacroString("%{L2r+-}x%%%_%-", false);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->tokens.size(), 2u);
  EXPECT_EQ(m->tokens[0].letter, 'l');
  EXPECT_TRUE(m->tokens[0].url_escape);
  EXPECT_EQ(m->tokens[0].keep_parts, 2);
  EXPECT_TRUE(m->tokens[0].reverse);
  EXPECT_EQ(m->tokens[0].delimiters, "+-");
  EXPECT_EQ(m->tokens[1].literal, "x% %20");
  EXPECT_TRUE(ParseMacroString("%{c} at %{t} via %{r}", true).ok());
  EXPECT_FALSE(ParseMacroString("%{c}", false).ok());
  EXPECT_FALSE(ParseMacroString("50%", true).ok());
}

TEST(SpfParserTest, IsSpfRecordNeedsSpaceOrEnd) {
  EXPECT_TRUE(IsSpfRecord("v=spf1"));
  EXPECT_TRUE(IsSpfRecord("v=spf1 -all"));
  EXPECT_TRUE(IsSpfRecord("V=SPF1 -all"));
  EXPECT_FALSE(IsSpfRecord("v=spf10"));
  EXPECT_FALSE(IsSpfRecord("v=spf1mx"));
  EXPECT_FALSE(IsSpfRecord(" v=spf1"));
}

TEST(SpfParserTest, BoundsHostileRecords) {
  std::string many = "v=spf1";
  for (int i = 0; i < 1000; ++i) many += " ip4:192.0.2." + std::to_string(i % 256);
  auto r = ParseSpfRecord(many);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->mechanisms.size(), 1000u);
  for (int i = 0; i < 100; ++i) many += " a";
  EXPECT_FALSE(ParseSpfRecord(many).ok());  // more than 1024 terms
  EXPECT_FALSE(ParseSpfRecord("v=spf1 " + std::string(70000, 'a')).ok());
  EXPECT_FALSE(ParseSpfRecord("v=spf1 a:" + std::string(60001, '%') + ".example").ok());
}

TEST(SpfParserTest, NeverCrashesOnRandomBytes) {
  std::mt19937 rng(7208);
  const std::string alphabet = "v=spf1 :/%{}.-+~?aAlLrR0123456789ipxmnetdc\x01\x80_=,";
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text = "v=spf1 ";
    const int len = static_cast<int>(rng() % 60);
    for (int k = 0; k < len; ++k) text += alphabet[rng() % alphabet.size()];
    auto r = ParseSpfRecord(text);
    if (r.ok()) {
      ++parsed;
    } else {
      EXPECT_LE(r.error().position, text.size()) << text;
    }
  }
  EXPECT_GT(parsed, 0);
}

}  // namespace
}  // namespace mdo::checks::spf
