#include "dns/caching_resolver.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "dns/memory_resolver.h"

namespace mdo::dns {
namespace {

using std::chrono::seconds;

// A clock the test moves by hand.
struct FakeClock {
  std::chrono::steady_clock::time_point now{std::chrono::hours(1000)};
  CachingResolver::Clock Function() {
    return [this] { return now; };
  }
};

// Holds every question until the test releases it with an answer.
class DeferredResolver : public Resolver {
 public:
  void Query(std::string_view name, RecordType type, Callback done) override {
    std::lock_guard lock(mu_);
    pending_.push_back({std::string(name), type, std::move(done)});
  }
  std::size_t pending() const {
    std::lock_guard lock(mu_);
    return pending_.size();
  }
  void AnswerAll(Outcome outcome, std::vector<std::string> records = {}) {
    std::vector<Pending> taken;
    {
      std::lock_guard lock(mu_);
      taken.swap(pending_);
    }
    for (auto& p : taken) {
      Answer a;
      a.name = p.name;
      a.type = p.type;
      a.outcome = outcome;
      a.records = records;
      a.ttl = 300;
      p.done(a);
    }
  }

 private:
  struct Pending {
    std::string name;
    RecordType type;
    Callback done;
  };
  mutable std::mutex mu_;
  std::vector<Pending> pending_;
};

TEST(CachingResolverTest, HonoursTtlAndCountsHits) {
  auto memory = std::make_shared<MemoryResolver>();
  memory->Add("www.example", RecordType::kA, "192.0.2.1", 60);
  FakeClock clock;
  CachingResolver cache(memory, {}, clock.Function());

  Answer first = cache.Resolve("WWW.example.", RecordType::kA);
  EXPECT_FALSE(first.from_cache);
  EXPECT_EQ(first.ttl, 60u);
  clock.now += seconds(59);
  Answer second = cache.Resolve("www.example", RecordType::kA);
  EXPECT_TRUE(second.from_cache);
  EXPECT_EQ(second.records, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(second.ttl, 1u);
  EXPECT_EQ(memory->query_count(), 1u);

  clock.now += seconds(1);  // expired
  Answer third = cache.Resolve("www.example", RecordType::kA);
  EXPECT_FALSE(third.from_cache);
  EXPECT_EQ(memory->query_count(), 2u);

  ResolverStats stats = cache.stats();
  EXPECT_EQ(stats.queries, 3u);
  EXPECT_EQ(stats.cache_hits, 1u);
  EXPECT_EQ(stats.upstream_queries, 2u);
  EXPECT_EQ(stats.entries, 1u);
  EXPECT_EQ((stats.answers[{RecordType::kA, Outcome::kData}]), 3u);
}

TEST(CachingResolverTest, ClampsTtlsToFloorAndCap) {
  auto memory = std::make_shared<MemoryResolver>();
  memory->Add("short.example", RecordType::kTxt, "x", 1);
  memory->Add("long.example", RecordType::kTxt, "y", 999999);
  FakeClock clock;
  CacheOptions options;
  options.min_ttl = 30;
  options.max_ttl = 600;
  CachingResolver cache(memory, options, clock.Function());
  cache.Resolve("short.example", RecordType::kTxt);
  cache.Resolve("long.example", RecordType::kTxt);
  clock.now += seconds(29);
  EXPECT_TRUE(cache.Resolve("short.example", RecordType::kTxt).from_cache);
  clock.now += seconds(1);
  EXPECT_FALSE(cache.Resolve("short.example", RecordType::kTxt).from_cache);
  clock.now += seconds(570);
  EXPECT_FALSE(cache.Resolve("long.example", RecordType::kTxt).from_cache);
}

TEST(CachingResolverTest, CachesNegativeAnswersForTheirTtl) {
  auto memory = std::make_shared<MemoryResolver>();  // unknown names: kNxDomain, TTL 60
  memory->AddEmptyName("empty.example");             // kNoData, TTL 60
  FakeClock clock;
  CacheOptions options;
  options.max_negative_ttl = 30;
  CachingResolver cache(memory, options, clock.Function());
  EXPECT_EQ(cache.Resolve("missing.example", RecordType::kA).outcome, Outcome::kNxDomain);
  EXPECT_EQ(cache.Resolve("empty.example", RecordType::kMx).outcome, Outcome::kNoData);
  clock.now += seconds(29);
  Answer nx = cache.Resolve("missing.example", RecordType::kA);
  EXPECT_TRUE(nx.from_cache);
  EXPECT_EQ(nx.outcome, Outcome::kNxDomain);
  EXPECT_TRUE(cache.Resolve("empty.example", RecordType::kMx).from_cache);
  EXPECT_EQ(memory->query_count(), 2u);
  clock.now += seconds(1);  // capped at 30 s although the answer said 60
  EXPECT_FALSE(cache.Resolve("missing.example", RecordType::kA).from_cache);
}

TEST(CachingResolverTest, NxDomainAnswersEveryTypeAtTheName) {
  auto memory = std::make_shared<MemoryResolver>();
  memory->AddCname("alias.example", "missing-target.example");
  FakeClock clock;
  CachingResolver cache(memory, {}, clock.Function());
  EXPECT_EQ(cache.Resolve("missing.example", RecordType::kA).outcome, Outcome::kNxDomain);
  Answer txt = cache.Resolve("missing.example", RecordType::kTxt);
  EXPECT_EQ(txt.outcome, Outcome::kNxDomain);
  EXPECT_EQ(txt.type, RecordType::kTxt);
  EXPECT_TRUE(txt.from_cache);
  EXPECT_EQ(memory->query_count(), 1u);
  clock.now += seconds(60);  // MemoryResolver's negative TTL
  EXPECT_FALSE(cache.Resolve("missing.example", RecordType::kMx).from_cache);

  // Through a CNAME, NXDOMAIN is about the target: the alias's other types are still asked.
  EXPECT_EQ(cache.Resolve("alias.example", RecordType::kA).outcome, Outcome::kNxDomain);
  EXPECT_FALSE(cache.Resolve("alias.example", RecordType::kTxt).from_cache);
}

TEST(CachingResolverTest, CachesFailuresBrieflyAndNeverCancellations) {
  auto memory = std::make_shared<MemoryResolver>();
  memory->SetOutcome("broken.example", Outcome::kServFail);
  memory->SetOutcome("gone.example", Outcome::kCancelled);
  FakeClock clock;
  CacheOptions options;
  options.failure_ttl = 5;
  CachingResolver cache(memory, options, clock.Function());
  EXPECT_EQ(cache.Resolve("broken.example", RecordType::kTxt).outcome, Outcome::kServFail);
  clock.now += seconds(4);
  Answer again = cache.Resolve("broken.example", RecordType::kTxt);
  EXPECT_TRUE(again.from_cache);
  EXPECT_EQ(again.outcome, Outcome::kServFail);
  clock.now += seconds(1);
  EXPECT_FALSE(cache.Resolve("broken.example", RecordType::kTxt).from_cache);

  cache.Resolve("gone.example", RecordType::kA);
  EXPECT_FALSE(cache.Resolve("gone.example", RecordType::kA).from_cache);

  options.failure_ttl = 0;
  CachingResolver no_failures(memory, options, clock.Function());
  no_failures.Resolve("broken.example", RecordType::kTxt);
  EXPECT_FALSE(no_failures.Resolve("broken.example", RecordType::kTxt).from_cache);
}

TEST(CachingResolverTest, SharesOneUpstreamQueryBetweenConcurrentAskers) {
  auto deferred = std::make_shared<DeferredResolver>();
  CachingResolver cache(deferred);
  std::atomic<int> answered{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 100; ++i) {
    threads.emplace_back([&] {
      cache.Query("same.example", RecordType::kTxt, [&](const Answer& a) {
        if (a.ok() && a.records == std::vector<std::string>{"shared"}) ++answered;
      });
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(deferred->pending(), 1u);
  EXPECT_EQ(answered.load(), 0);
  deferred->AnswerAll(Outcome::kData, {"shared"});
  EXPECT_EQ(answered.load(), 100);
  ResolverStats stats = cache.stats();
  EXPECT_EQ(stats.upstream_queries, 1u);
  EXPECT_EQ(stats.deduplicated, 99u);
  // A different type is a different question.
  cache.Query("same.example", RecordType::kA, [](const Answer&) {});
  EXPECT_EQ(deferred->pending(), 1u);
}

TEST(CachingResolverTest, EvictsLeastRecentlyUsedBeyondTheBound) {
  auto memory = std::make_shared<MemoryResolver>();
  for (const char* name : {"a.example", "b.example", "c.example"}) {
    memory->Add(name, RecordType::kA, "192.0.2.1");
  }
  CacheOptions options;
  options.max_entries = 2;
  CachingResolver cache(memory, options);
  cache.Resolve("a.example", RecordType::kA);
  cache.Resolve("b.example", RecordType::kA);
  EXPECT_TRUE(cache.Resolve("a.example", RecordType::kA).from_cache);  // a is now the newest
  cache.Resolve("c.example", RecordType::kA);                          // evicts b
  EXPECT_TRUE(cache.Resolve("a.example", RecordType::kA).from_cache);
  EXPECT_FALSE(cache.Resolve("b.example", RecordType::kA).from_cache);
  ResolverStats stats = cache.stats();
  EXPECT_EQ(stats.entries, 2u);
  EXPECT_EQ(stats.evictions, 2u);
}

TEST(CachingResolverTest, ClearForgetsAndZeroMaxTtlDisablesCaching) {
  auto memory = std::make_shared<MemoryResolver>();
  memory->Add("x.example", RecordType::kA, "192.0.2.1");
  CachingResolver cache(memory);
  cache.Resolve("x.example", RecordType::kA);
  cache.Clear();
  EXPECT_FALSE(cache.Resolve("x.example", RecordType::kA).from_cache);

  CacheOptions options;
  options.max_ttl = 0;
  CachingResolver uncached(memory, options);
  uncached.Resolve("x.example", RecordType::kA);
  EXPECT_FALSE(uncached.Resolve("x.example", RecordType::kA).from_cache);
}

TEST(CachingResolverTest, CallbacksMayAskAgain) {
  auto memory = std::make_shared<MemoryResolver>();
  memory->Add("x.example", RecordType::kA, "192.0.2.1");
  CachingResolver cache(memory);
  int nested = 0;
  cache.Query("x.example", RecordType::kA, [&](const Answer&) {
    cache.Query("x.example", RecordType::kA, [&](const Answer& a) { nested += a.from_cache; });
  });
  EXPECT_EQ(nested, 1);
}

}  // namespace
}  // namespace mdo::dns
