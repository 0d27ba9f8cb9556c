#include "checks/dkim/dkim_check.h"

#include <gtest/gtest.h>

#include "checks/dkim/test_keys.h"
#include "dns/memory_resolver.h"

namespace mdo::checks::dkim {
namespace {

using checks::CheckStatus;
using checks::HasFinding;
using checks::Severity;
using dns::MemoryResolver;
using dns::Outcome;
using dns::RecordType;
using testing::TestKey;

constexpr const char* kDomain = "example.com";

class DkimCheckTest : public ::testing::Test {
 protected:
  void Publish(const std::string& selector, const std::string& record) {
    resolver_.Add(selector + "._domainkey." + kDomain, RecordType::kTxt, record);
  }
  DkimCheckResult Check(std::vector<std::string> selectors, int minimum_bits = 2048) {
    DkimCheckOptions options;
    options.selectors = std::move(selectors);
    options.minimum_key_bits = minimum_bits;
    return CheckDkim(resolver_, kDomain, options);
  }
  // The one selector's result, for single-selector cases.
  DkimSelectorResult CheckOne(const std::string& record, int minimum_bits = 2048) {
    Publish("s1", record);
    DkimCheckResult result = Check({"s1"}, minimum_bits);
    EXPECT_EQ(result.selectors.size(), 1u);
    return result.selectors.empty() ? DkimSelectorResult{} : result.selectors.front();
  }
  static std::string Rsa(int bits) { return "v=DKIM1; k=rsa; p=" + TestKey(Rsa64(bits)); }
  static std::string Rsa64(int bits) { return "rsa" + std::to_string(bits) + ".spki.b64"; }

  MemoryResolver resolver_;
};

TEST_F(DkimCheckTest, HealthyRsaAndEd25519SelectorsPass) {
  Publish("s2048", Rsa(2048));
  Publish("s4096", Rsa(4096));
  Publish("ed", "v=DKIM1; k=ed25519; p=" + TestKey("rfc8463.ed25519.b64"));
  DkimCheckResult result = Check({"s2048", "s4096", "ed"});
  EXPECT_EQ(result.status, CheckStatus::kPass);
  ASSERT_EQ(result.selectors.size(), 3u);
  EXPECT_EQ(result.selectors[0].selector, "s2048");
  EXPECT_EQ(result.selectors[0].key_type, "rsa");
  EXPECT_EQ(result.selectors[0].key_bits, 2048);
  EXPECT_EQ(result.selectors[0].name, "s2048._domainkey.example.com");
  EXPECT_EQ(result.selectors[0].record, Rsa(2048));
  EXPECT_TRUE(result.selectors[0].findings.empty());
  EXPECT_EQ(result.selectors[1].key_bits, 4096);
  EXPECT_EQ(result.selectors[2].key_type, "ed25519");
  EXPECT_EQ(result.selectors[2].key_bits, 256);
  EXPECT_EQ(result.selectors[2].status, CheckStatus::kPass);
}

TEST_F(DkimCheckTest, QueriesEachSelectorOnceEvenWhenRepeated) {
  Publish("s1", Rsa(2048));
  DkimCheckResult result = Check({"s1", "S1", "s1"});
  EXPECT_EQ(result.selectors.size(), 1u);
  EXPECT_EQ(resolver_.query_count(), 1u);
}

TEST_F(DkimCheckTest, NoSelectorsWarns) {
  DkimCheckResult result = Check({});
  EXPECT_EQ(result.status, CheckStatus::kWarn);
  EXPECT_TRUE(HasFinding(result.findings, "DKIMNoSelectors"));
  EXPECT_EQ(resolver_.query_count(), 0u);
  // Near miss: one selector declared.
  Publish("s1", Rsa(2048));
  EXPECT_FALSE(HasFinding(Check({"s1"}).findings, "DKIMNoSelectors"));
}

TEST_F(DkimCheckTest, MissingKeyFails) {
  resolver_.Add("s1._domainkey.example.com", RecordType::kA, "192.0.2.1");  // exists, no TXT
  DkimCheckResult result = Check({"s1", "nx"});
  EXPECT_EQ(result.status, CheckStatus::kFail);
  ASSERT_EQ(result.selectors.size(), 2u);
  EXPECT_TRUE(HasFinding(result.selectors[0].findings, "DKIMKeyMissing"));
  EXPECT_TRUE(HasFinding(result.selectors[1].findings, "DKIMKeyMissing"));
  EXPECT_NE(result.selectors[1].findings[0].message.find("nx._domainkey.example.com"),
            std::string::npos);
  // Near miss: unrelated TXT next to the key does not hide it.
  Publish("s3", "google-site-verification=abc");
  Publish("s3", Rsa(2048));
  EXPECT_EQ(Check({"s3"}).status, CheckStatus::kPass);
}

TEST_F(DkimCheckTest, OnlyUnrelatedTxtRecordsCountAsMissing) {
  Publish("s1", "v=spf1 -all");
  Publish("s1", "some other text");
  DkimSelectorResult s = Check({"s1"}).selectors.at(0);
  EXPECT_TRUE(HasFinding(s.findings, "DKIMKeyMissing"));
}

TEST_F(DkimCheckTest, DnsFailureIsAnErrorNotAMissingKey) {
  resolver_.SetOutcome("s1._domainkey.example.com", RecordType::kTxt, Outcome::kServFail);
  resolver_.SetOutcome("s2._domainkey.example.com", Outcome::kTimeout);
  Publish("s3", Rsa(2048));
  DkimCheckResult result = Check({"s1", "s2", "s3"});
  EXPECT_EQ(result.status, CheckStatus::kError);
  EXPECT_TRUE(HasFinding(result.selectors[0].findings, "DKIMDNSError"));
  EXPECT_FALSE(HasFinding(result.selectors[0].findings, "DKIMKeyMissing"));
  EXPECT_EQ(result.selectors[0].findings[0].severity, Severity::kError);
  EXPECT_TRUE(HasFinding(result.selectors[1].findings, "DKIMDNSError"));
  EXPECT_EQ(result.selectors[2].status, CheckStatus::kPass);
}

TEST_F(DkimCheckTest, RevokedKeyFails) {
  DkimSelectorResult s = CheckOne("v=DKIM1; k=rsa; p=");
  EXPECT_EQ(s.status, CheckStatus::kFail);
  EXPECT_TRUE(HasFinding(s.findings, "DKIMKeyRevoked"));
  // Near miss: a key is present.
  EXPECT_FALSE(HasFinding(CheckOne(Rsa(2048)).findings, "DKIMKeyRevoked"));
}

TEST_F(DkimCheckTest, UndecodableOrUnsupportedKeysAreInvalid) {
  for (const std::string& record : std::vector<std::string>{
           "v=DKIM1; k=rsa; p=QUJDRA==", "v=DKIM1; k=dsa; p=" + TestKey(Rsa64(2048)),
           "v=DKIM1; k=ed25519; p=" + TestKey("ed25519.spki.b64"),
           "v=DKIM1; k=ed25519; p=" + TestKey(Rsa64(2048)),
           "v=DKIM1; h=md5; p=" + TestKey(Rsa64(2048))}) {
    MemoryResolver r;
    r.Add("s1._domainkey.example.com", RecordType::kTxt, record);
    DkimCheckOptions options{{"s1"}, 2048};
    DkimCheckResult result = CheckDkim(r, kDomain, options);
    EXPECT_TRUE(HasFinding(result.selectors.at(0).findings, "DKIMKeyInvalid")) << record;
    EXPECT_EQ(result.status, CheckStatus::kFail) << record;
  }
  // Near miss: a bare PKCS#1 RSA key is accepted.
  DkimSelectorResult s = CheckOne("v=DKIM1; p=" + TestKey("rsa2048.pkcs1.b64"));
  EXPECT_FALSE(HasFinding(s.findings, "DKIMKeyInvalid"));
  EXPECT_EQ(s.key_bits, 2048);
}

TEST_F(DkimCheckTest, KeysUnder1024BitsFailAndUnderTheMinimumWarn) {
  DkimSelectorResult s512 = CheckOne(Rsa(512));
  EXPECT_EQ(s512.status, CheckStatus::kFail);
  ASSERT_TRUE(HasFinding(s512.findings, "DKIMKeyWeak"));
  EXPECT_EQ(s512.key_bits, 512);

  MemoryResolver r;
  r.Add("s1._domainkey.example.com", RecordType::kTxt, Rsa(1024));
  DkimCheckResult s1024 = CheckDkim(r, kDomain, {{"s1"}, 2048});
  EXPECT_EQ(s1024.status, CheckStatus::kWarn);
  ASSERT_TRUE(HasFinding(s1024.selectors[0].findings, "DKIMKeyWeak"));
  EXPECT_EQ(s1024.selectors[0].findings[0].severity, Severity::kWarn);
  // Near misses: the minimum lowered to 1024; the RFC 6376 example key at 1024.
  EXPECT_EQ(CheckDkim(r, kDomain, {{"s1"}, 1024}).status, CheckStatus::kPass);
  MemoryResolver rfc;
  rfc.Add("s1._domainkey.example.com", RecordType::kTxt,
          "v=DKIM1; p=" + TestKey("rfc6376.spki.b64"));
  EXPECT_EQ(CheckDkim(rfc, kDomain, {{"s1"}, 1024}).status, CheckStatus::kPass);
}

TEST_F(DkimCheckTest, SyntaxErrorsFail) {
  for (const char* record :
       {"v=DKIM1; k=rsa", "k=rsa; v=DKIM1; p=", "v=DKIM2; p=abc", "v=DKIM1; t; p=abc"}) {
    MemoryResolver r;
    r.Add("s1._domainkey.example.com", RecordType::kTxt, record);
    DkimCheckResult result = CheckDkim(r, kDomain, {{"s1"}, 2048});
    EXPECT_TRUE(HasFinding(result.selectors.at(0).findings, "DKIMSyntaxError")) << record;
    EXPECT_EQ(result.status, CheckStatus::kFail);
  }
  // Near miss: unknown tags are ignored.
  EXPECT_FALSE(HasFinding(CheckOne(Rsa(2048) + "; x=1; g=*").findings, "DKIMSyntaxError"));
}

TEST_F(DkimCheckTest, InvalidSelectorNamesAreNotQueried) {
  DkimCheckResult result = Check({"bad selector", "a..b", ""});
  ASSERT_EQ(result.selectors.size(), 3u);
  for (const auto& s : result.selectors) EXPECT_TRUE(HasFinding(s.findings, "DKIMSyntaxError"));
  EXPECT_EQ(resolver_.query_count(), 0u);
  // Near miss: dotted selectors and underscores are fine.
  resolver_.Add("2024.mail._domainkey.example.com", RecordType::kTxt, Rsa(2048));
  EXPECT_EQ(Check({"2024.mail"}).status, CheckStatus::kPass);
}

TEST_F(DkimCheckTest, SeveralKeyRecordsFail) {
  Publish("s1", Rsa(2048));
  Publish("s1", Rsa(4096));
  DkimSelectorResult s = Check({"s1"}).selectors.at(0);
  EXPECT_EQ(s.status, CheckStatus::kFail);
  EXPECT_TRUE(HasFinding(s.findings, "DKIMMultipleRecords"));
}

TEST_F(DkimCheckTest, TestingModeWarns) {
  DkimSelectorResult s = CheckOne(Rsa(2048) + "; t=y");
  EXPECT_EQ(s.status, CheckStatus::kWarn);
  EXPECT_TRUE(HasFinding(s.findings, "DKIMTestingMode"));
  EXPECT_TRUE(s.testing);
  // Near miss: t=s (strict) is not testing.
  MemoryResolver r;
  r.Add("s1._domainkey.example.com", RecordType::kTxt, Rsa(2048) + "; t=s");
  EXPECT_EQ(CheckDkim(r, kDomain, {{"s1"}, 2048}).status, CheckStatus::kPass);
}

TEST_F(DkimCheckTest, Sha1OnlyWarns) {
  DkimSelectorResult s = CheckOne("v=DKIM1; h=sha1; p=" + TestKey(Rsa64(2048)));
  EXPECT_EQ(s.status, CheckStatus::kWarn);
  EXPECT_TRUE(HasFinding(s.findings, "DKIMSha1Only"));
  // Near miss: sha1 next to sha256 is fine.
  MemoryResolver r;
  r.Add("s1._domainkey.example.com", RecordType::kTxt,
        "v=DKIM1; h=sha1:sha256; p=" + TestKey(Rsa64(2048)));
  EXPECT_EQ(CheckDkim(r, kDomain, {{"s1"}, 2048}).status, CheckStatus::kPass);
}

TEST_F(DkimCheckTest, ServiceTypesMustAllowEmail) {
  DkimSelectorResult s = CheckOne("v=DKIM1; s=tlsrpt; p=" + TestKey(Rsa64(2048)));
  EXPECT_EQ(s.status, CheckStatus::kFail);
  EXPECT_TRUE(HasFinding(s.findings, "DKIMServiceNotEmail"));
  MemoryResolver r;
  r.Add("s1._domainkey.example.com", RecordType::kTxt,
        "v=DKIM1; s=email:tlsrpt; p=" + TestKey(Rsa64(2048)));
  EXPECT_EQ(CheckDkim(r, kDomain, {{"s1"}, 2048}).status, CheckStatus::kPass);
}

TEST_F(DkimCheckTest, FollowsAndReportsCnameDelegation) {
  resolver_.AddCname("s1._domainkey.example.com", "s1.dkim.provider.example");
  resolver_.Add("s1.dkim.provider.example", RecordType::kTxt, Rsa(2048));
  resolver_.AddCname("s2._domainkey.example.com", "gone.provider.example");
  DkimCheckResult result = Check({"s1", "s2"});
  ASSERT_EQ(result.selectors.size(), 2u);
  EXPECT_EQ(result.selectors[0].status, CheckStatus::kPass);
  EXPECT_EQ(result.selectors[0].cname_chain, std::vector<std::string>{"s1.dkim.provider.example"});
  EXPECT_TRUE(HasFinding(result.selectors[0].findings, "DKIMKeyDelegated"));
  EXPECT_TRUE(HasFinding(result.selectors[1].findings, "DKIMKeyMissing"));
  EXPECT_NE(result.selectors[1].findings.back().message.find("gone.provider.example"),
            std::string::npos);
}

}  // namespace
}  // namespace mdo::checks::dkim
