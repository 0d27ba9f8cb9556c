// Tests of the fixtures' zone-file loader (support/zone_file.h): each piece of syntax, every
// record type into a MemoryResolver, and errors that name the source and line.
#include "support/zone_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/test_env.h"

namespace mdo::testing {
namespace {

using dns::RecordType;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<ZoneRecord> MustParse(std::string_view text, std::string_view origin = {}) {
  auto records = ParseZone(text, "test.zone", origin);
  EXPECT_TRUE(records.ok()) << records.error().message;
  return records ? *records : std::vector<ZoneRecord>{};
}

std::string ParseError(std::string_view text, std::string_view origin = {}) {
  auto records = ParseZone(text, "test.zone", origin);
  EXPECT_FALSE(records.ok());
  return records ? "" : records.error().message;
}

std::vector<std::string> Owners(const std::vector<ZoneRecord>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.owner);
  return out;
}

std::vector<std::string> Data(const std::vector<ZoneRecord>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.data);
  return out;
}

TEST(ZoneFileTest, OwnersAreMadeAbsoluteAgainstTheOrigin) {
  auto records = MustParse(
      "$ORIGIN Example.TEST.\n"
      "@            IN A 192.0.2.1\n"
      "www          IN A 192.0.2.2\n"
      "Other.Test.  IN A 192.0.2.3\n"
      "$ORIGIN sub\n"  // relative: under the current origin
      "@            IN A 192.0.2.4\n"
      "host         IN A 192.0.2.5\n");
  EXPECT_THAT(Owners(records), ElementsAre("example.test", "www.example.test", "other.test",
                                           "sub.example.test", "host.sub.example.test"));
  EXPECT_THAT(Data(records),
              ElementsAre("192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"));
  EXPECT_EQ(records[0].line, 2);
  EXPECT_EQ(records[4].line, 7);
}

TEST(ZoneFileTest, TheCallersOriginAppliesBeforeTheFirstOriginDirective) {
  auto records = MustParse("@ A 192.0.2.1\nmail MX 10 mx\n", "example.test.");
  EXPECT_THAT(Owners(records), ElementsAre("example.test", "mail.example.test"));
  EXPECT_EQ(records[1].data, "mx.example.test");
}

TEST(ZoneFileTest, TtlsAndClassInEitherOrderAndTypesInAnyCase) {
  auto records = MustParse(
      "$ORIGIN example.test.\n"
      "$TTL 300\n"
      "a 3600 IN A 192.0.2.1\n"
      "b in 60 a 192.0.2.2\n"
      "c txt \"plain\"\n"
      "d Aaaa 2001:db8::1\n");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].type, RecordType::kA);
  EXPECT_EQ(records[1].type, RecordType::kA);
  EXPECT_EQ(records[2].type, RecordType::kTxt);
  EXPECT_EQ(records[3].type, RecordType::kAaaa);
  EXPECT_EQ(records[3].data, "2001:db8::1");
}

TEST(ZoneFileTest, ABlankOwnerRepeatsThePreviousOne) {
  auto records = MustParse(
      "$ORIGIN example.test.\n"
      "host IN A 192.0.2.1\n"
      "     IN AAAA 2001:db8::1\n"
      "\n"
      "; a comment line does not change the owner\n"
      "\tIN TXT \"tab\"\n"
      "next IN A 192.0.2.2\n");
  EXPECT_THAT(Owners(records), ElementsAre("host.example.test", "host.example.test",
                                           "host.example.test", "next.example.test"));
}

TEST(ZoneFileTest, ParenthesesJoinLinesAndCommentsAreDropped) {
  auto records = MustParse(
      "$ORIGIN example.test.\n"
      "@ 3600 IN SOA ns1 hostmaster.example.test. (  ; the SOA\n"
      "      1     ; serial\n"
      "      3600  ; refresh\n"
      "      600 86400\n"
      "      60 )  ; minimum\n"
      "txt IN TXT ( \"one \"\n"
      "             \"two\" )\n"
      "after IN A 192.0.2.1 ; trailing comment\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].type, RecordType::kSoa);
  EXPECT_EQ(records[0].data, "ns1.example.test");
  EXPECT_EQ(records[1].data, "one two");
  EXPECT_EQ(records[1].line, 7);
  EXPECT_EQ(records[2].owner, "after.example.test");
  EXPECT_EQ(records[2].line, 9);
}

TEST(ZoneFileTest, QuotedStringsJoinAndUnescape) {
  auto records = MustParse(
      "$ORIGIN example.test.\n"
      "@ TXT \"v=spf1 \" \"-all\"\n"
      "q TXT \"say \\\"hi\\\"; back\\\\slash \\065\\066\\067 \\x\"\n"
      "z TXT \"nul:\\000:\\255\"\n");
  EXPECT_EQ(records[0].data, "v=spf1 -all");
  EXPECT_EQ(records[1].data, "say \"hi\"; back\\slash ABC x");
  EXPECT_EQ(records[2].data, std::string("nul:\0:\xff", 7));
}

TEST(ZoneFileTest, EveryTypeIntoAMemoryResolver) {
  auto records = MustParse(
      "$ORIGIN example.test.\n"
      "@        IN SOA ns1 hostmaster 1 3600 600 86400 60\n"
      "@        IN NS  ns1\n"
      "ns1      IN A    192.0.2.53\n"
      "@        IN AAAA 2001:db8::25\n"
      "@        IN MX   10 mx1\n"
      "@        IN MX   20 mx2.other.test.\n"
      "null     IN MX   0 .\n"
      "@        IN TXT  \"v=spf1 -all\"\n"
      "www      IN CNAME @\n"
      "$ORIGIN 2.0.192.in-addr.arpa.\n"
      "53       IN PTR  ns1.example.test.\n");
  dns::MemoryResolver resolver;
  EXPECT_EQ(AddRecords(records, resolver), 10);

  EXPECT_THAT(resolver.Resolve("example.test", RecordType::kNs).records,
              ElementsAre("ns1.example.test"));
  EXPECT_THAT(resolver.Resolve("ns1.example.test", RecordType::kA).records,
              ElementsAre("192.0.2.53"));
  EXPECT_TRUE(resolver.Resolve("example.test", RecordType::kAaaa).ok());
  EXPECT_THAT(
      resolver.Resolve("example.test", RecordType::kMx).mx,
      ElementsAre(dns::MxRecord{10, "mx1.example.test"}, dns::MxRecord{20, "mx2.other.test"}));
  EXPECT_THAT(resolver.Resolve("null.example.test", RecordType::kMx).mx,
              ElementsAre(dns::MxRecord{0, ""}));
  EXPECT_THAT(resolver.Resolve("example.test", RecordType::kTxt).records,
              ElementsAre("v=spf1 -all"));
  dns::Answer alias = resolver.Resolve("www.example.test", RecordType::kTxt);
  EXPECT_THAT(alias.cname_chain, ElementsAre("example.test"));
  EXPECT_THAT(alias.records, ElementsAre("v=spf1 -all"));
  EXPECT_THAT(resolver.Resolve("53.2.0.192.in-addr.arpa", RecordType::kPtr).records,
              ElementsAre("ns1.example.test"));
}

TEST(ZoneFileTest, SkippedTypesStayOutOfTheResolver) {
  auto records = MustParse(
      "$ORIGIN example.test.\n"
      "@ SOA ns1 hostmaster 1 3600 600 86400 60\n"
      "@ NS ns1\n"
      "@ A 192.0.2.1\n");
  dns::MemoryResolver resolver;
  EXPECT_EQ(AddRecords(records, resolver, {RecordType::kSoa, RecordType::kNs}), 1);
  EXPECT_EQ(resolver.Resolve("example.test", RecordType::kNs).outcome, dns::Outcome::kNoData);
  EXPECT_TRUE(resolver.Resolve("example.test", RecordType::kA).ok());
}

TEST(ZoneFileTest, ErrorsNameTheSourceAndLine) {
  EXPECT_EQ(ParseError("$ORIGIN example.test.\n"
                       "ok IN A 192.0.2.1\n"
                       "\n"
                       "bad IN HINFO \"cpu\" \"os\"\n"),
            "test.zone:4: unsupported record type HINFO");
  EXPECT_EQ(ParseError("$ORIGIN example.test.\n"
                       "@ SOA ns1 hostmaster (\n"
                       "   1 2 3 4 5\n"
                       "x A 192.0.2.1\n"),
            "test.zone:2: '(' never closed");
  EXPECT_EQ(ParseError("$ORIGIN example.test.\n@ A 192.0.2.1 )\n"),
            "test.zone:2: ')' without a '('");
  EXPECT_EQ(ParseError("$ORIGIN example.test.\n\n@ TXT \"open\n"),
            "test.zone:3: newline inside a quoted string");
  EXPECT_EQ(ParseError("$ORIGIN example.test.\n@ TXT \"open"),
            "test.zone:2: quoted string never closed");
  EXPECT_EQ(ParseError("$ORIGIN example.test.\n@ TXT \"\\12x\"\n"),
            "test.zone:2: escape \\12x is not \\DDD (three decimal digits)");
  EXPECT_EQ(ParseError("$ORIGIN example.test.\n@ TXT \"\\300\"\n"),
            "test.zone:2: escape \\300 is above \\255");
  EXPECT_EQ(ParseError("$ORIGIN example.test.\n@ TXT \"" + std::string(256, 'x') + "\"\n"),
            "test.zone:2: TXT string longer than 255 bytes");
  EXPECT_EQ(ParseError("www IN A 192.0.2.1\n"),
            "test.zone:1: relative name www without an $ORIGIN");
  EXPECT_EQ(ParseError("$ORIGIN example.test.\n  IN A 192.0.2.1\n"),
            "test.zone:2: blank owner without a previous owner");
  EXPECT_EQ(ParseError("$ORIGIN example.test.\n@ IN MX mx1\n"),
            "test.zone:2: MX needs a preference and a host");
  EXPECT_EQ(ParseError("$ORIGIN example.test.\n@ IN MX 70000 mx1\n"),
            "test.zone:2: MX preference 70000 is not a number from 0 to 65535");
  EXPECT_EQ(ParseError("$ORIGIN example.test.\n@ IN A\n"), "test.zone:2: A needs one address");
  EXPECT_EQ(ParseError("$ORIGIN example.test.\n@ 300 IN\n"), "test.zone:2: record without a type");
  EXPECT_EQ(ParseError("$INCLUDE other.zone\n"), "test.zone:1: unsupported directive $INCLUDE");
  EXPECT_EQ(ParseError("$TTL\n"), "test.zone:1: $TTL needs a number of seconds");
}

TEST(ZoneFileTest, FilesAreNamedInErrors) {
  TempDir dir("zone-file-test");
  const std::filesystem::path file =
      dir.WriteFile("bad.zone", "$ORIGIN example.test.\n@ IN A 192.0.2.1\n@ IN BOGUS x\n");

  auto records = ParseZoneFile(file);
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.error().message, file.string() + ":3: unsupported record type BOGUS");

  auto missing = ParseZoneFile(dir.path() / "missing.zone");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("cannot read"));
}

}  // namespace
}  // namespace mdo::testing
