#include "common/strings.h"

#include <gtest/gtest.h>

namespace mdo {
namespace {

TEST(StringsTest, NormalizesDnsNames) {
  EXPECT_EQ(NormalizeDnsName("Example.COM."), "example.com");
  EXPECT_EQ(NormalizeDnsName("."), "");
  EXPECT_EQ(NormalizeDnsName("a.b"), "a.b");
}

TEST(StringsTest, Splits) {
  EXPECT_EQ(SplitSkipEmpty("  a  b c ", " ").size(), 3u);
  auto parts = Split("a;;b", ';');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1], "");
  EXPECT_EQ(TrimWhitespace(" \tx y \r\n"), "x y");
}

TEST(StringsTest, QuotesHostileBytes) {
  EXPECT_EQ(QuoteForMessage(std::string("a\0b\"", 4)), "\"a\\x00b\\\"\"");
  EXPECT_EQ(QuoteForMessage("abcdef", 3), "\"abc...\"");
}

}  // namespace
}  // namespace mdo
