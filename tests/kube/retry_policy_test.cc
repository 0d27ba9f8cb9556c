#include <gtest/gtest.h>

#include "kube/rest_api_client.h"

namespace mdo::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

ApiError Error(int code, const std::string& reason = "") {
  ApiError e;
  e.code = code;
  e.reason = reason;
  return e;
}

TEST(RetryPolicyTest, WhatIsRetried) {
  EXPECT_TRUE(ShouldRetry(false, Error(429)));  // throttled: the server did nothing
  EXPECT_TRUE(ShouldRetry(true, Error(429)));
  EXPECT_TRUE(ShouldRetry(true, Error(500)));
  EXPECT_TRUE(ShouldRetry(true, Error(503)));
  EXPECT_FALSE(ShouldRetry(false, Error(500)));  // a POST may have been applied
  EXPECT_FALSE(ShouldRetry(true, Error(501)));
  EXPECT_FALSE(ShouldRetry(true, Error(409, "Conflict")));
  EXPECT_FALSE(ShouldRetry(true, Error(404)));
  EXPECT_TRUE(ShouldRetry(true, Error(0, "TransportError")));
  EXPECT_FALSE(ShouldRetry(false, Error(0, "TransportError")));
  EXPECT_TRUE(ShouldRetry(false, Error(0, "RequestNotSent")));
  EXPECT_FALSE(ShouldRetry(true, Error(0, "Cancelled")));
}

TEST(RetryPolicyTest, DelayHonoursRetryAfterThenBacksOffWithJitter) {
  RestClientOptions o;
  ApiError throttled = Error(429);
  throttled.retry_after_seconds = 3;
  EXPECT_EQ(RetryDelay(o, throttled, 0, 0.5), seconds(3));
  throttled.retry_after_seconds = 3600;
  EXPECT_EQ(RetryDelay(o, throttled, 0, 0.5), o.retry_max);  // capped
  ApiError unavailable = Error(503);
  EXPECT_EQ(RetryDelay(o, unavailable, 0, 0.0), milliseconds(200));
  EXPECT_EQ(RetryDelay(o, unavailable, 0, 1.0), milliseconds(400));
  EXPECT_EQ(RetryDelay(o, unavailable, 2, 0.0), milliseconds(800));
  EXPECT_EQ(RetryDelay(o, unavailable, 40, 0.0), o.retry_max);
}

}  // namespace
}  // namespace mdo::kube
