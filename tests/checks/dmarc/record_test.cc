// Parser cases modelled on what public DMARC implementations test (OpenDMARC, mox, Mail::DMARC,
// checkdmarc): written here as our own cases.
#include "checks/dmarc/record.h"

#include <gtest/gtest.h>

namespace mdo::checks::dmarc {
namespace {

DmarcRecord MustParse(std::string_view text) {
  auto record = ParseDmarcRecord(text);
  EXPECT_TRUE(record.ok()) << text << ": "
                           << (record.ok() ? "" : DescribeParseError(record.error()));
  return record.ok() ? *record : DmarcRecord{};
}

ParseError MustFail(std::string_view text) {
  auto record = ParseDmarcRecord(text);
  EXPECT_FALSE(record.ok()) << text;
  return record.ok() ? ParseError{} : record.error();
}

TEST(DmarcRecordTest, ParsesAFullRecord) {
  DmarcRecord r = MustParse(
      "v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s; aspf=r; pct=50; "
      "rua=mailto:agg@example.com; ruf=mailto:forensic@example.com; fo=0:1:d:s; rf=afrf; "
      "ri=3600; psd=n; t=n");
  EXPECT_EQ(r.policy, DmarcPolicy::kReject);
  EXPECT_EQ(r.subdomain_policy, DmarcPolicy::kQuarantine);
  EXPECT_EQ(r.nonexistent_policy, DmarcPolicy::kReject);
  EXPECT_EQ(r.dkim_alignment, Alignment::kStrict);
  EXPECT_EQ(r.spf_alignment, Alignment::kRelaxed);
  EXPECT_EQ(r.percent, 50);
  ASSERT_EQ(r.aggregate_reports.size(), 1u);
  EXPECT_TRUE(r.aggregate_reports[0].is_mailto());
  EXPECT_EQ(r.aggregate_reports[0].domain, "example.com");
  EXPECT_EQ(r.failure_reports[0].address, "forensic@example.com");
  EXPECT_EQ(r.failure_options, (std::vector<std::string>{"0", "1", "d", "s"}));
  EXPECT_EQ(r.report_formats, std::vector<std::string>{"afrf"});
  EXPECT_EQ(r.report_interval, 3600u);
  EXPECT_EQ(r.public_suffix, 'n');
  EXPECT_FALSE(r.testing);
  EXPECT_TRUE(r.unknown_tags.empty());
}

TEST(DmarcRecordTest, DefaultsWhenTagsAreAbsent) {
  DmarcRecord r = MustParse("v=DMARC1");
  EXPECT_FALSE(r.policy.has_value());
  EXPECT_FALSE(r.percent.has_value());
  EXPECT_TRUE(r.aggregate_reports.empty());
  EXPECT_EQ(r.dkim_alignment, Alignment::kRelaxed);
  EXPECT_FALSE(MustParse("v=DMARC1; pct=100").policy.has_value());  // OpenDMARC: no p=
}

TEST(DmarcRecordTest, VersionMustComeFirstExactly) {
  MustFail("p=reject; v=DMARC1");
  MustFail("v=dmarc1; p=reject");  // DMARC1 is case-sensitive (RFC 7489 ABNF in hex)
  MustFail("v=DMARC2; p=reject");
  MustFail("v=DMARC10; p=reject");
  MustFail("v=DMARC1 p=reject");  // the ";" is missing
  ParseError e = MustFail(" v=DMARC1; p=reject");
  EXPECT_NE(e.message.find("whitespace"), std::string::npos);
  MustFail("");
  // Near misses: whitespace around "=" and an upper-case tag name are allowed by the ABNF.
  EXPECT_EQ(MustParse("v = DMARC1 ;p=none").policy, DmarcPolicy::kNone);
  EXPECT_EQ(MustParse("V=DMARC1; p=none").policy, DmarcPolicy::kNone);
}

TEST(DmarcRecordTest, ToleratesMessyWhitespaceCaseAndSemicolons) {
  DmarcRecord r = MustParse("v=DMARC1;p=REJECT;;  SP = Quarantine ;\tpct=100;");
  EXPECT_EQ(r.policy, DmarcPolicy::kReject);
  EXPECT_EQ(r.subdomain_policy, DmarcPolicy::kQuarantine);
  EXPECT_EQ(r.percent, 100);
  EXPECT_EQ(r.tags, (std::vector<std::string>{"v", "p", "sp", "pct"}));
}

TEST(DmarcRecordTest, RejectsBadPolicyValuesWithThePosition) {
  ParseError e = MustFail("v=DMARC1; p=bob");
  EXPECT_EQ(e.position, 12u);
  MustFail("v=DMARC1; p=");
  MustFail("v=DMARC1; p=none; sp=all");
  MustFail("v=DMARC1; p=none; np=maybe");
  MustFail("v=DMARC1; p=reject quarantine");
}

TEST(DmarcRecordTest, RejectsDuplicateTags) {
  ParseError e = MustFail("v=DMARC1; p=none; p=reject");
  EXPECT_NE(e.message.find("duplicate"), std::string::npos);
  EXPECT_EQ(e.position, 18u);
  MustFail("v=DMARC1; p=none; P=none");  // tag names are case-insensitive
  MustFail("v=DMARC1; v=DMARC1; p=none");
}

TEST(DmarcRecordTest, RejectsTagsWithoutEquals) {
  MustFail("v=DMARC1; p");
  MustFail("v=DMARC1; p=none; rua");
  MustFail("v=DMARC1; 1p=none");
}

TEST(DmarcRecordTest, ValidatesAlignment) {
  MustFail("v=DMARC1; p=none; adkim=x");
  MustFail("v=DMARC1; p=none; aspf=strict");
  EXPECT_EQ(MustParse("v=DMARC1; p=none; aspf=S").spf_alignment, Alignment::kStrict);
}

TEST(DmarcRecordTest, ValidatesPercent) {
  for (const char* bad : {"500", "101", "-1", "1.1", "", "abc", "0100"}) {
    MustFail(std::string("v=DMARC1; p=none; pct=") + bad);
  }
  EXPECT_EQ(MustParse("v=DMARC1; p=none; pct=0").percent, 0);
  EXPECT_EQ(MustParse("v=DMARC1; p=none; pct=100").percent, 100);
}

TEST(DmarcRecordTest, ValidatesReportInterval) {
  EXPECT_EQ(MustParse("v=DMARC1; p=none; ri=0").report_interval, 0u);
  EXPECT_EQ(MustParse("v=DMARC1; p=none; ri=4294967295").report_interval, 4294967295u);
  MustFail("v=DMARC1; p=none; ri=4294967296");
  MustFail("v=DMARC1; p=none; ri=-5");
  MustFail("v=DMARC1; p=none; ri=1h");
}

TEST(DmarcRecordTest, ValidatesFailureOptionsAndFormats) {
  EXPECT_EQ(MustParse("v=DMARC1; p=none; fo=1 : D").failure_options,
            (std::vector<std::string>{"1", "d"}));
  MustFail("v=DMARC1; p=none; fo=00");
  MustFail("v=DMARC1; p=none; fo=11");
  MustFail("v=DMARC1; p=none; fo=2");
  MustFail("v=DMARC1; p=none; fo=0:");
  MustFail("v=DMARC1; p=none; rf=iodef");
  MustFail("v=DMARC1; p=none; rf=");
  EXPECT_EQ(MustParse("v=DMARC1; p=none; rf=AFRF").report_formats,
            std::vector<std::string>{"afrf"});
}

TEST(DmarcRecordTest, ValidatesRfc9989Tags) {
  EXPECT_EQ(MustParse("v=DMARC1; p=none; psd=Y").public_suffix, 'y');
  EXPECT_EQ(MustParse("v=DMARC1; p=none; psd=u").public_suffix, 'u');
  MustFail("v=DMARC1; p=none; psd=yes");
  EXPECT_TRUE(MustParse("v=DMARC1; p=none; t=y").testing);
  EXPECT_FALSE(MustParse("v=DMARC1; p=none; t=n").testing);
  MustFail("v=DMARC1; p=none; t=1");
}

TEST(DmarcRecordTest, KeepsUnknownTags) {
  DmarcRecord r = MustParse("v=DMARC1; p=none; foo=bar; x_y=1");
  EXPECT_EQ(r.unknown_tags, (std::vector<std::string>{"foo", "x_y"}));
}

TEST(DmarcRecordTest, ParsesReportUrisWithSizeLimits) {
  DmarcRecord r = MustParse(
      "v=DMARC1; p=none; rua=mailto:a@example.com!10m, mailto:b@example.net!500 ,"
      "mailto:c@example.org!2K, mailto:d@example.org!1t");
  ASSERT_EQ(r.aggregate_reports.size(), 4u);
  EXPECT_EQ(r.aggregate_reports[0].max_size, 10u << 20);
  EXPECT_EQ(r.aggregate_reports[0].domain, "example.com");
  EXPECT_EQ(r.aggregate_reports[1].max_size, 500u);
  EXPECT_EQ(r.aggregate_reports[1].domain, "example.net");
  EXPECT_EQ(r.aggregate_reports[2].max_size, 2048u);
  EXPECT_EQ(r.aggregate_reports[3].max_size, 1ull << 40);
  for (const ReportUri& u : r.aggregate_reports) EXPECT_TRUE(u.is_mailto()) << u.text;
}

TEST(DmarcRecordTest, KeepsUnusableReportUrisWithAReason) {
  DmarcRecord r = MustParse(
      "v=DMARC1; p=none; rua=dmarc@example.com, mailto:a@example.com!10x, mailto:a@example.com!,"
      "mailto:nobody, mailto:a@bad_host-.example, https://example.com/report, "
      "mailto:%zz@example.com, mailto:a@example.com!99999999999999m");
  ASSERT_EQ(r.aggregate_reports.size(), 8u);
  EXPECT_NE(r.aggregate_reports[0].error.find("mailto"), std::string::npos);
  EXPECT_NE(r.aggregate_reports[1].error.find("unit"), std::string::npos);
  EXPECT_FALSE(r.aggregate_reports[2].error.empty());
  EXPECT_FALSE(r.aggregate_reports[3].error.empty());
  EXPECT_FALSE(r.aggregate_reports[4].error.empty());
  // Another scheme is syntactically a URI: the check judges it, the parser keeps it.
  EXPECT_TRUE(r.aggregate_reports[5].error.empty());
  EXPECT_EQ(r.aggregate_reports[5].scheme, "https");
  EXPECT_FALSE(r.aggregate_reports[5].is_mailto());
  EXPECT_FALSE(r.aggregate_reports[6].error.empty());
  EXPECT_FALSE(r.aggregate_reports[7].error.empty());
}

TEST(DmarcRecordTest, DecodesPercentEscapesAndDropsMailtoHeaders) {
  DmarcRecord r = MustParse("v=DMARC1; p=none; rua=MAILTO:dmarc%2Breports@Example.COM?subject=x");
  ASSERT_EQ(r.aggregate_reports.size(), 1u);
  EXPECT_TRUE(r.aggregate_reports[0].is_mailto());
  EXPECT_EQ(r.aggregate_reports[0].address, "dmarc+reports@Example.COM");
  EXPECT_EQ(r.aggregate_reports[0].domain, "example.com");
}

TEST(DmarcRecordTest, AnEmptyRuaIsAnUnusableEntry) {
  DmarcRecord r = MustParse("v=DMARC1; p=none; rua=");
  ASSERT_EQ(r.aggregate_reports.size(), 1u);
  EXPECT_FALSE(r.aggregate_reports[0].error.empty());
}

TEST(DmarcRecordTest, ClassifiesTxtRecordsAtDmarcNames) {
  EXPECT_EQ(ClassifyRecord("v=DMARC1; p=none"), RecordKind::kDmarc);
  EXPECT_EQ(ClassifyRecord("v=DMARC1"), RecordKind::kDmarc);
  EXPECT_EQ(ClassifyRecord("v=DMARC1;p=reject; p=none"), RecordKind::kDmarc);  // parse fails
  EXPECT_EQ(ClassifyRecord(" v=DMARC1; p=none"), RecordKind::kLookalike);
  EXPECT_EQ(ClassifyRecord("v=dmarc1; p=none"), RecordKind::kLookalike);
  EXPECT_EQ(ClassifyRecord("p=none; v=DMARC1"), RecordKind::kLookalike);
  EXPECT_EQ(ClassifyRecord("v=DMARC10; p=none"), RecordKind::kLookalike);
  EXPECT_EQ(ClassifyRecord("v=spf1 -all"), RecordKind::kOther);
  EXPECT_EQ(ClassifyRecord("verification=abc"), RecordKind::kOther);
}

TEST(DmarcRecordTest, SurvivesLargeHostileRecords) {
  std::string text = "v=DMARC1; p=none; rua=";
  for (int i = 0; i < 5000; ++i) text += "mailto:a" + std::to_string(i) + "@example.com,";
  DmarcRecord r = MustParse(text);
  EXPECT_EQ(r.aggregate_reports.size(), 5001u);
  MustFail("v=DMARC1;" + std::string(50000, ' ') + "=");
}

}  // namespace
}  // namespace mdo::checks::dmarc
