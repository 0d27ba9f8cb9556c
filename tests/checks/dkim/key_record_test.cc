#include "checks/dkim/key_record.h"

#include <gtest/gtest.h>

#include "checks/dkim/test_keys.h"

namespace mdo::checks::dkim {
namespace {

using testing::TestKey;

KeyRecord MustParse(std::string_view text) {
  auto record = ParseKeyRecord(text);
  EXPECT_TRUE(record.ok()) << text << ": "
                           << (record.ok() ? "" : DescribeParseError(record.error()));
  return record.ok() ? *record : KeyRecord{};
}

ParseError MustFail(std::string_view text) {
  auto record = ParseKeyRecord(text);
  EXPECT_FALSE(record.ok()) << text;
  return record.ok() ? ParseError{} : record.error();
}

TEST(KeyRecordTest, ParsesTheRfc6376ExampleWithDefaults) {
  std::string key = TestKey("rfc6376.spki.b64");
  KeyRecord r = MustParse("v=DKIM1; p=" + key);
  EXPECT_TRUE(r.has_version);
  EXPECT_EQ(r.key_type, "rsa");  // implicit k=
  EXPECT_TRUE(r.hash_algorithms.empty());
  EXPECT_EQ(r.service_types, std::vector<std::string>{"*"});
  EXPECT_TRUE(r.AllowsService("email"));
  EXPECT_FALSE(r.revoked());
  EXPECT_EQ(r.public_key_base64, key);
  EXPECT_EQ(r.public_key.size(), 162u);
}

TEST(KeyRecordTest, ParsesTheRfc8463Ed25519Record) {
  KeyRecord r = MustParse("v=DKIM1; k=ed25519; p=" + TestKey("rfc8463.ed25519.b64"));
  EXPECT_EQ(r.key_type, "ed25519");
  EXPECT_EQ(r.public_key.size(), 32u);
}

TEST(KeyRecordTest, VersionIsOptionalButMustComeFirstAndBeExactlyDkim1) {
  EXPECT_FALSE(MustParse("k=rsa; p=").has_version);
  ParseError e = MustFail("k=rsa; v=DKIM1; p=");
  EXPECT_EQ(e.position, 7u);
  MustFail("v=DKIM2; p=");
  MustFail("v=dkim1; p=");   // the ABNF spells DKIM1 in hex: case-sensitive
  MustFail("v=DKIM1:; p=");  // dkimpy's badversion case
  MustFail("v=DKIM3; p=");   // perl Mail::DKIM's bad version
  MustFail("v=; p=");
}

TEST(KeyRecordTest, RequiresThePTag) {
  ParseError e = MustFail("v=DKIM1; k=rsa");
  EXPECT_NE(e.message.find("p="), std::string::npos);
  // A near miss: an empty p= is present, the key is revoked.
  EXPECT_TRUE(MustParse("v=DKIM1; k=rsa; p=").revoked());
  EXPECT_TRUE(MustParse("v=DKIM1; p= ;").revoked());
}

TEST(KeyRecordTest, ToleratesFoldingWhitespaceInsideTheKey) {
  std::string key = TestKey("rsa1024.spki.b64");
  std::string folded;
  for (std::size_t i = 0; i < key.size(); ++i) {
    folded += key[i];
    if (i % 40 == 39) folded += (i % 80 == 79) ? "\r\n\t" : " ";
  }
  KeyRecord r = MustParse("v=DKIM1; p=" + folded);
  EXPECT_EQ(r.public_key_base64, key);
}

TEST(KeyRecordTest, RejectsInvalidBase64WithItsPosition) {
  ParseError e = MustFail("v=DKIM1; p=MIGf*MA0");
  EXPECT_EQ(e.position, 15u);
  MustFail("v=DKIM1; p=QUJD=RA==");  // data after padding
  MustFail("v=DKIM1; p=QUJDR");      // 4n+1 symbols
  MustFail("v=DKIM1; p=QUJDRA===");  // too much padding
}

TEST(KeyRecordTest, ParsesColonListsAndLowerCasesThem) {
  KeyRecord r = MustParse("v=DKIM1; h=SHA256 : sha1; s=email:web:fine; t=y:S:x; p=");
  EXPECT_EQ(r.hash_algorithms, (std::vector<std::string>{"sha256", "sha1"}));
  EXPECT_EQ(r.service_types, (std::vector<std::string>{"email", "web", "fine"}));
  EXPECT_TRUE(r.AllowsService("email"));
  EXPECT_TRUE(r.HasFlag("y"));
  EXPECT_TRUE(r.HasFlag("s"));
  EXPECT_FALSE(r.HasFlag("z"));
}

TEST(KeyRecordTest, ServiceTypesOtherThanEmailDoNotAllowEmail) {
  EXPECT_FALSE(MustParse("v=DKIM1; s=tlsrpt; p=").AllowsService("email"));
  EXPECT_FALSE(MustParse("v=DKIM1; s=chat; p=").AllowsService("email"));
  EXPECT_TRUE(MustParse("v=DKIM1; s=*; p=").AllowsService("email"));
}

TEST(KeyRecordTest, RejectsEmptyOrMalformedListItems) {
  MustFail("v=DKIM1; h=sha256:; p=");
  MustFail("v=DKIM1; t=; p=");
  MustFail("v=DKIM1; s=em ail; p=");
  MustFail("v=DKIM1; h=*; p=");  // "*" only means something in s=
}

TEST(KeyRecordTest, KeepsUnknownKeyTypesAndTagsForTheCheckToJudge) {
  KeyRecord r = MustParse("v=DKIM1; k=foobar; g=*; x_future=1; p=");
  EXPECT_EQ(r.key_type, "foobar");
  EXPECT_EQ(r.unknown_tags, (std::vector<std::string>{"g", "x_future"}));
  MustFail("v=DKIM1; k=; p=");
}

TEST(KeyRecordTest, PropagatesTagListErrors) {
  MustFail("v=DKIM1; t; p=");  // Mail::DKIM's malformed "t;" case
  MustFail("v=DKIM1; p=; p=");
}

TEST(KeyRecordTest, RecognisesKeyRecordsAmongOtherTxtRecords) {
  EXPECT_TRUE(LooksLikeKeyRecord("v=DKIM1; p=abc"));
  EXPECT_TRUE(LooksLikeKeyRecord("  v=DKIM1; broken;"));
  EXPECT_TRUE(LooksLikeKeyRecord("k=rsa; p="));
  EXPECT_TRUE(LooksLikeKeyRecord("k=rsa; t; p=abc"));  // broken, but meant as a key
  EXPECT_TRUE(LooksLikeKeyRecord("v = DKIM2; p=abc"));
  EXPECT_FALSE(LooksLikeKeyRecord("some-verification=abc"));
  EXPECT_FALSE(LooksLikeKeyRecord("map=1"));
  EXPECT_FALSE(LooksLikeKeyRecord("v=spf1 -all"));
  EXPECT_FALSE(LooksLikeKeyRecord("google-site-verification=abc"));
  EXPECT_FALSE(LooksLikeKeyRecord("k=rsa"));
}

TEST(Base64Test, DecodesWithAndWithoutPadding) {
  auto with = DecodeBase64("QUJDRA==");
  ASSERT_TRUE(with.ok());
  EXPECT_EQ(std::string(with->begin(), with->end()), "ABCD");
  auto without = DecodeBase64("QUJDRA");
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(std::string(without->begin(), without->end()), "ABCD");
  auto empty = DecodeBase64("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  EXPECT_FALSE(DecodeBase64("QUJDRA=").ok());
  EXPECT_FALSE(DecodeBase64("QU-D").ok());
}

}  // namespace
}  // namespace mdo::checks::dkim
