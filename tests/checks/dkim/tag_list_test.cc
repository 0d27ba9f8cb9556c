#include "checks/dkim/tag_list.h"

#include <gtest/gtest.h>

namespace mdo::checks::dkim {
namespace {

std::vector<Tag> MustParse(std::string_view text) {
  auto tags = ParseTagList(text);
  EXPECT_TRUE(tags.ok()) << text << ": " << (tags.ok() ? "" : DescribeParseError(tags.error()));
  return tags.ok() ? *tags : std::vector<Tag>{};
}

ParseError MustFail(std::string_view text) {
  auto tags = ParseTagList(text);
  EXPECT_FALSE(tags.ok()) << text;
  return tags.ok() ? ParseError{} : tags.error();
}

TEST(TagListTest, ParsesNamesAndValuesInOrder) {
  auto tags = MustParse("v=DKIM1; k=rsa; p=ABC");
  ASSERT_EQ(tags.size(), 3u);
  EXPECT_EQ(tags[0].name, "v");
  EXPECT_EQ(tags[0].value, "DKIM1");
  EXPECT_EQ(tags[1].name, "k");
  EXPECT_EQ(tags[1].value, "rsa");
  EXPECT_EQ(tags[2].value, "ABC");
  EXPECT_EQ(tags[2].position, 16u);
}

TEST(TagListTest, AllowsATrailingSemicolonButNotEmptyTags) {
  EXPECT_EQ(MustParse("a=1;").size(), 1u);
  EXPECT_EQ(MustParse("a=1 ; ").size(), 1u);
  ParseError e = MustFail("a=1;;b=2");
  EXPECT_EQ(e.position, 4u);
  MustFail(";a=1");
}

TEST(TagListTest, TrimsFoldingWhitespaceAroundNamesEqualsAndValues) {
  auto tags = MustParse(" \t a \r\n = \t value with  inner space \t ;b=2");
  ASSERT_EQ(tags.size(), 2u);
  EXPECT_EQ(tags[0].name, "a");
  EXPECT_EQ(tags[0].value, "value with  inner space");
}

TEST(TagListTest, KeepsEqualsSignsInValues) {
  auto tags = MustParse("p=abc==; n=a=b");
  ASSERT_EQ(tags.size(), 2u);
  EXPECT_EQ(tags[0].value, "abc==");
  EXPECT_EQ(tags[1].value, "a=b");
}

TEST(TagListTest, AcceptsEmptyValues) {
  auto tags = MustParse("v=DKIM1; p=");
  ASSERT_EQ(tags.size(), 2u);
  EXPECT_EQ(tags[1].value, "");
}

TEST(TagListTest, RejectsATagWithoutEquals) {
  ParseError e = MustFail("v=DKIM1; t; p=abc");
  EXPECT_EQ(e.position, 10u);
  EXPECT_NE(e.message.find("\"t\""), std::string::npos);
}

TEST(TagListTest, RejectsDuplicateTagNamesButTagNamesAreCaseSensitive) {
  ParseError e = MustFail("k=rsa; p=a; k=rsa");
  EXPECT_EQ(e.position, 12u);
  EXPECT_NE(e.message.find("duplicate"), std::string::npos);
  EXPECT_EQ(MustParse("k=rsa; K=rsa").size(), 2u);
}

TEST(TagListTest, RejectsBadTagNames) {
  MustFail("1a=b");
  MustFail("_a=b");
  MustFail("a-b=c");
  EXPECT_EQ(MustParse("a_1=b")[0].name, "a_1");
}

TEST(TagListTest, RejectsControlAndNonAsciiBytesInValues) {
  ParseError e = MustFail("n=caf\xc3\xa9");
  EXPECT_EQ(e.position, 5u);
  MustFail(std::string_view("n=a\0b", 5));
  MustFail("n=a\x7f");
}

TEST(TagListTest, RejectsEmptyRecords) {
  MustFail("");
  MustFail("   ");
}

TEST(TagListTest, DescribesPositionsOneBased) {
  EXPECT_EQ(DescribeParseError({"oops", 0}), "oops at character 1");
}

TEST(TagListTest, HandlesLargeHostileInputInOnePass) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "a" + std::to_string(i) + "=x;";
  EXPECT_EQ(MustParse(text).size(), 20000u);
  std::string repeated(60000, ';');
  MustFail(repeated);
}

}  // namespace
}  // namespace mdo::checks::dkim
