#include "kube/rate_limiter.h"

#include <gtest/gtest.h>

namespace mdo::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ItemExponentialRateLimiterTest, DoublesPerItemUpToTheCap) {
  ItemExponentialRateLimiter limiter(milliseconds(5), seconds(1000));
  EXPECT_EQ(limiter.When("a"), milliseconds(5));
  EXPECT_EQ(limiter.When("a"), milliseconds(10));
  EXPECT_EQ(limiter.When("a"), milliseconds(20));
  EXPECT_EQ(limiter.When("b"), milliseconds(5));  // items are independent
  EXPECT_EQ(limiter.NumRequeues("a"), 3);
  for (int i = 0; i < 100; ++i) (void)limiter.When("a");
  EXPECT_EQ(limiter.When("a"), seconds(1000));
  limiter.Forget("a");
  EXPECT_EQ(limiter.NumRequeues("a"), 0);
  EXPECT_EQ(limiter.When("a"), milliseconds(5));
}

TEST(BucketRateLimiterTest, BurstThenSpacedAtQps) {
  FakeClock clock;
  BucketRateLimiter limiter(10.0, 3, clock);
  EXPECT_EQ(limiter.When("x"), Clock::Duration::zero());
  EXPECT_EQ(limiter.When("y"), Clock::Duration::zero());
  EXPECT_EQ(limiter.When("z"), Clock::Duration::zero());
  auto fourth = limiter.When("w");
  auto fifth = limiter.When("v");
  EXPECT_NEAR(std::chrono::duration<double>(fourth).count(), 0.1, 1e-6);
  EXPECT_NEAR(std::chrono::duration<double>(fifth).count(), 0.2, 1e-6);
  clock.Advance(seconds(10));  // refills to the burst, not beyond
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.When("r"), Clock::Duration::zero());
  EXPECT_GT(limiter.When("r"), Clock::Duration::zero());
}

TEST(DefaultControllerRateLimiterTest, PerItemBackoffUnderOverallBucket) {
  FakeClock clock;
  auto limiter = DefaultControllerRateLimiter(clock);
  EXPECT_EQ(limiter->When("a"), milliseconds(5));
  EXPECT_EQ(limiter->When("a"), milliseconds(10));
  // 98 more tokens of the burst of 100 go quickly; after that the 10 qps bucket dominates.
  for (int i = 0; i < 98; ++i) (void)limiter->When("item-" + std::to_string(i));
  auto delay = limiter->When("fresh");
  EXPECT_GE(delay, milliseconds(99));
  EXPECT_EQ(limiter->NumRequeues("a"), 2);
}

TEST(TokenBucketTest, TryTakeRefillsOverTime) {
  FakeClock clock;
  TokenBucket bucket(1.0 / 300, 25, clock.Now());  // the event recorder's numbers
  for (int i = 0; i < 25; ++i) EXPECT_TRUE(bucket.TryTake(clock.Now()));
  EXPECT_FALSE(bucket.TryTake(clock.Now()));
  clock.Advance(seconds(299));
  EXPECT_FALSE(bucket.TryTake(clock.Now()));
  clock.Advance(seconds(2));
  EXPECT_TRUE(bucket.TryTake(clock.Now()));
  EXPECT_FALSE(bucket.TryTake(clock.Now()));
}

TEST(BackoffTest, GrowsWithJitterWithinBoundsAndResets) {
  FakeClock clock;
  Backoff backoff(Backoff::Options{}, clock, /*seed=*/42);
  Clock::Duration base = milliseconds(800);
  for (int i = 0; i < 10; ++i) {
    auto d = backoff.Next();
    EXPECT_GE(d, std::min<Clock::Duration>(base, seconds(30))) << i;
    EXPECT_LE(d, seconds(30)) << i;
    EXPECT_LE(d, 2 * base) << i;
    base = std::min<Clock::Duration>(base * 2, seconds(30));
    clock.Advance(seconds(1));
  }
  EXPECT_EQ(backoff.Next(), seconds(30));  // capped
  clock.Advance(std::chrono::minutes(3));  // healthy for longer than reset_after
  auto d = backoff.Next();
  EXPECT_GE(d, milliseconds(800));
  EXPECT_LE(d, milliseconds(1600));
}

}  // namespace
}  // namespace mdo::kube
