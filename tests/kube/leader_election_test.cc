#include "kube/leader_election.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace mdo::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// One Lease in memory with resourceVersion checks, shared by several electors.
class FakeLeaseStore {
 public:
  std::mutex mutex;
  std::optional<LeaseObject> lease;
  int64_t version = 0;
  bool unavailable = false;  // every call fails as if the API server were down
  int writes = 0;
};

class FakeLeaseClient final : public LeaseClient {
 public:
  explicit FakeLeaseClient(FakeLeaseStore& store) : store_(store) {}

  ApiResult<LeaseObject> Get() override {
    std::lock_guard lock(store_.mutex);
    if (store_.unavailable) return ApiFail(0, "TransportError", "down");
    if (!store_.lease) return ApiFail(404, "NotFound", "no lease");
    return *store_.lease;
  }
  ApiResult<LeaseObject> Create(const LeaderElectionRecord& record) override {
    std::lock_guard lock(store_.mutex);
    if (store_.unavailable) return ApiFail(0, "TransportError", "down");
    if (store_.lease) return ApiFail(409, "AlreadyExists", "exists");
    return Store(record);
  }
  ApiResult<LeaseObject> Update(const LeaseObject& current,
                                const LeaderElectionRecord& record) override {
    std::lock_guard lock(store_.mutex);
    if (store_.unavailable) return ApiFail(0, "TransportError", "down");
    if (!store_.lease) return ApiFail(404, "NotFound", "no lease");
    if (current.resource_version != store_.lease->resource_version) {
      return ApiFail(409, "Conflict", "stale");
    }
    return Store(record);
  }
  std::string Describe() const override { return "test/lease"; }

 private:
  LeaseObject Store(const LeaderElectionRecord& record) {
    LeaseObject obj;
    obj.record = record;
    obj.resource_version = std::to_string(++store_.version);
    store_.lease = obj;
    ++store_.writes;
    return obj;
  }
  FakeLeaseStore& store_;
};

LeaderElectionConfig Config(const std::string& id) {
  LeaderElectionConfig c;
  c.identity = id;
  return c;  // 15 s / 10 s / 2 s
}

TEST(LeaderElectionTest, ValidatesTimings) {
  EXPECT_TRUE(ValidateLeaderElectionConfig(Config("a")).ok());
  auto c = Config("a");
  c.renew_deadline = seconds(20);
  EXPECT_FALSE(ValidateLeaderElectionConfig(c).ok());
  c = Config("a");
  c.retry_period = seconds(9);
  EXPECT_FALSE(ValidateLeaderElectionConfig(c).ok());
  EXPECT_FALSE(ValidateLeaderElectionConfig(Config("")).ok());
}

TEST(LeaderElectionTest, FirstCandidateCreatesLeaseSecondWaits) {
  FakeClock clock;
  FakeLeaseStore store;
  FakeLeaseClient ca(store), cb(store);
  LeaderElector a(Config("a"), ca, clock), b(Config("b"), cb, clock);
  EXPECT_TRUE(a.TryAcquireOrRenew());
  EXPECT_FALSE(b.TryAcquireOrRenew());
  EXPECT_EQ(b.ObservedHolder(), "a");
  EXPECT_EQ(store.lease->record.holder_identity, "a");
  EXPECT_EQ(store.lease->record.lease_duration_seconds, 15);
  EXPECT_EQ(store.lease->record.lease_transitions, 0);
}

TEST(LeaderElectionTest, RenewKeepsAcquireTimeAndTransitions) {
  FakeClock clock;
  FakeLeaseStore store;
  FakeLeaseClient ca(store);
  LeaderElector a(Config("a"), ca, clock);
  ASSERT_TRUE(a.TryAcquireOrRenew());
  auto first = store.lease->record;
  clock.Advance(seconds(2));
  ASSERT_TRUE(a.TryAcquireOrRenew());
  EXPECT_EQ(store.lease->record.acquire_time, first.acquire_time);
  EXPECT_NE(store.lease->record.renew_time, first.renew_time);
  EXPECT_EQ(store.lease->record.lease_transitions, 0);
}

TEST(LeaderElectionTest, ExpiryIsJudgedFromWhenTheRecordLastChangedLocally) {
  FakeClock clock;
  FakeLeaseStore store;
  FakeLeaseClient ca(store), cb(store);
  LeaderElector a(Config("a"), ca, clock), b(Config("b"), cb, clock);
  ASSERT_TRUE(a.TryAcquireOrRenew());
  // "a" keeps renewing: however long b watches, the lease never expires for it.
  for (int i = 0; i < 20; ++i) {
    clock.Advance(seconds(2));
    ASSERT_TRUE(a.TryAcquireOrRenew());
    ASSERT_FALSE(b.TryAcquireOrRenew());
  }
  // "a" dies. b first sees the last record now, so it must wait a full lease duration from here,
  // whatever renewTime says.
  ASSERT_FALSE(b.TryAcquireOrRenew());
  clock.Advance(seconds(14));
  EXPECT_FALSE(b.TryAcquireOrRenew());
  clock.Advance(seconds(2));
  EXPECT_TRUE(b.TryAcquireOrRenew());
  EXPECT_EQ(store.lease->record.holder_identity, "b");
  EXPECT_EQ(store.lease->record.lease_transitions, 1);
  // And a, back from the dead, sees b's lease as held.
  EXPECT_FALSE(a.TryAcquireOrRenew());
  EXPECT_EQ(a.ObservedHolder(), "b");
}

TEST(LeaderElectionTest, ReleasedLeaseIsTakenAtOnce) {
  FakeClock clock;
  FakeLeaseStore store;
  FakeLeaseClient ca(store), cb(store);
  LeaderElector a(Config("a"), ca, clock), b(Config("b"), cb, clock);
  ASSERT_TRUE(a.TryAcquireOrRenew());
  ASSERT_FALSE(b.TryAcquireOrRenew());
  ASSERT_TRUE(a.Release());
  EXPECT_EQ(store.lease->record.holder_identity, "");
  EXPECT_EQ(store.lease->record.lease_duration_seconds, 1);
  EXPECT_TRUE(b.TryAcquireOrRenew());  // no waiting for expiry
  EXPECT_EQ(store.lease->record.lease_transitions, 1);
  EXPECT_FALSE(a.Release());  // not the holder any more
}

TEST(LeaderElectionTest, ConcurrentUpdateLosesOnConflict) {
  FakeClock clock;
  FakeLeaseStore store;
  FakeLeaseClient ca(store), cb(store), cc(store);
  LeaderElector a(Config("a"), ca, clock), b(Config("b"), cb, clock), c(Config("c"), cc, clock);
  ASSERT_TRUE(a.TryAcquireOrRenew());
  ASSERT_FALSE(b.TryAcquireOrRenew());
  ASSERT_FALSE(c.TryAcquireOrRenew());
  clock.Advance(seconds(16));  // a is gone; b and c both see it expired
  // b wins the race; c's update carries the old resourceVersion and fails.
  ASSERT_TRUE(b.TryAcquireOrRenew());
  EXPECT_FALSE(c.TryAcquireOrRenew());
  EXPECT_EQ(store.lease->record.holder_identity, "b");
}

template <typename F>
bool Eventually(F condition, std::chrono::seconds deadline = std::chrono::seconds(30)) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return condition();
}

// Short real timings so the Run loops turn over quickly; nothing asserts on them.
LeaderElectionConfig Fast(const std::string& id, std::atomic<int>& started,
                          std::atomic<int>& stopped) {
  LeaderElectionConfig c;
  c.identity = id;
  c.lease_duration = seconds(2);
  c.renew_deadline = milliseconds(1500);
  c.retry_period = milliseconds(100);
  c.on_started_leading = [&started] { ++started; };
  c.on_stopped_leading = [&stopped] { ++stopped; };
  return c;
}

TEST(LeaderElectionRunTest, LosesLeadershipWhenRenewalsFailPastTheDeadline) {
  FakeLeaseStore store;
  FakeLeaseClient client(store);
  std::atomic<int> started{0}, stopped{0};
  LeaderElector a(Fast("a", started, stopped), client);
  a.Start();
  ASSERT_TRUE(Eventually([&] { return a.IsLeader(); }));
  {
    std::lock_guard lock(store.mutex);
    store.unavailable = true;
  }
  ASSERT_TRUE(Eventually([&] { return stopped.load() == 1; }));
  EXPECT_FALSE(a.IsLeader());
  EXPECT_EQ(started.load(), 1);
}

TEST(LeaderElectionRunTest, GracefulStopReleasesAndStandbyTakesOver) {
  FakeLeaseStore store;
  FakeLeaseClient ca(store), cb(store);
  std::atomic<int> a_started{0}, a_stopped{0}, b_started{0}, b_stopped{0};
  auto a = std::make_unique<LeaderElector>(Fast("a", a_started, a_stopped), ca);
  LeaderElector b(Fast("b", b_started, b_stopped), cb);
  a->Start();
  ASSERT_TRUE(Eventually([&] { return a->IsLeader(); }));
  b.Start();
  ASSERT_TRUE(Eventually([&] { return b.ObservedHolder() == "a"; }));
  EXPECT_FALSE(b.IsLeader());
  a->Stop();
  EXPECT_EQ(a_stopped.load(), 1);
  {
    std::lock_guard lock(store.mutex);
    const std::string& holder = store.lease->record.holder_identity;
    EXPECT_TRUE(holder.empty() || holder == "b") << holder;  // released, or already taken
  }
  ASSERT_TRUE(Eventually([&] { return b.IsLeader(); }));
  b.Stop();
  EXPECT_EQ(b_started.load(), 1);
  EXPECT_EQ(b_stopped.load(), 1);
}

}  // namespace
}  // namespace mdo::kube
