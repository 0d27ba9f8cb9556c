#include "common/result.h"

#include <gtest/gtest.h>

namespace mdo {
namespace {

Result<int> ParsePositive(int v) {
  if (v <= 0) return Fail("not positive: " + std::to_string(v));
  return v;
}

TEST(ResultTest, CarriesValueOrError) {
  auto good = ParsePositive(3);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 3);
  auto bad = ParsePositive(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "not positive: -1");
  EXPECT_EQ(bad.value_or(7), 7);
}

TEST(ResultTest, VoidResult) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  Status failed = Fail("boom");
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "boom");
}

}  // namespace
}  // namespace mdo
