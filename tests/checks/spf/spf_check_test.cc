#include "checks/spf/spf_check.h"

#include <gtest/gtest.h>

#include <string>

#include "checks/spf/spf_json.h"
#include "dns/memory_resolver.h"

namespace mdo::checks::spf {
namespace {

using dns::MemoryResolver;
using dns::RecordType;

const checks::Finding* Find(const SpfCheckResult& r, std::string_view code) {
  for (const auto& f : r.findings) {
    if (f.code == code) return &f;
  }
  return nullptr;
}

// example.com: a (1) + include:mid (1 + 4) + include:big (1 + 4, leaf costs nothing) = 11.
void AddOverBudget(MemoryResolver& r) {
  r.Add("example.com", RecordType::kTxt,
        "v=spf1 a include:mid.example.net include:big.example.org -all");
  r.Add("example.com", RecordType::kA, "192.0.2.1");
  r.Add("big.example.org", RecordType::kTxt,
        "v=spf1 a:h.example.org a:h.example.org include:leaf.example.org mx:example.org -all");
  r.Add("leaf.example.org", RecordType::kTxt, "v=spf1 ip4:203.0.113.0/24 -all");
  r.Add("mid.example.net", RecordType::kTxt,
        "v=spf1 a:h.example.org a:h.example.org a:h.example.org a:h.example.org ~all");
  r.Add("h.example.org", RecordType::kA, "198.51.100.1");
  r.AddMx("example.org", 10, "h.example.org");
}

TEST(CheckSpfTest, ExplainsWhichIncludeBreaksTheBudget) {
  MemoryResolver r;
  AddOverBudget(r);
  SpfCheckResult res = CheckSpf(r, "example.com", {});
  EXPECT_EQ(res.lookups, 11);
  EXPECT_EQ(res.status, checks::CheckStatus::kFail);
  const auto* f = Find(res, "SPFTooManyLookups");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, checks::Severity::kFail);
  EXPECT_NE(f->message.find("needs 11 DNS lookups"), std::string::npos) << f->message;
  EXPECT_NE(f->message.find("include:big.example.org (5 lookups) takes the count from 6 to 11"),
            std::string::npos)
      << f->message;
  ASSERT_TRUE(res.tree.has_value());
  ASSERT_EQ(res.tree->children.size(), 2u);
  EXPECT_EQ(res.tree->children[0].domain, "mid.example.net");
  EXPECT_EQ(res.tree->children[0].lookups, 4);
  EXPECT_EQ(res.tree->children[1].lookups, 4);
  EXPECT_EQ(res.tree->children[1].children.at(0).domain, "leaf.example.org");
}

TEST(CheckSpfTest, JsonBlockHasTheDesignFields) {
  MemoryResolver r;
  r.Add("example.com", RecordType::kTxt, "v=spf1 ip4:192.0.2.10 include:p.example.net -all");
  r.Add("p.example.net", RecordType::kTxt, "v=spf1 ip4:203.0.113.0/24 ~all");
  SpfCheckOptions options;
  options.senders = {*net::IpAddress::Parse("192.0.2.10"), *net::IpAddress::Parse("2001:db8::25")};
  SpfCheckResult res = CheckSpf(r, "Example.COM.", options);
  nlohmann::json j = ToJson(res);
  EXPECT_EQ(j["status"], "fail");
  EXPECT_EQ(j["record"], "v=spf1 ip4:192.0.2.10 include:p.example.net -all");
  EXPECT_EQ(j["lookups"], 1);
  EXPECT_EQ(j["voidLookups"], 0);
  ASSERT_EQ(j["senders"].size(), 2u);
  EXPECT_EQ(j["senders"][0]["ip"], "192.0.2.10");
  EXPECT_EQ(j["senders"][0]["result"], "pass");
  EXPECT_EQ(j["senders"][1]["ip"], "2001:db8::25");
  EXPECT_EQ(j["senders"][1]["result"], "fail");
  ASSERT_EQ(j["findings"].size(), 1u);
  EXPECT_EQ(j["findings"][0]["code"], "SPFSenderNotAuthorized");
  EXPECT_EQ(j["findings"][0]["severity"], "fail");
  EXPECT_NE(j["findings"][0]["message"].get<std::string>().find("2001:db8::25"), std::string::npos);
  EXPECT_EQ(j["tree"]["children"][0]["domain"], "p.example.net");
  EXPECT_EQ(j["tree"]["children"][0]["via"], "include");
}

TEST(CheckSpfTest, DnsFailureAtTheDomainIsAnErrorNotAFailure) {
  MemoryResolver r;
  r.SetOutcome("example.com", dns::Outcome::kTimeout);
  SpfCheckOptions options;
  options.senders = {*net::IpAddress::Parse("192.0.2.10")};
  SpfCheckResult res = CheckSpf(r, "example.com", options);
  EXPECT_EQ(res.status, checks::CheckStatus::kError);
  ASSERT_EQ(res.findings.size(), 1u);
  EXPECT_EQ(res.findings[0].code, "SPFDNSError");
  EXPECT_EQ(res.findings[0].severity, checks::Severity::kError);
  EXPECT_FALSE(res.tree.has_value());
}

TEST(CheckSpfTest, AllFollowsRedirectAndRequireHardFail) {
  MemoryResolver r;
  r.Add("example.com", RecordType::kTxt, "v=spf1 ip4:192.0.2.1 redirect=_spf.example.com");
  r.Add("_spf.example.com", RecordType::kTxt, "v=spf1 ip4:192.0.2.2 ~all");
  SpfCheckResult soft = CheckSpf(r, "example.com", {});
  EXPECT_EQ(soft.status, checks::CheckStatus::kPass);
  EXPECT_EQ(soft.lookups, 1);
  SpfCheckOptions hard;
  hard.require_hard_fail = true;
  SpfCheckResult res = CheckSpf(r, "example.com", hard);
  const auto* f = Find(res, "SPFSoftFailAll");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->message.find("from _spf.example.com"), std::string::npos) << f->message;
  EXPECT_EQ(res.status, checks::CheckStatus::kFail);
}

TEST(CheckSpfTest, DeepAndWideTreesAreBounded) {
  // 200 records, each including the next twice: the walk stops at the analysis limits.
  MemoryResolver r;
  for (int i = 0; i < 200; ++i) {
    const std::string next = "n" + std::to_string(i + 1) + ".example";
    r.Add("n" + std::to_string(i) + ".example", RecordType::kTxt,
          "v=spf1 include:" + next + " include:" + next + " -all");
  }
  SpfCheckResult res = CheckSpf(r, "n0.example", {});
  EXPECT_EQ(res.status, checks::CheckStatus::kFail);
  EXPECT_NE(Find(res, "SPFTooManyLookups"), nullptr);
  EXPECT_LE(r.query_count(), 200u);
}

TEST(CheckSpfTest, PassAllInsideAnIncludeCountsOnlyWhenTheIncludePasses) {
  MemoryResolver r;
  r.Add("open.example", RecordType::kTxt, "v=spf1 +all");
  r.Add("a.example", RecordType::kTxt, "v=spf1 include:open.example -all");
  r.Add("b.example", RecordType::kTxt, "v=spf1 -include:open.example ip4:192.0.2.1 -all");
  const SpfCheckResult a = CheckSpf(r, "a.example", {});
  const auto* f = Find(a, "SPFPassAll");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->message.find("included by include:open.example"), std::string::npos);
  const SpfCheckResult b = CheckSpf(r, "b.example", {});
  EXPECT_EQ(Find(b, "SPFPassAll"), nullptr);
}

TEST(CheckSpfTest, SendersOfADomainWithoutRecordSayWhy) {
  MemoryResolver r;
  r.Add("example.com", RecordType::kTxt, "hello");
  SpfCheckOptions options;
  options.senders = {*net::IpAddress::Parse("192.0.2.10")};
  SpfCheckResult res = CheckSpf(r, "example.com", options);
  EXPECT_NE(Find(res, "SPFMissing"), nullptr);
  const auto* f = Find(res, "SPFSenderNotAuthorized");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->message.find("gets none"), std::string::npos) << f->message;
  EXPECT_NE(f->message.find("no SPF record at example.com"), std::string::npos) << f->message;
  ASSERT_EQ(res.senders.size(), 1u);
  EXPECT_EQ(res.senders[0].result, SpfResult::kNone);
}

TEST(CheckSpfTest, CountsVoidLookupsOfLiteralTargets) {
  MemoryResolver r;
  r.Add("example.com", RecordType::kTxt,
        "v=spf1 exists:gone.example.com a:none.example.com mx:nomx.example.com "
        "include:nothing.example.com -all");
  r.Add("nomx.example.com", RecordType::kA, "192.0.2.5");
  SpfCheckResult res = CheckSpf(r, "example.com", {});
  EXPECT_EQ(res.void_lookups, 4);
  const auto* f = Find(res, "SPFTooManyVoidLookups");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->message.find("exists:gone.example.com"), std::string::npos) << f->message;
  EXPECT_NE(Find(res, "SPFIncludeMissing"), nullptr);
}

TEST(CheckSpfTest, AThousandTermsCostBoundedQueries) {
  MemoryResolver r;
  std::string record = "v=spf1";
  for (int i = 0; i < 1000; ++i) record += " a:h" + std::to_string(i) + ".example";
  r.Add("example.com", RecordType::kTxt, record + " -all");
  SpfCheckResult res = CheckSpf(r, "example.com", {});
  EXPECT_EQ(res.lookups, 1000);
  EXPECT_NE(Find(res, "SPFTooManyLookups"), nullptr);
  EXPECT_NE(Find(res, "SPFAnalysisIncomplete"), nullptr);
  EXPECT_LE(r.query_count(), 400u);
}

}  // namespace
}  // namespace mdo::checks::spf
