#include "common/duration.h"

#include <gtest/gtest.h>

namespace mdo {
namespace {

using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace)

TEST(DurationTest, ParsesGoDurations) {
  EXPECT_EQ(*ParseDuration("1h"), 1h);
  EXPECT_EQ(*ParseDuration("1h30m"), 90min);
  EXPECT_EQ(*ParseDuration("90s"), 90s);
  EXPECT_EQ(*ParseDuration("1.5h"), 90min);
  EXPECT_EQ(*ParseDuration("250ms"), 250ms);
  EXPECT_EQ(*ParseDuration("2m3s4ms"), 123004ms);
}

TEST(DurationTest, RejectsWithAReason) {
  auto missing_unit = ParseDuration("10");
  ASSERT_FALSE(missing_unit.ok());
  EXPECT_NE(missing_unit.error().message.find("missing unit"), std::string::npos);
  auto bad_unit = ParseDuration("10d");
  ASSERT_FALSE(bad_unit.ok());
  EXPECT_NE(bad_unit.error().message.find("unknown unit \"d\""), std::string::npos);
  EXPECT_FALSE(ParseDuration("").ok());
  EXPECT_FALSE(ParseDuration("-1h").ok());
  EXPECT_FALSE(ParseDuration("1..5h").ok());
  EXPECT_FALSE(ParseDuration("h").ok());
  EXPECT_FALSE(ParseDuration("99999999999999999999h").ok());
}

TEST(DurationTest, FormatsShortest) {
  EXPECT_EQ(FormatDuration(90min), "1h30m");
  EXPECT_EQ(FormatDuration(45s), "45s");
  EXPECT_EQ(FormatDuration(250ms), "250ms");
  EXPECT_EQ(FormatDuration(1500ms), "1.5s");
  EXPECT_EQ(FormatDuration(0s), "0s");
}

}  // namespace
}  // namespace mdo
