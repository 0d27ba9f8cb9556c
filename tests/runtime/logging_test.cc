#include "runtime/logging.h"

#include <gtest/gtest.h>

namespace mdo::runtime {
namespace {

TEST(LoggingTest, EscapesMessagesForJson) {
  EXPECT_EQ(JsonEscape("a\"b\\c\nd\x01"), "a\\\"b\\\\c\\nd\\u0001");
}

TEST(LoggingTest, RejectsUnknownLevelsAndFormats) {
  EXPECT_FALSE(SetUpLogging("loud", "text").ok());
  EXPECT_FALSE(SetUpLogging("info", "xml").ok());
  EXPECT_TRUE(SetUpLogging("debug", "json").ok());
  EXPECT_TRUE(SetUpLogging("info", "text").ok());
}

}  // namespace
}  // namespace mdo::runtime
