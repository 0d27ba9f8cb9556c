#include "checks/dmarc/dmarc_check.h"

#include <gtest/gtest.h>

#include "dns/memory_resolver.h"

namespace mdo::checks::dmarc {
namespace {

using checks::CheckStatus;
using checks::HasFinding;
using checks::Severity;
using dns::MemoryResolver;
using dns::Outcome;
using dns::RecordType;

const checks::Finding* Find(const DmarcCheckResult& r, std::string_view code) {
  for (const auto& f : r.findings) {
    if (f.code == code) return &f;
  }
  return nullptr;
}

class DmarcCheckTest : public ::testing::Test {
 protected:
  void Publish(const std::string& domain, const std::string& record) {
    resolver_.Add("_dmarc." + domain, RecordType::kTxt, record);
  }
  DmarcCheckResult Check(const std::string& domain, DmarcPolicy minimum = DmarcPolicy::kNone,
                         bool require_reports = false) {
    return CheckDmarc(resolver_, domain, {minimum, require_reports});
  }
  MemoryResolver resolver_;
};

TEST_F(DmarcCheckTest, AHealthyRecordPassesWithOneQuery) {
  Publish("example.com", "v=DMARC1; p=reject; rua=mailto:dmarc@example.com");
  DmarcCheckResult r = Check("Example.COM.", DmarcPolicy::kReject, true);
  EXPECT_EQ(r.status, CheckStatus::kPass) << (r.findings.empty() ? "" : r.findings[0].message);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_EQ(r.record, "v=DMARC1; p=reject; rua=mailto:dmarc@example.com");
  EXPECT_EQ(r.source, "_dmarc.example.com");
  EXPECT_EQ(r.policy, "reject");
  EXPECT_EQ(r.subdomain_policy, "reject");
  EXPECT_EQ(r.discovery.rfc7489_source, "_dmarc.example.com");
  EXPECT_EQ(r.discovery.rfc9989_source, "_dmarc.example.com");
  EXPECT_EQ(r.discovery.found_by, (std::vector<std::string>{"rfc9989", "rfc7489"}));
  EXPECT_EQ(r.discovery.organizational_domain, "example.com");
  EXPECT_EQ(resolver_.query_count(), 1u);
  ASSERT_EQ(r.report_destinations.size(), 1u);
  EXPECT_FALSE(r.report_destinations[0].external);
  EXPECT_TRUE(r.report_destinations[0].authorized);
}

TEST_F(DmarcCheckTest, MissingRecordFails) {
  resolver_.Add("example.com", RecordType::kTxt, "v=spf1 -all");
  Publish("example.com", "google-site-verification=abc");  // unrelated TXT only
  DmarcCheckResult r = Check("example.com");
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_TRUE(HasFinding(r.findings, "DMARCMissing"));
  EXPECT_EQ(r.record, "");
  EXPECT_EQ(r.policy, "");
  EXPECT_EQ(r.discovery.queried, (std::vector<std::string>{"_dmarc.example.com", "_dmarc.com"}));
  EXPECT_FALSE(HasFinding(r.findings, "DMARCRecordAtApex"));
}

TEST_F(DmarcCheckTest, DnsFailureIsAnErrorNotAMissingRecord) {
  resolver_.SetOutcome("_dmarc.example.com", RecordType::kTxt, Outcome::kServFail);
  DmarcCheckResult r = Check("example.com");
  EXPECT_EQ(r.status, CheckStatus::kError);
  EXPECT_TRUE(HasFinding(r.findings, "DMARCDNSError"));
  EXPECT_FALSE(HasFinding(r.findings, "DMARCMissing"));
  // A failure at the organizational domain while walking up from a subdomain is an error too.
  resolver_.SetOutcome("_dmarc.mail.example.com", RecordType::kTxt, Outcome::kNxDomain);
  DmarcCheckResult sub = Check("mail.example.com");
  EXPECT_EQ(sub.status, CheckStatus::kError);
  EXPECT_FALSE(HasFinding(sub.findings, "DMARCMissing"));
}

TEST_F(DmarcCheckTest, FailuresAboveTheOrganizationalDomainAreOnlyNoted) {
  resolver_.SetOutcome("_dmarc.com", RecordType::kTxt, Outcome::kRefused);
  DmarcCheckResult r = Check("example.com");
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_TRUE(HasFinding(r.findings, "DMARCMissing"));
  const checks::Finding* note = Find(r, "DMARCDNSError");
  ASSERT_NE(note, nullptr);
  EXPECT_EQ(note->severity, Severity::kInfo);
}

TEST_F(DmarcCheckTest, InheritsFromTheOrganizationalDomain) {
  Publish("example.com", "v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@example.com");
  DmarcCheckResult r = Check("a.b.example.com", DmarcPolicy::kQuarantine);
  EXPECT_EQ(r.status, CheckStatus::kPass);
  EXPECT_TRUE(HasFinding(r.findings, "DMARCInherited"));
  EXPECT_EQ(r.source, "_dmarc.example.com");
  EXPECT_EQ(r.policy, "reject");
  EXPECT_EQ(r.subdomain_policy, "quarantine");
  EXPECT_EQ(r.discovery.found_by, (std::vector<std::string>{"rfc9989", "rfc7489"}));
  EXPECT_FALSE(HasFinding(r.findings, "DMARCDiscoveryMismatch"));
  // The subdomain policy is what applies: below a minimum of reject it fails.
  DmarcCheckResult strict = Check("a.b.example.com", DmarcPolicy::kReject);
  EXPECT_TRUE(HasFinding(strict.findings, "DMARCPolicyBelowMinimum"));
  // Near miss: the record at the domain itself is not inherited.
  EXPECT_FALSE(HasFinding(Check("example.com").findings, "DMARCInherited"));
}

TEST_F(DmarcCheckTest, TreeWalkAndOrganizationalDomainCanDisagree) {
  Publish("b.example.com", "v=DMARC1; p=reject; rua=mailto:d@example.com");
  Publish("example.com", "v=DMARC1; p=none; rua=mailto:d@example.com");
  DmarcCheckResult r = Check("a.b.example.com");
  EXPECT_EQ(r.source, "_dmarc.b.example.com");
  EXPECT_EQ(r.discovery.rfc9989_source, "_dmarc.b.example.com");
  EXPECT_EQ(r.discovery.rfc7489_source, "_dmarc.example.com");
  EXPECT_EQ(r.discovery.found_by, std::vector<std::string>{"rfc9989"});
  EXPECT_TRUE(HasFinding(r.findings, "DMARCDiscoveryMismatch"));
  EXPECT_TRUE(HasFinding(r.findings, "DMARCInherited"));
  EXPECT_EQ(r.policy, "reject");
}

TEST_F(DmarcCheckTest, APublicSuffixPolicyIsFoundOnlyByTheTreeWalk) {
  Publish("com", "v=DMARC1; p=reject; psd=y; rua=mailto:psd@registry.example");
  DmarcCheckResult r = Check("example.com");
  EXPECT_EQ(r.source, "_dmarc.com");
  EXPECT_EQ(r.discovery.found_by, std::vector<std::string>{"rfc9989"});
  EXPECT_TRUE(r.discovery.rfc7489_source.empty());
  EXPECT_TRUE(HasFinding(r.findings, "DMARCDiscoveryMismatch"));
  const checks::Finding* inherited = Find(r, "DMARCInherited");
  ASSERT_NE(inherited, nullptr);
  EXPECT_NE(inherited->message.find("public suffix"), std::string::npos) << inherited->message;
  EXPECT_FALSE(HasFinding(r.findings, "DMARCMissing"));
}

TEST_F(DmarcCheckTest, WalksUpAtMostEightQueries) {
  DmarcCheckResult r = Check("a.b.c.d.e.f.g.h.i.example.com");
  EXPECT_EQ(r.discovery.queried.size(), 8u);
  EXPECT_TRUE(HasFinding(r.findings, "DMARCMissing"));
}

TEST_F(DmarcCheckTest, MultipleRecordsFail) {
  Publish("example.com", "v=DMARC1; p=reject");
  Publish("example.com", "v=DMARC1; p=none");
  DmarcCheckResult r = Check("example.com");
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_TRUE(HasFinding(r.findings, "DMARCMultipleRecords"));
  EXPECT_EQ(r.policy, "");
  // Near miss: an unrelated TXT record next to the DMARC record.
  MemoryResolver other;
  other.Add("_dmarc.example.com", RecordType::kTxt, "v=DMARC1; p=reject; rua=mailto:a@example.com");
  other.Add("_dmarc.example.com", RecordType::kTxt, "v=spf1 -all");
  EXPECT_EQ(CheckDmarc(other, "example.com", {}).status, CheckStatus::kPass);
}

TEST_F(DmarcCheckTest, SyntaxErrorsFail) {
  Publish("example.com", "v=DMARC1; p=bob; rua=mailto:a@example.com");
  DmarcCheckResult r = Check("example.com");
  EXPECT_EQ(r.status, CheckStatus::kFail);
  const checks::Finding* f = Find(r, "DMARCSyntaxError");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->message.find("character 13"), std::string::npos) << f->message;
  EXPECT_EQ(r.record, "v=DMARC1; p=bob; rua=mailto:a@example.com");
  EXPECT_FALSE(HasFinding(r.findings, "DMARCMissing"));
}

TEST_F(DmarcCheckTest, RecordsWithLeadingWhitespaceAreIgnoredAndReported) {
  Publish("example.com", " v=DMARC1; p=reject; rua=mailto:a@example.com");
  DmarcCheckResult r = Check("example.com");
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_TRUE(HasFinding(r.findings, "DMARCSyntaxError"));
  EXPECT_TRUE(HasFinding(r.findings, "DMARCMissing"));
}

TEST_F(DmarcCheckTest, ARecordAtTheApexIsReported) {
  resolver_.Add("example.com", RecordType::kTxt, "v=DMARC1; p=reject");
  DmarcCheckResult r = Check("example.com");
  EXPECT_TRUE(HasFinding(r.findings, "DMARCRecordAtApex"));
  EXPECT_TRUE(HasFinding(r.findings, "DMARCMissing"));
}

TEST_F(DmarcCheckTest, PolicyNoneWarns) {
  Publish("example.com", "v=DMARC1; p=none; rua=mailto:a@example.com");
  DmarcCheckResult r = Check("example.com");
  EXPECT_EQ(r.status, CheckStatus::kWarn);
  EXPECT_TRUE(HasFinding(r.findings, "DMARCPolicyNone"));
  EXPECT_FALSE(HasFinding(r.findings, "DMARCPolicyBelowMinimum"));
  // A record without p= is treated as p=none.
  MemoryResolver implicit;
  implicit.Add("_dmarc.example.com", RecordType::kTxt, "v=DMARC1; rua=mailto:a@example.com");
  DmarcCheckResult i = CheckDmarc(implicit, "example.com", {});
  EXPECT_TRUE(HasFinding(i.findings, "DMARCPolicyNone"));
  EXPECT_EQ(i.policy, "none");
}

TEST_F(DmarcCheckTest, PolicyBelowMinimumFails) {
  Publish("example.com", "v=DMARC1; p=quarantine; rua=mailto:a@example.com");
  DmarcCheckResult r = Check("example.com", DmarcPolicy::kReject);
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_TRUE(HasFinding(r.findings, "DMARCPolicyBelowMinimum"));
  // Near misses: minimum met exactly; p=none under a minimum fails as below minimum.
  EXPECT_EQ(Check("example.com", DmarcPolicy::kQuarantine).status, CheckStatus::kPass);
  MemoryResolver none;
  none.Add("_dmarc.example.com", RecordType::kTxt, "v=DMARC1; p=none; rua=mailto:a@example.com");
  DmarcCheckResult n = CheckDmarc(none, "example.com", {DmarcPolicy::kQuarantine, false});
  EXPECT_TRUE(HasFinding(n.findings, "DMARCPolicyBelowMinimum"));
  EXPECT_FALSE(HasFinding(n.findings, "DMARCPolicyNone"));
}

TEST_F(DmarcCheckTest, WeakSubdomainPoliciesWarn) {
  Publish("example.com", "v=DMARC1; p=reject; sp=none; rua=mailto:a@example.com");
  DmarcCheckResult r = Check("example.com", DmarcPolicy::kQuarantine);
  EXPECT_EQ(r.status, CheckStatus::kWarn);
  const checks::Finding* f = Find(r, "DMARCPolicyBelowMinimum");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kWarn);
  EXPECT_EQ(r.subdomain_policy, "none");
}

TEST_F(DmarcCheckTest, PartialPercentageWarns) {
  Publish("example.com", "v=DMARC1; p=reject; pct=20; rua=mailto:a@example.com");
  DmarcCheckResult r = Check("example.com");
  EXPECT_EQ(r.status, CheckStatus::kWarn);
  EXPECT_TRUE(HasFinding(r.findings, "DMARCPartialPercentage"));
  MemoryResolver full;
  full.Add("_dmarc.example.com", RecordType::kTxt,
           "v=DMARC1; p=reject; pct=100; rua=mailto:a@example.com");
  EXPECT_FALSE(HasFinding(CheckDmarc(full, "example.com", {}).findings, "DMARCPartialPercentage"));
}

TEST_F(DmarcCheckTest, TestingModeWarns) {
  Publish("example.com", "v=DMARC1; p=reject; t=y; rua=mailto:a@example.com");
  EXPECT_TRUE(HasFinding(Check("example.com").findings, "DMARCTestingMode"));
}

TEST_F(DmarcCheckTest, UnknownTagsAreInfo) {
  Publish("example.com", "v=DMARC1; p=reject; foo=bar; rua=mailto:a@example.com");
  DmarcCheckResult r = Check("example.com");
  EXPECT_EQ(r.status, CheckStatus::kPass);
  EXPECT_TRUE(HasFinding(r.findings, "DMARCUnknownTag"));
}

TEST_F(DmarcCheckTest, MissingReportsWarnOrFail) {
  Publish("example.com", "v=DMARC1; p=reject");
  DmarcCheckResult r = Check("example.com");
  EXPECT_EQ(r.status, CheckStatus::kWarn);
  EXPECT_TRUE(HasFinding(r.findings, "DMARCNoReports"));
  DmarcCheckResult required = Check("example.com", DmarcPolicy::kNone, true);
  EXPECT_EQ(required.status, CheckStatus::kFail);
  EXPECT_EQ(Find(required, "DMARCNoReports")->severity, Severity::kFail);
  // Near miss: ruf alone is not aggregate reporting, rua is.
  MemoryResolver with;
  with.Add("_dmarc.example.com", RecordType::kTxt, "v=DMARC1; p=reject; rua=mailto:a@example.com");
  EXPECT_FALSE(HasFinding(CheckDmarc(with, "example.com", {DmarcPolicy::kNone, true}).findings,
                          "DMARCNoReports"));
}

TEST_F(DmarcCheckTest, InvalidReportUrisFail) {
  Publish("example.com", "v=DMARC1; p=reject; rua=dmarc@example.com, mailto:ok@example.com");
  DmarcCheckResult r = Check("example.com");
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_TRUE(HasFinding(r.findings, "DMARCInvalidReportURI"));
  EXPECT_FALSE(HasFinding(r.findings, "DMARCNoReports"));
  // Another scheme warns; size suffixes are valid.
  MemoryResolver other;
  other.Add("_dmarc.example.com", RecordType::kTxt,
            "v=DMARC1; p=reject; rua=mailto:ok@example.com!10m, https://example.com/r");
  DmarcCheckResult o = CheckDmarc(other, "example.com", {});
  EXPECT_EQ(o.status, CheckStatus::kWarn);
  EXPECT_EQ(Find(o, "DMARCInvalidReportURI")->severity, Severity::kWarn);
  // With requireReports and only unusable addresses, reports are missing.
  MemoryResolver bad;
  bad.Add("_dmarc.example.com", RecordType::kTxt, "v=DMARC1; p=reject; rua=dmarc@example.com");
  EXPECT_TRUE(HasFinding(CheckDmarc(bad, "example.com", {DmarcPolicy::kNone, true}).findings,
                         "DMARCNoReports"));
}

TEST_F(DmarcCheckTest, ExternalReportDestinationsMustAuthorise) {
  Publish("example.com",
          "v=DMARC1; p=reject; rua=mailto:a@reports.example.net,mailto:b@ok.example.org; "
          "ruf=mailto:c@reports.example.net");
  resolver_.Add("example.com._report._dmarc.ok.example.org", RecordType::kTxt, "v=DMARC1");
  resolver_.AddEmptyName("reports.example.net");
  DmarcCheckResult r = Check("example.com");
  EXPECT_EQ(r.status, CheckStatus::kWarn);
  const checks::Finding* f = Find(r, "DMARCExternalReportUnauthorized");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->message.find("example.com._report._dmarc.reports.example.net"), std::string::npos);
  int unauthorized = 0;
  for (const auto& finding : r.findings) {
    unauthorized += finding.code == "DMARCExternalReportUnauthorized";
  }
  EXPECT_EQ(unauthorized, 1);  // one query and one finding per destination domain
  ASSERT_EQ(r.report_destinations.size(), 3u);
  EXPECT_TRUE(r.report_destinations[0].external);
  EXPECT_FALSE(r.report_destinations[0].authorized);
  EXPECT_TRUE(r.report_destinations[1].authorized);
  // requireReports: one authorised rua destination is enough.
  EXPECT_FALSE(
      HasFinding(Check("example.com", DmarcPolicy::kNone, true).findings, "DMARCNoReports"));
}

TEST_F(DmarcCheckTest, WildcardAuthorisationAndSameOrganisationNeedNoQuery) {
  Publish("example.com",
          "v=DMARC1; p=reject; rua=mailto:a@mail.example.com,mailto:b@reports.example.net");
  resolver_.AddCname("example.com._report._dmarc.reports.example.net", "any.example.net");
  resolver_.Add("any.example.net", RecordType::kTxt, "v=DMARC1;");
  DmarcCheckResult r = Check("example.com");
  EXPECT_EQ(r.status, CheckStatus::kPass);
  EXPECT_EQ(resolver_.query_count(), 2u);  // the record, then reports.example.net only
}

TEST_F(DmarcCheckTest, AuthorisationLookupFailureIsAnError) {
  Publish("example.com", "v=DMARC1; p=reject; rua=mailto:b@reports.example.net");
  resolver_.SetOutcome("example.com._report._dmarc.reports.example.net", Outcome::kTimeout);
  DmarcCheckResult r = Check("example.com");
  EXPECT_EQ(r.status, CheckStatus::kError);
  EXPECT_TRUE(HasFinding(r.findings, "DMARCDNSError"));
  EXPECT_FALSE(HasFinding(r.findings, "DMARCExternalReportUnauthorized"));
}

TEST_F(DmarcCheckTest, BoundsTheNumberOfAuthorisationQueries) {
  std::string record = "v=DMARC1; p=reject; rua=";
  for (int i = 0; i < 50; ++i) record += "mailto:a@r" + std::to_string(i) + ".example.net,";
  Publish("example.com", record);
  DmarcCheckResult r = Check("example.com");
  EXPECT_LE(resolver_.query_count(), 9u);
  EXPECT_TRUE(HasFinding(r.findings, "DMARCTooManyReportDestinations"));
}

}  // namespace
}  // namespace mdo::checks::dmarc
