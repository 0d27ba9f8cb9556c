#include "checks/mx/mx_check.h"

#include <gtest/gtest.h>

#include "checks/mx/mx_json.h"
#include "dns/memory_resolver.h"

namespace mdo::checks::mx {
namespace {

using dns::MemoryResolver;
using dns::Outcome;
using dns::RecordType;

TEST(MxCheckTest, ResolvingTargetsPassInPreferenceOrder) {
  MemoryResolver r;
  r.AddMx("example.com", 20, "mx2.example.com");
  r.AddMx("example.com", 10, "MX1.example.com.");
  r.Add("mx1.example.com", RecordType::kA, "192.0.2.25");
  r.Add("mx1.example.com", RecordType::kAaaa, "2001:db8::25");
  r.Add("mx2.example.com", RecordType::kA, "192.0.2.26");
  MxCheckResult res = CheckMx(r, "example.com", {});
  EXPECT_EQ(res.status, CheckStatus::kPass);
  ASSERT_EQ(res.hosts.size(), 2u);
  EXPECT_EQ(res.hosts[0].host, "mx1.example.com");
  EXPECT_EQ(res.hosts[0].preference, 10);
  EXPECT_EQ(res.hosts[0].addresses, (std::vector<std::string>{"192.0.2.25", "2001:db8::25"}));
  EXPECT_EQ(res.hosts[1].host, "mx2.example.com");
  EXPECT_TRUE(res.findings.empty());

  nlohmann::json j = ToJson(res);
  EXPECT_EQ(j["status"], "pass");
  EXPECT_EQ(j["hosts"][0]["host"], "mx1.example.com");
  EXPECT_EQ(j["hosts"][0]["preference"], 10);
  EXPECT_EQ(j["hosts"][0]["addresses"][0], "192.0.2.25");
  EXPECT_TRUE(j["findings"].is_array());
}

TEST(MxCheckTest, MissingMxFailsWhenRequiredAndIsInfoOtherwise) {
  MemoryResolver r;
  r.Add("example.com", RecordType::kA, "192.0.2.1");
  MxCheckResult required = CheckMx(r, "example.com", {.required = true});
  EXPECT_EQ(required.status, CheckStatus::kFail);
  EXPECT_TRUE(HasFinding(required.findings, "MXMissing"));
  MxCheckResult optional = CheckMx(r, "example.com", {.required = false});
  EXPECT_EQ(optional.status, CheckStatus::kPass);
  ASSERT_EQ(optional.findings.size(), 1u);
  EXPECT_EQ(optional.findings[0].severity, Severity::kInfo);
  EXPECT_EQ(CheckMx(r, "nonexistent.example", {}).status, CheckStatus::kFail);
}

TEST(MxCheckTest, NullMxIsInfoForSendOnlyAndFailWhenRequired) {
  MemoryResolver r;
  r.AddMx("sendonly.example", 0, ".");
  MxCheckResult send_only = CheckMx(r, "sendonly.example", {.required = false});
  EXPECT_EQ(send_only.status, CheckStatus::kPass);
  EXPECT_TRUE(send_only.null_mx);
  EXPECT_TRUE(HasFinding(send_only.findings, "MXNull"));
  EXPECT_TRUE(send_only.hosts.empty());
  MxCheckResult required = CheckMx(r, "sendonly.example", {.required = true});
  EXPECT_EQ(required.status, CheckStatus::kFail);
  EXPECT_TRUE(HasFinding(required.findings, "MXNull"));
}

TEST(MxCheckTest, NullMxMixedWithOtherRecordsFails) {
  MemoryResolver r;
  r.AddMx("mixed.example", 0, ".");
  r.AddMx("mixed.example", 10, "mx.mixed.example");
  r.Add("mx.mixed.example", RecordType::kA, "192.0.2.5");
  MxCheckResult res = CheckMx(r, "mixed.example", {.required = false});
  EXPECT_EQ(res.status, CheckStatus::kFail);
  EXPECT_TRUE(HasFinding(res.findings, "MXNull"));
  ASSERT_EQ(res.hosts.size(), 1u);
  EXPECT_EQ(res.hosts[0].host, "mx.mixed.example");
}

TEST(MxCheckTest, CnameTargetWarnsAndStillResolves) {
  MemoryResolver r;
  r.AddMx("example.com", 10, "mail.example.com");
  r.AddCname("mail.example.com", "host.provider.example");
  r.Add("host.provider.example", RecordType::kA, "192.0.2.7");
  MxCheckResult res = CheckMx(r, "example.com", {});
  EXPECT_EQ(res.status, CheckStatus::kWarn);
  EXPECT_TRUE(HasFinding(res.findings, "MXTargetCNAME"));
  ASSERT_EQ(res.hosts.size(), 1u);
  EXPECT_EQ(res.hosts[0].addresses, std::vector<std::string>{"192.0.2.7"});
}

TEST(MxCheckTest, IpLiteralTargetFailsWithoutLookup) {
  MemoryResolver r;
  r.AddMx("example.com", 10, "192.0.2.9");
  MxCheckResult res = CheckMx(r, "example.com", {});
  EXPECT_EQ(res.status, CheckStatus::kFail);
  EXPECT_TRUE(HasFinding(res.findings, "MXTargetIPLiteral"));
  EXPECT_EQ(r.query_count(), 1u);  // only the MX question
}

TEST(MxCheckTest, UnresolvableTargetFailsUnlessAnotherHostResolves) {
  MemoryResolver r;
  r.AddMx("one.example", 10, "gone.one.example");
  MxCheckResult alone = CheckMx(r, "one.example", {});
  EXPECT_EQ(alone.status, CheckStatus::kFail);
  EXPECT_TRUE(HasFinding(alone.findings, "MXTargetUnresolvable"));

  r.AddMx("two.example", 10, "mx.two.example");
  r.AddMx("two.example", 20, "gone.two.example");
  r.Add("mx.two.example", RecordType::kA, "192.0.2.8");
  MxCheckResult backup = CheckMx(r, "two.example", {});
  EXPECT_EQ(backup.status, CheckStatus::kWarn);
  EXPECT_TRUE(HasFinding(backup.findings, "MXTargetUnresolvable"));
}

TEST(MxCheckTest, DnsFailuresAreErrorsNotMissingRecords) {
  MemoryResolver r;
  r.SetOutcome("broken.example", RecordType::kMx, Outcome::kServFail);
  MxCheckResult res = CheckMx(r, "broken.example", {});
  EXPECT_EQ(res.status, CheckStatus::kError);
  EXPECT_TRUE(HasFinding(res.findings, "MXDNSError"));
  EXPECT_FALSE(HasFinding(res.findings, "MXMissing"));

  r.AddMx("slow.example", 10, "mx.slow.example");
  r.SetOutcome("mx.slow.example", Outcome::kTimeout);
  MxCheckResult target = CheckMx(r, "slow.example", {});
  EXPECT_EQ(target.status, CheckStatus::kError);
  EXPECT_TRUE(HasFinding(target.findings, "MXDNSError"));
  EXPECT_FALSE(HasFinding(target.findings, "MXTargetUnresolvable"));
}

TEST(MxCheckTest, HugeMxSetsAreBounded) {
  MemoryResolver r;
  for (int i = 0; i < 200; ++i) {
    r.AddMx("big.example", static_cast<std::uint16_t>(i),
            "mx" + std::to_string(i) + ".big.example");
  }
  MxCheckResult res = CheckMx(r, "big.example", {});
  EXPECT_EQ(res.hosts.size(), kMaxMxHosts);
  EXPECT_LE(r.query_count(), 1 + 2 * kMaxMxHosts);
}

}  // namespace
}  // namespace mdo::checks::mx
