#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "dns/memory_resolver.h"
#include "local_options.h"
#include "report/check_pool.h"
#include "report/domain_report.h"
#include "report/report_json.h"
#include "report/report_text.h"

namespace mdo::report {
namespace {

using checks::CheckStatus;
using dns::MemoryResolver;
using dns::RecordType;

std::string ReadKey() {
  std::ifstream in(MDO_TEST_DKIM_KEY_FILE);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string key = ss.str();
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  return key;
}

// example.test with everything right: SPF, a 2048-bit DKIM key, DMARC reject with rua, one MX,
// FCrDNS for the sender and the MX address, a local DNSBL with its test entries.
void AddHealthyDomain(MemoryResolver& r) {
  r.Add("example.test", RecordType::kTxt, "v=spf1 ip4:192.0.2.10 ip4:192.0.2.25 -all");
  r.Add("s1._domainkey.example.test", RecordType::kTxt, "v=DKIM1; k=rsa; p=" + ReadKey());
  r.Add("_dmarc.example.test", RecordType::kTxt,
        "v=DMARC1; p=reject; rua=mailto:dmarc@example.test");
  r.AddMx("example.test", 10, "mx1.example.test");
  r.Add("mx1.example.test", RecordType::kA, "192.0.2.25");
  r.Add("mail.example.test", RecordType::kA, "192.0.2.10");
  r.Add("10.2.0.192.in-addr.arpa", RecordType::kPtr, "mail.example.test");
  r.Add("25.2.0.192.in-addr.arpa", RecordType::kPtr, "mx1.example.test");
  r.Add("2.0.0.127.bl.test", RecordType::kA, "127.0.0.2");
  r.Add("test.dbl.test", RecordType::kA, "127.0.0.2");
}

api::MailDomainSpec HealthySpec() {
  api::MailDomainSpec spec;
  spec.domain = "example.test";
  spec.senders = {*net::IpAddress::Parse("192.0.2.10")};
  spec.dkim.selectors = {"s1"};
  spec.dmarc.minimum_policy = api::DmarcPolicy::kReject;
  return spec;
}

// The checks' first questions are asked up front and shared: the SPF record is fetched once for
// the analysis and every sender (without a cache in front, as here).
TEST(ReportTest, AsksEveryQuestionOnce) {
  MemoryResolver r;
  AddHealthyDomain(r);
  checks::blacklists::ProbeCache cache;
  api::MailDomainSpec spec = HealthySpec();
  spec.senders.push_back(*net::IpAddress::Parse("192.0.2.25"));
  DomainReport report = RunChecks(r, spec, LocalOptions(cache));
  EXPECT_EQ(report.status, CheckStatus::kPass) << DumpJson(ToJson(report));
  std::map<std::pair<std::string, RecordType>, int> asked;
  for (const auto& q : r.queries()) ++asked[q];
  EXPECT_EQ((asked[{"example.test", RecordType::kTxt}]), 1);
  EXPECT_EQ((asked[{"example.test", RecordType::kMx}]), 1);
  EXPECT_EQ((asked[{"_dmarc.example.test", RecordType::kTxt}]), 1);
  EXPECT_EQ((asked[{"25.2.0.192.in-addr.arpa", RecordType::kPtr}]), 1);
}

// Every check runs to the same report whatever the pool: none (all on the caller) or several.
TEST(ReportTest, SameReportWithAnyPool) {
  MemoryResolver r;
  AddHealthyDomain(r);
  checks::blacklists::ProbeCache cache;
  ReportOptions options = LocalOptions(cache);
  std::string expected = DumpJson(ToJson(RunChecks(r, HealthySpec(), options)));
  for (std::size_t threads : {0u, 1u, 4u}) {
    CheckPool pool(threads);
    options.pool = &pool;
    EXPECT_EQ(DumpJson(ToJson(RunChecks(r, HealthySpec(), options))), expected) << threads;
  }
}

TEST(ReportTest, HealthyDomainPassesEveryCheck) {
  MemoryResolver r;
  AddHealthyDomain(r);
  checks::blacklists::ProbeCache cache;
  DomainReport report = RunChecks(r, HealthySpec(), LocalOptions(cache));
  nlohmann::json j = ToJson(report);
  for (const char* check : {"spf", "dkim", "dmarc", "mx", "rdns", "blacklists"}) {
    EXPECT_EQ(j["checks"][check]["status"], "pass") << check << ": " << DumpJson(j[check]);
    EXPECT_TRUE(j["checks"][check]["findings"].is_array()) << check;
  }
  EXPECT_EQ(report.status, CheckStatus::kPass);
  EXPECT_EQ(j["status"], "pass");
  EXPECT_EQ(j["domain"], "example.test");
  EXPECT_EQ(j["checkedAt"], "2026-11-27T10:00:00Z");
  EXPECT_EQ(ExitCode({report}), 0);
  // rdns saw the sender and the MX address; blacklists those two plus the domain.
  EXPECT_EQ(j["checks"]["rdns"]["addresses"].size(), 2u);
  EXPECT_EQ(j["checks"]["blacklists"]["queries"], 3);
  EXPECT_EQ(j["checks"]["blacklists"]["listingCount"], 0);
  EXPECT_EQ(j["checks"]["mx"]["hosts"][0]["addresses"][0], "192.0.2.25");
}

TEST(ReportTest, TopLevelStatusIsTheWorstAndExitCodesFollowDesign) {
  MemoryResolver r;
  AddHealthyDomain(r);
  r.SetOutcome("_dmarc.example.test", dns::Outcome::kServFail);
  checks::blacklists::ProbeCache cache;
  DomainReport error = RunChecks(r, HealthySpec(), LocalOptions(cache));
  EXPECT_EQ(error.checks.at(CheckKind::kDmarc).status, CheckStatus::kError);
  EXPECT_EQ(error.status, CheckStatus::kError);
  EXPECT_EQ(ExitCode({error}), 3);

  r.Add("66.2.0.192.bl.test", RecordType::kA, "127.0.0.2");
  api::MailDomainSpec spec = HealthySpec();
  spec.senders.push_back(*net::IpAddress::Parse("192.0.2.66"));
  DomainReport fail = RunChecks(r, spec, LocalOptions(cache));
  EXPECT_EQ(fail.checks.at(CheckKind::kBlacklists).status, CheckStatus::kFail);
  EXPECT_EQ(fail.status, CheckStatus::kFail);
  EXPECT_EQ(ExitCode({error, fail}), 1);
  EXPECT_EQ(ToJson(fail)["checks"]["blacklists"]["listingCount"], 1);
  EXPECT_EQ(ExitCode({}), 0);
}

TEST(ReportTest, UnselectedAndDisabledChecksAreSkipped) {
  MemoryResolver r;
  AddHealthyDomain(r);
  checks::blacklists::ProbeCache cache;
  ReportOptions options = LocalOptions(cache);
  options.checks = {CheckKind::kRdns};
  api::MailDomainSpec spec = HealthySpec();
  DomainReport report = RunChecks(r, spec, options);
  nlohmann::json j = ToJson(report);
  EXPECT_EQ(j["checks"]["spf"]["status"], "skipped");
  EXPECT_EQ(j["checks"]["mx"]["status"], "skipped");
  EXPECT_EQ(j["checks"]["rdns"]["status"], "pass");
  // Reverse DNS still covers the MX address although the MX check itself was not selected.
  EXPECT_EQ(j["checks"]["rdns"]["addresses"].size(), 2u);
  EXPECT_EQ(report.status, CheckStatus::kPass);

  spec.reverse_dns.enabled = false;
  spec.senders.clear();
  DomainReport off = RunChecks(r, spec, options);
  EXPECT_EQ(off.checks.at(CheckKind::kRdns).status, CheckStatus::kSkipped);
  EXPECT_TRUE(checks::HasFinding(off.checks.at(CheckKind::kRdns).findings, "CheckSkipped"));
  EXPECT_EQ(off.status, CheckStatus::kSkipped);
  EXPECT_EQ(ExitCode({off}), 0);
}

TEST(ReportTest, SpecZonesOverrideTheDefaults) {
  MemoryResolver r;
  AddHealthyDomain(r);
  r.Add("2.0.0.127.other.test", RecordType::kA, "127.0.0.2");
  r.Add("10.2.0.192.other.test", RecordType::kA, "127.0.0.2");
  checks::blacklists::ProbeCache cache;
  ReportOptions options = LocalOptions(cache);
  options.checks = {CheckKind::kBlacklists};
  api::MailDomainSpec spec = HealthySpec();
  spec.blacklists.ip_zones = {"other.test"};
  DomainReport report = RunChecks(r, spec, options);
  nlohmann::json bl = ToJson(report)["checks"]["blacklists"];
  ASSERT_EQ(bl["listings"].size(), 1u);
  EXPECT_EQ(bl["listings"][0]["zone"], "other.test");
  EXPECT_EQ(bl["listings"][0]["target"], "192.0.2.10");
}

TEST(ReportTest, TextGroupsByCheckWorstFirstWithFixHints) {
  MemoryResolver r;
  AddHealthyDomain(r);
  r.SetOutcome("25.2.0.192.in-addr.arpa", dns::Outcome::kNxDomain);
  checks::blacklists::ProbeCache cache;
  DomainReport report = RunChecks(r, HealthySpec(), LocalOptions(cache));
  std::string text = RenderText(report, {.color = false});
  EXPECT_EQ(text.find("FAIL  example.test  (checked 2026-11-27T10:00:00Z)"), 0u) << text;
  const auto rdns = text.find("FAIL    rdns");
  const auto spf = text.find("PASS    spf");
  ASSERT_NE(rdns, std::string::npos) << text;
  ASSERT_NE(spf, std::string::npos) << text;
  EXPECT_LT(rdns, spf);
  EXPECT_NE(text.find("ReverseDNSMissing: 192.0.2.25 has no PTR record"), std::string::npos);
  EXPECT_NE(text.find("fix: " + std::string(FixHint("ReverseDNSMissing"))), std::string::npos);
  EXPECT_EQ(text.find("\x1b["), std::string::npos);
  EXPECT_NE(RenderText(report, {.color = true}).find("\x1b[1;31m"), std::string::npos);
}

TEST(ReportTest, TextNeverPrintsControlBytesFromDns) {
  MemoryResolver r;
  AddHealthyDomain(r);
  r.Add("2.0.0.127.bl.test", RecordType::kA, "127.0.0.2");
  r.Add("10.2.0.192.bl.test", RecordType::kA, "127.0.0.2");
  r.Add("10.2.0.192.bl.test", RecordType::kTxt, "evil\x1b[2Jreason \xff");
  checks::blacklists::ProbeCache cache;
  DomainReport report = RunChecks(r, HealthySpec(), LocalOptions(cache));
  std::string text = RenderText(report, {.color = false});
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  // And the JSON survives invalid UTF-8.
  EXPECT_NO_THROW((void)DumpJson(ToJson(report)));
}

TEST(ReportTest, EveryDesignCodeHasAFixHint) {
  for (const char* code : {"SPFMissing",
                           "SPFMultipleRecords",
                           "SPFSyntaxError",
                           "SPFTooManyLookups",
                           "SPFTooManyVoidLookups",
                           "SPFIncludeLoop",
                           "SPFIncludeMissing",
                           "SPFPassAll",
                           "SPFNeutralAll",
                           "SPFNoAll",
                           "SPFSoftFailAll",
                           "SPFPtrUsed",
                           "SPFRecordTooLong",
                           "SPFSenderNotAuthorized",
                           "SPFDNSError",
                           "DKIMKeyMissing",
                           "DKIMKeyRevoked",
                           "DKIMKeyInvalid",
                           "DKIMKeyWeak",
                           "DKIMSyntaxError",
                           "DKIMMultipleRecords",
                           "DKIMTestingMode",
                           "DKIMSha1Only",
                           "DKIMNoSelectors",
                           "DKIMDNSError",
                           "DMARCMissing",
                           "DMARCMultipleRecords",
                           "DMARCSyntaxError",
                           "DMARCPolicyNone",
                           "DMARCPolicyBelowMinimum",
                           "DMARCPartialPercentage",
                           "DMARCNoReports",
                           "DMARCInvalidReportURI",
                           "DMARCExternalReportUnauthorized",
                           "DMARCInherited",
                           "DMARCDNSError",
                           "MXMissing",
                           "MXNull",
                           "MXTargetUnresolvable",
                           "MXTargetCNAME",
                           "MXTargetIPLiteral",
                           "MXDNSError",
                           "ReverseDNSMissing",
                           "ReverseDNSMismatch",
                           "ReverseDNSError",
                           "Blacklisted",
                           "BlacklistRefused",
                           "BlacklistZoneUntrusted",
                           "BlacklistDNSError"}) {
    EXPECT_FALSE(FixHint(code).empty()) << code;
  }
  EXPECT_TRUE(FixHint("NoSuchCode").empty());
}

TEST(ReportTest, CheckWordsRoundTrip) {
  for (CheckKind kind : kAllChecks) EXPECT_EQ(ParseCheckKind(ToString(kind)), kind);
  EXPECT_FALSE(ParseCheckKind("smtp").has_value());
}

}  // namespace
}  // namespace mdo::report
