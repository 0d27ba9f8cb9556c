#include "kube/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

namespace mdo::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Polls `condition` until it holds or a generous deadline passes.
template <typename F>
bool Eventually(F condition, std::chrono::seconds deadline = std::chrono::seconds(20)) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(2));
  }
  return condition();
}

TEST(WorkQueueTest, DeduplicatesQueuedItems) {
  WorkQueue queue;
  queue.Add("a");
  queue.Add("b");
  queue.Add("a");
  EXPECT_EQ(queue.Len(), 2u);
  EXPECT_EQ(queue.Get().value(), "a");
  EXPECT_EQ(queue.Get().value(), "b");
  EXPECT_EQ(queue.Len(), 0u);
}

TEST(WorkQueueTest, ItemAddedWhileProcessingIsRequeuedOnDoneOnly) {
  WorkQueue queue;
  queue.Add("a");
  auto key = queue.Get();
  ASSERT_EQ(key.value(), "a");
  queue.Add("a");  // changed again while a worker holds it
  queue.Add("a");
  EXPECT_EQ(queue.Len(), 0u);  // not handed to a second worker
  queue.Done("a");
  EXPECT_EQ(queue.Len(), 1u);  // once, however many adds
  EXPECT_EQ(queue.Get().value(), "a");
  queue.Done("a");
  EXPECT_EQ(queue.Len(), 0u);
}

TEST(WorkQueueTest, NeverProcessesAKeyTwiceConcurrently) {
  WorkQueue queue;
  std::mutex mutex;
  std::set<std::string> in_flight;
  std::atomic<bool> overlap{false};
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto key = queue.Get()) {
        {
          std::lock_guard lock(mutex);
          if (!in_flight.insert(*key).second) overlap = true;
        }
        std::this_thread::yield();
        {
          std::lock_guard lock(mutex);
          in_flight.erase(*key);
        }
        ++processed;
        queue.Done(*key);
      }
    });
  }
  for (int i = 0; i < 2000; ++i) queue.Add("key-" + std::to_string(i % 5));
  ASSERT_TRUE(Eventually([&] { return queue.Len() == 0 && processed.load() >= 5; }));
  queue.ShutDownWithDrain();
  for (auto& t : workers) t.join();
  EXPECT_FALSE(overlap.load());
}

TEST(WorkQueueTest, AddAfterDeliversOnlyWhenDue) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.AddAfter("later", seconds(10));
  queue.AddAfter("sooner", seconds(5));
  queue.AddAfter("later", seconds(30));  // keeps the earlier deadline
  EXPECT_EQ(queue.DelayedLen(), 2u);
  EXPECT_EQ(queue.Len(), 0u);
  clock.Advance(seconds(6));
  ASSERT_TRUE(Eventually([&] { return queue.Len() == 1; }));
  EXPECT_EQ(queue.Get().value(), "sooner");
  clock.Advance(seconds(5));
  ASSERT_TRUE(Eventually([&] { return queue.Len() == 1; }));
  EXPECT_EQ(queue.Get().value(), "later");
  EXPECT_EQ(queue.DelayedLen(), 0u);
}

// The operator's benchmark showed a depth of 10,511 with 10,000 objects: that gauge was then
// Len() + DelayedLen(), and a key waiting for its periodic recheck is also queued when its
// object changes (our own status write comes back as an update). The key is still held once
// per structure and handed out once.
TEST(WorkQueueTest, KeyBothDelayedAndReadyIsHandedOutOnce) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.AddAfter("k", seconds(60));  // the next periodic check
  queue.Add("k");                    // the object changed meanwhile
  EXPECT_EQ(queue.Len(), 1u);
  EXPECT_EQ(queue.DelayedLen(), 1u);
  clock.Advance(seconds(61));  // the delay fires while the key is still queued
  ASSERT_TRUE(Eventually([&] { return queue.DelayedLen() == 0; }));
  EXPECT_EQ(queue.Len(), 1u);
  ASSERT_EQ(queue.Get().value(), "k");
  EXPECT_EQ(queue.Len(), 0u);
  // Fired while a worker holds it: queued again once, on Done.
  queue.AddAfter("k", seconds(60));
  clock.Advance(seconds(61));
  ASSERT_TRUE(Eventually([&] { return queue.DelayedLen() == 0; }));
  queue.Add("k");
  EXPECT_EQ(queue.Len(), 0u);
  queue.Done("k");
  EXPECT_EQ(queue.Len(), 1u);
  ASSERT_EQ(queue.Get().value(), "k");
  queue.Done("k");
  EXPECT_EQ(queue.Len(), 0u);
}

TEST(WorkQueueTest, AddRateLimitedBacksOffPerKeyAndForgetResets) {
  FakeClock clock;
  WorkQueue queue(clock, std::make_unique<ItemExponentialRateLimiter>(seconds(1), seconds(100)));
  queue.AddRateLimited("k");  // 1 s
  EXPECT_EQ(queue.NumRequeues("k"), 1);
  clock.Advance(milliseconds(1100));
  ASSERT_TRUE(Eventually([&] { return queue.Len() == 1; }));
  ASSERT_EQ(queue.Get().value(), "k");
  queue.Done("k");
  queue.AddRateLimited("k");  // 2 s now
  clock.Advance(milliseconds(1100));
  std::this_thread::sleep_for(milliseconds(30));  // let the delay thread look (it must not fire)
  EXPECT_EQ(queue.Len(), 0u);
  clock.Advance(seconds(1));
  ASSERT_TRUE(Eventually([&] { return queue.Len() == 1; }));
  queue.Forget("k");
  EXPECT_EQ(queue.NumRequeues("k"), 0);
}

TEST(WorkQueueTest, RealClockDelayedAdd) {
  WorkQueue queue;
  queue.AddAfter("x", milliseconds(20));
  auto key = queue.Get();  // blocks until the delay passes
  EXPECT_EQ(key.value(), "x");
}

TEST(WorkQueueTest, ShutDownWakesWorkersAndRejectsAdds) {
  WorkQueue queue;
  std::atomic<bool> got_nullopt{false};
  std::thread worker([&] { got_nullopt = !queue.Get().has_value(); });
  queue.ShutDown();
  worker.join();
  EXPECT_TRUE(got_nullopt.load());
  queue.Add("late");
  EXPECT_EQ(queue.Len(), 0u);
  EXPECT_TRUE(queue.ShuttingDown());
}

TEST(WorkQueueTest, ShutDownWithDrainWaitsForInFlightItems) {
  WorkQueue queue;
  queue.Add("a");
  ASSERT_EQ(queue.Get().value(), "a");
  std::atomic<bool> drained{false};
  std::thread stopper([&] {
    queue.ShutDownWithDrain();
    drained = true;
  });
  ASSERT_TRUE(Eventually([&] { return queue.ShuttingDown(); }));
  EXPECT_FALSE(drained.load());
  queue.Done("a");
  stopper.join();
  EXPECT_TRUE(drained.load());
}

}  // namespace
}  // namespace mdo::kube
