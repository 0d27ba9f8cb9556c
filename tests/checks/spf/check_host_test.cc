#include "checks/spf/check_host.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "checks/spf/macro.h"
#include "checks/spf/spf_json.h"
#include "dns/memory_resolver.h"

namespace mdo::checks::spf {

// Readable results in failure messages.
void PrintTo(SpfResult result, std::ostream* os) { *os << ToString(result); }

namespace {

using dns::MemoryResolver;
using dns::RecordType;

net::IpAddress Ip(const char* text) { return *net::IpAddress::Parse(text); }

CheckHostResult Check(MemoryResolver& r, const char* ip, const char* domain,
                      std::string sender = "") {
  CheckHostRequest req{Ip(ip), domain, sender.empty() ? std::string("user@") + domain : sender,
                       "mail.example.net"};
  return CheckHost(r, req);
}

TEST(CheckHostTest, PassFailAndTheDecidingMechanism) {
  MemoryResolver r;
  r.Add("example.com", RecordType::kTxt, "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all");
  auto pass = Check(r, "192.0.2.7", "example.com");
  EXPECT_EQ(pass.result, SpfResult::kPass);
  EXPECT_EQ(pass.mechanism, "ip4:192.0.2.0/24");
  EXPECT_EQ(Check(r, "2001:db8::1", "example.com").result, SpfResult::kPass);
  auto fail = Check(r, "198.51.100.1", "example.com");
  EXPECT_EQ(fail.result, SpfResult::kFail);
  EXPECT_EQ(fail.mechanism, "-all");
  // Default explanation names the domain, the IP and the sender.
  EXPECT_EQ(fail.explanation,
            "example.com does not authorize 198.51.100.1 to send mail as user@example.com");
  // A v4-mapped IPv6 client is an IPv4 client.
  EXPECT_EQ(Check(r, "::ffff:192.0.2.9", "example.com").result, SpfResult::kPass);
}

TEST(CheckHostTest, NoneTempErrorAndPermErrorAreToldApart) {
  MemoryResolver r;
  r.Add("other.example", RecordType::kTxt, "hello");
  r.SetOutcome("broken.example", dns::Outcome::kServFail);
  r.Add("two.example", RecordType::kTxt, "v=spf1 -all");
  r.Add("two.example", RecordType::kTxt, "v=spf1 +all");
  r.Add("bad.example", RecordType::kTxt, "v=spf1 a:");
  r.Add("inc.example", RecordType::kTxt, "v=spf1 include:broken.example -all");
  EXPECT_EQ(Check(r, "192.0.2.1", "other.example").result, SpfResult::kNone);
  EXPECT_EQ(Check(r, "192.0.2.1", "nowhere.example").result, SpfResult::kNone);
  EXPECT_EQ(Check(r, "192.0.2.1", "broken.example").result, SpfResult::kTempError);
  EXPECT_EQ(Check(r, "192.0.2.1", "two.example").result, SpfResult::kPermError);
  auto bad = Check(r, "192.0.2.1", "bad.example");
  EXPECT_EQ(bad.result, SpfResult::kPermError);
  EXPECT_NE(bad.detail.find("position"), std::string::npos) << bad.detail;
  auto inc = Check(r, "192.0.2.1", "inc.example");
  EXPECT_EQ(inc.result, SpfResult::kTempError);
  EXPECT_EQ(inc.mechanism, "include:broken.example");
}

TEST(CheckHostTest, ElevenLookupsArePermErrorWithBoundedQueries) {
  // A chain of 50 includes: evaluation must stop at the 11th DNS-querying term.
  MemoryResolver r;
  for (int i = 0; i < 50; ++i) {
    r.Add("c" + std::to_string(i) + ".example", RecordType::kTxt,
          "v=spf1 include:c" + std::to_string(i + 1) + ".example -all");
  }
  auto res = Check(r, "192.0.2.1", "c0.example");
  EXPECT_EQ(res.result, SpfResult::kPermError);
  EXPECT_NE(res.detail.find("too many DNS lookups"), std::string::npos) << res.detail;
  EXPECT_EQ(res.dns_lookups, 11);
  EXPECT_LE(r.query_count(), 11u);
}

TEST(CheckHostTest, IncludeLoopEndsInPermError) {
  MemoryResolver r;
  r.Add("a.example", RecordType::kTxt, "v=spf1 include:b.example -all");
  r.Add("b.example", RecordType::kTxt, "v=spf1 include:a.example -all");
  r.Add("self.example", RecordType::kTxt, "v=spf1 redirect=self.example");
  EXPECT_EQ(Check(r, "192.0.2.1", "a.example").result, SpfResult::kPermError);
  EXPECT_EQ(Check(r, "192.0.2.1", "self.example").result, SpfResult::kPermError);
  EXPECT_LE(r.query_count(), 30u);
}

TEST(CheckHostTest, ThirdVoidLookupIsPermError) {
  MemoryResolver r;
  r.Add("v2.example", RecordType::kTxt, "v=spf1 a:n1.example mx:n2.example ?all");
  r.Add("v3.example", RecordType::kTxt, "v=spf1 a:n1.example mx:n2.example exists:n3.example ?all");
  EXPECT_EQ(Check(r, "192.0.2.1", "v2.example").result, SpfResult::kNeutral);
  auto res = Check(r, "192.0.2.1", "v3.example");
  EXPECT_EQ(res.result, SpfResult::kPermError);
  EXPECT_EQ(res.void_lookups, 3);
}

TEST(CheckHostTest, MxWithMoreThanTenHostsIsPermError) {
  MemoryResolver r;
  r.Add("m.example", RecordType::kTxt, "v=spf1 mx -all");
  for (int i = 0; i < 11; ++i) r.AddMx("m.example", i, "mx" + std::to_string(i) + ".example");
  EXPECT_EQ(Check(r, "192.0.2.1", "m.example").result, SpfResult::kPermError);
  r.Add("ok.example", RecordType::kTxt, "v=spf1 mx/24 -all");
  r.AddMx("ok.example", 10, "mx.ok.example");
  r.AddMx("ok.example", 20, "mx2.ok.example");
  r.Add("mx2.ok.example", RecordType::kA, "192.0.2.200");
  EXPECT_EQ(Check(r, "192.0.2.1", "ok.example").result, SpfResult::kPass);
}

TEST(CheckHostTest, MacrosAndExplanations) {
  MemoryResolver r;
  r.Add("example.com", RecordType::kTxt,
        "v=spf1 exists:%{ir}.%{l1r-}.lists.%{d} -all exp=why.%{d}");
  r.Add("7.2.0.192.bob.lists.example.com", RecordType::kA, "127.0.0.2");
  r.Add("why.example.com", RecordType::kTxt, "%{S} may not send from %{c} (%{v})");
  EXPECT_EQ(Check(r, "192.0.2.7", "example.com", "bob-alice@example.com").result, SpfResult::kPass);
  auto fail = Check(r, "192.0.2.8", "example.com", "eve@example.com");
  EXPECT_EQ(fail.result, SpfResult::kFail);
  EXPECT_EQ(fail.explanation, "eve%40example.com may not send from 192.0.2.8 (in-addr)");
  auto json = ToJson(fail);
  EXPECT_EQ(json["result"], "fail");
  EXPECT_EQ(json["mechanism"], "-all");
  EXPECT_EQ(json["explanation"], fail.explanation);
}

TEST(CheckHostTest, HugeMacroExpansionIsBounded) {
  MemoryResolver r;
  std::string record = "v=spf1";
  std::string chain;
  for (int i = 0; i < 40; ++i) chain += "%{S}";
  record += " exists:" + chain + ".example.com -all";
  r.Add("big.example", RecordType::kTxt, record);
  const std::string sender = std::string(900, '!') + "@big.example";
  auto res = Check(r, "192.0.2.1", "big.example", sender);
  EXPECT_EQ(res.result, SpfResult::kPermError);
  EXPECT_NE(res.detail.find("exceeds"), std::string::npos) << res.detail;
  EXPECT_LE(r.query_count(), 2u);
}

TEST(CheckHostTest, PtrAndPMacroUseValidatedNames) {
  MemoryResolver r;
  r.Add("1.2.0.192.in-addr.arpa", RecordType::kPtr, "mail.example.com");
  r.Add("1.2.0.192.in-addr.arpa", RecordType::kPtr, "liar.example.org");
  r.Add("mail.example.com", RecordType::kA, "192.0.2.1");
  r.Add("example.com", RecordType::kTxt, "v=spf1 ptr -all");
  r.Add("example.org", RecordType::kTxt, "v=spf1 ptr -all");
  r.Add("p.example.com", RecordType::kTxt, "v=spf1 -all exp=e.example.com");
  r.Add("e.example.com", RecordType::kTxt, "p=%{p}");
  EXPECT_EQ(Check(r, "192.0.2.1", "example.com").result, SpfResult::kPass);
  EXPECT_EQ(Check(r, "192.0.2.1", "example.org").result, SpfResult::kFail);  // not validated
  EXPECT_EQ(Check(r, "192.0.2.1", "p.example.com").explanation, "p=mail.example.com");
}

TEST(CheckHostTest, RandomHostileRecordsStayBounded) {
  // Records built from random terms over a handful of names that include and redirect to each
  // other: every evaluation must end, with a bounded number of questions.
  std::mt19937 rng(4408);
  const std::vector<std::string> names = {"a.example", "b.example", "c.example", "d.example"};
  const std::vector<std::string> terms = {"include:a.example",
                                          "include:b.example",
                                          "redirect=c.example",
                                          "a:d.example",
                                          "mx:a.example",
                                          "ptr",
                                          "exists:%{ir}.%{l}.d.example",
                                          "a:%{d}",
                                          "-all",
                                          "~all",
                                          "ip4:192.0.2.0/24",
                                          "ip6:2001:db8::/32",
                                          "exp=%{d}",
                                          "a/0",
                                          "mx//0",
                                          "exists:%{p}.b.example",
                                          "?include:%{o}",
                                          "a:%{S}%{S}%{S}%{S}%{S}.x.example",
                                          "redirect=%{d2}",
                                          "include:c.example"};
  for (int round = 0; round < 300; ++round) {
    MemoryResolver r;
    for (const auto& name : names) {
      std::string record = "v=spf1";
      const int n = static_cast<int>(rng() % 8);
      for (int k = 0; k < n; ++k) record += " " + terms[rng() % terms.size()];
      r.Add(name, RecordType::kTxt, record);
      r.Add(name, RecordType::kA, "192.0.2." + std::to_string(rng() % 4));
      r.AddMx(name, 10, names[rng() % names.size()]);
    }
    r.Add("1.2.0.192.in-addr.arpa", RecordType::kPtr, names[rng() % names.size()]);
    const char* ip = (round % 2) ? "192.0.2.1" : "2001:db8::1";
    auto res = Check(r, ip, names[rng() % names.size()].c_str(), "x.y@a.example");
    EXPECT_LE(res.dns_lookups, 11);
    EXPECT_LE(res.void_lookups, 3);
    EXPECT_LE(r.query_count(), 160u) << round;
  }
}

TEST(MacroTest, ExpandsPerRfc7208Examples) {
  // RFC 7208 7.4 examples.
  MacroEnvironment env;
  env.ip = Ip("192.0.2.3");
  env.sender = "strong-bad@email.example.com";
  env.local = "strong-bad";
  env.sender_domain = "email.example.com";
  auto expand = [&](const char* text) {
    auto m = ParseMacroString(text, true);
    EXPECT_TRUE(m.ok()) << text;
    return *ExpandMacroString(*m, env, "email.example.com");
  };
  EXPECT_EQ(expand("%{s}"), "strong-bad@email.example.com");
  EXPECT_EQ(expand("%{o}"), "email.example.com");
  EXPECT_EQ(expand("%{d}"), "email.example.com");
  EXPECT_EQ(expand("%{d4}"), "email.example.com");
  EXPECT_EQ(expand("%{d3}"), "email.example.com");
  EXPECT_EQ(expand("%{d2}"), "example.com");
  EXPECT_EQ(expand("%{d1}"), "com");
  EXPECT_EQ(expand("%{dr}"), "com.example.email");
  EXPECT_EQ(expand("%{d2r}"), "example.email");
  EXPECT_EQ(expand("%{l}"), "strong-bad");
  EXPECT_EQ(expand("%{l-}"), "strong.bad");
  EXPECT_EQ(expand("%{lr}"), "strong-bad");
  EXPECT_EQ(expand("%{lr-}"), "bad.strong");
  EXPECT_EQ(expand("%{l1r-}"), "strong");
  EXPECT_EQ(expand("%{ir}.%{v}._spf.%{d2}"), "3.2.0.192.in-addr._spf.example.com");
  EXPECT_EQ(expand("%{lr-}.lp._spf.%{d2}"), "bad.strong.lp._spf.example.com");
  EXPECT_EQ(expand("%{d2}.trusted-domains.example.net"), "example.com.trusted-domains.example.net");
  env.ip = Ip("2001:db8::cb01");
  EXPECT_EQ(expand("%{ir}.%{v}._spf.%{d2}"),
            "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf.example.com");
}

TEST(MacroTest, LongDomainsLoseLeftLabels) {
  MacroEnvironment env;
  env.sender_domain = std::string(60, 'a') + ".example.com";
  auto m = ParseDomainSpec("%{o}.%{o}.%{o}.%{o}.%{o}.end.example");
  ASSERT_TRUE(m.ok());
  auto name = ExpandDomain(*m, env, "d.example");
  ASSERT_TRUE(name.ok());
  EXPECT_LE(name->size(), 253u);
  EXPECT_TRUE(name->ends_with(".end.example"));
  EXPECT_TRUE(IsValidDomainName(*name, true));
}

}  // namespace
}  // namespace mdo::checks::spf
