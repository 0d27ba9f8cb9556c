#include "checks/finding.h"

#include <gtest/gtest.h>

namespace mdo::checks {
namespace {

TEST(FindingTest, StatusIsTheWorstSeverity) {
  EXPECT_EQ(StatusFromFindings({}), CheckStatus::kPass);
  EXPECT_EQ(StatusFromFindings({{"A", Severity::kInfo, ""}}), CheckStatus::kPass);
  EXPECT_EQ(StatusFromFindings({{"A", Severity::kWarn, ""}}), CheckStatus::kWarn);
  EXPECT_EQ(StatusFromFindings({{"A", Severity::kFail, ""}, {"B", Severity::kError, ""}}),
            CheckStatus::kFail);
  EXPECT_EQ(StatusFromFindings({{"A", Severity::kWarn, ""}, {"B", Severity::kError, ""}}),
            CheckStatus::kError);
}

TEST(FindingTest, OrdersStatusesAsDesignSays) {
  EXPECT_EQ(Worst(CheckStatus::kSkipped, CheckStatus::kPass), CheckStatus::kPass);
  EXPECT_EQ(Worst(CheckStatus::kError, CheckStatus::kWarn), CheckStatus::kError);
  EXPECT_EQ(Worst(CheckStatus::kError, CheckStatus::kFail), CheckStatus::kFail);
  EXPECT_EQ(ToString(CheckStatus::kSkipped), "skipped");
}

}  // namespace
}  // namespace mdo::checks
