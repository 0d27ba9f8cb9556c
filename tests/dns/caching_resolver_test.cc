#include "dns/caching_resolver.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "common/strings.h"
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
  EXPECT_EQ(cache.stats().entries, 1u);  // one entry answers every type
  clock.now += seconds(60);              // MemoryResolver's negative TTL
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

// Counts the Resolve and ResolveAll calls reaching it (and the batches' sizes); each waits
// (through Query) until the test answers.
class CountingDeferredResolver : public DeferredResolver {
 public:
  Answer Resolve(std::string_view name, RecordType type) override {
    ++resolves;
    return Resolver::Resolve(name, type);
  }
  std::vector<Answer> ResolveAll(std::span<const Question> questions) override {
    {
      std::lock_guard lock(batches_mu);
      batches.push_back(questions.size());
    }
    return Resolver::ResolveAll(questions);
  }
  std::atomic<int> resolves{0};
  std::mutex batches_mu;
  std::vector<std::size_t> batches;  // guarded by batches_mu
};

// Polls with a generous deadline.
bool WaitFor(const std::function<bool()>& condition) {
  auto deadline = std::chrono::steady_clock::now() + seconds(60);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

TEST(CachingResolverTest, ResolveAsksTheUpstreamsResolveAndSharesItsAnswer) {
  auto upstream = std::make_shared<CountingDeferredResolver>();
  CachingResolver cache(upstream);
  Answer first;
  std::thread asker([&] { first = cache.Resolve("same.example", RecordType::kTxt); });
  ASSERT_TRUE(WaitFor([&] { return upstream->pending() == 1; }));
  EXPECT_EQ(upstream->resolves.load(), 1);

  // While it is on the wire, callbacks and other waiting askers join it.
  std::atomic<int> joined{0};
  for (int i = 0; i < 10; ++i) {
    cache.Query("same.example", RecordType::kTxt, [&](const Answer& a) {
      if (a.records == std::vector<std::string>{"shared"}) ++joined;
    });
  }
  Answer second;
  std::thread second_asker([&] { second = cache.Resolve("same.example", RecordType::kTxt); });
  ASSERT_TRUE(WaitFor([&] { return cache.stats().deduplicated == 11; }));
  EXPECT_EQ(upstream->pending(), 1u);
  EXPECT_EQ(upstream->resolves.load(), 1);

  upstream->AnswerAll(Outcome::kData, {"shared"});
  asker.join();
  second_asker.join();
  EXPECT_EQ(first.records, std::vector<std::string>{"shared"});
  EXPECT_FALSE(first.from_cache);
  EXPECT_EQ(second.records, std::vector<std::string>{"shared"});
  EXPECT_EQ(joined.load(), 10);

  // Then it is a hit, without the upstream.
  Answer third = cache.Resolve("same.example", RecordType::kTxt);
  EXPECT_TRUE(third.from_cache);
  EXPECT_EQ(third.records, std::vector<std::string>{"shared"});
  ResolverStats stats = cache.stats();
  EXPECT_EQ(stats.queries, 13u);
  EXPECT_EQ(stats.upstream_queries, 1u);
  EXPECT_EQ(stats.deduplicated, 11u);
  EXPECT_EQ(stats.cache_hits, 1u);
  EXPECT_EQ((stats.answers[{RecordType::kTxt, Outcome::kData}]), 13u);
  EXPECT_EQ(upstream->resolves.load(), 1);
}

TEST(CachingResolverTest, ResolveAllAnswersHitsAndSendsTheMissesInOneBatch) {
  auto upstream = std::make_shared<CountingDeferredResolver>();
  CachingResolver cache(upstream);
  // A hit first: asked once, answered, then cached.
  std::thread warm([&] { cache.Resolve("hit.example", RecordType::kA); });
  ASSERT_TRUE(WaitFor([&] { return upstream->pending() == 1; }));
  upstream->AnswerAll(Outcome::kData, {"192.0.2.1"});
  warm.join();

  // A question another asker has on the wire, joined rather than asked again.
  std::thread other([&] { cache.Resolve("joined.example", RecordType::kTxt); });
  ASSERT_TRUE(WaitFor([&] { return upstream->pending() == 1; }));
  upstream->resolves = 0;

  const std::vector<Question> questions = {
      {"HIT.example.", RecordType::kA},  // normalised like every other question
      {"miss-1.example", RecordType::kA},
      {"joined.example", RecordType::kTxt},
      {"miss-2.example", RecordType::kMx},
      {"miss-1.example", RecordType::kA},  // the same question twice in one batch
  };
  std::vector<Answer> answers;
  std::thread asker([&] { answers = cache.ResolveAll(questions); });
  // The two distinct misses go upstream in one batch; the joined question is not asked again.
  ASSERT_TRUE(WaitFor([&] { return upstream->pending() == 3; }));
  {
    std::lock_guard lock(upstream->batches_mu);
    EXPECT_EQ(upstream->batches, (std::vector<std::size_t>{2}));
  }
  EXPECT_EQ(upstream->resolves.load(), 0);
  upstream->AnswerAll(Outcome::kData, {"answer"});
  asker.join();
  other.join();

  ASSERT_EQ(answers.size(), questions.size());
  EXPECT_TRUE(answers[0].from_cache);
  EXPECT_EQ(answers[0].records, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(answers[0].name, "hit.example");
  for (std::size_t i = 1; i < answers.size(); ++i) {
    EXPECT_EQ(answers[i].records, std::vector<std::string>{"answer"}) << i;
    EXPECT_EQ(answers[i].name, NormalizeDnsName(questions[i].name)) << i;
    EXPECT_EQ(answers[i].type, questions[i].type) << i;
  }
  ResolverStats stats = cache.stats();
  EXPECT_EQ(stats.upstream_queries, 4u);  // hit.example, joined.example, miss-1, miss-2
  EXPECT_EQ(stats.deduplicated, 2u);      // joined.example, and miss-1's second ask
  EXPECT_EQ(stats.cache_hits, 1u);

  // All of them are hits now: no batch reaches the upstream.
  std::vector<Answer> again = cache.ResolveAll(questions);
  for (const Answer& a : again) EXPECT_TRUE(a.from_cache) << a.name;
  std::lock_guard lock(upstream->batches_mu);
  EXPECT_EQ(upstream->batches.size(), 1u);
}

TEST(ResolverTest, DefaultResolveAllAsksEveryQuestionAndKeepsTheOrder) {
  DeferredResolver deferred;  // Query only: ResolveAll is the base class's
  const std::vector<Question> questions = {{"a.example", RecordType::kA},
                                           {"b.example", RecordType::kTxt}};
  std::vector<Answer> answers;
  std::thread asker([&] { answers = deferred.ResolveAll(questions); });
  ASSERT_TRUE(WaitFor([&] { return deferred.pending() == 2; }));
  deferred.AnswerAll(Outcome::kNoData);
  asker.join();
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].name, "a.example");
  EXPECT_EQ(answers[1].name, "b.example");
  EXPECT_EQ(answers[1].type, RecordType::kTxt);
  EXPECT_TRUE(deferred.ResolveAll({}).empty());
}

TEST(WhileWaitingTest, RunsTheInstalledWorkOnlyOnItsThreadAndNeverReentered) {
  EXPECT_FALSE(WhileWaiting::Run());  // nothing installed
  int outer_runs = 0;
  int inner_runs = 0;
  bool reentered = true;
  {
    WhileWaiting outer([&] {
      ++outer_runs;
      return true;
    });
    EXPECT_TRUE(WhileWaiting::Run());
    {
      WhileWaiting inner([&] {
        ++inner_runs;
        reentered = WhileWaiting::Run();  // uninstalled while it runs
        return false;
      });
      EXPECT_FALSE(WhileWaiting::Run());
      bool other_thread_ran = true;
      std::thread([&] { other_thread_ran = WhileWaiting::Run(); }).join();
      EXPECT_FALSE(other_thread_ran);
    }
    EXPECT_TRUE(WhileWaiting::Run());  // the outer work is back
  }
  EXPECT_FALSE(WhileWaiting::Run());
  EXPECT_EQ(outer_runs, 2);
  EXPECT_EQ(inner_runs, 1);
  EXPECT_FALSE(reentered);
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

// The bytes one entry is charged, measured through the cache itself (the accounting is an
// implementation detail; the tests only rely on it being stable for the same answer).
std::size_t BytesOfOne(const std::shared_ptr<MemoryResolver>& memory, std::string_view name,
                       RecordType type) {
  CacheOptions unbounded;
  unbounded.max_bytes = 0;
  CachingResolver probe(memory, unbounded);
  probe.Resolve(name, type);
  return probe.stats().bytes;
}

TEST(CachingResolverTest, EvictsLeastRecentlyUsedBeyondTheByteBound) {
  auto memory = std::make_shared<MemoryResolver>();
  for (const char* name : {"a.example", "b.example", "c.example"}) {
    memory->Add(name, RecordType::kA, "192.0.2.1");
  }
  const std::size_t one = BytesOfOne(memory, "a.example", RecordType::kA);
  ASSERT_GT(one, 0u);
  CacheOptions options;
  options.max_bytes = 2 * one + one / 2;  // room for two entries of this size, not three
  CachingResolver cache(memory, options);
  cache.Resolve("a.example", RecordType::kA);
  cache.Resolve("b.example", RecordType::kA);
  EXPECT_EQ(cache.stats().bytes, 2 * one);
  EXPECT_TRUE(cache.Resolve("a.example", RecordType::kA).from_cache);  // a is now the newest
  cache.Resolve("c.example", RecordType::kA);                          // evicts b, not a
  ResolverStats stats = cache.stats();
  EXPECT_EQ(stats.entries, 2u);
  EXPECT_EQ(stats.bytes, 2 * one);
  EXPECT_EQ(stats.evictions, 1u);
  EXPECT_TRUE(cache.Resolve("a.example", RecordType::kA).from_cache);
  EXPECT_TRUE(cache.Resolve("c.example", RecordType::kA).from_cache);
  // c was used last: b's return evicts a.
  EXPECT_FALSE(cache.Resolve("b.example", RecordType::kA).from_cache);
  EXPECT_TRUE(cache.Resolve("c.example", RecordType::kA).from_cache);
  EXPECT_EQ(cache.stats().evictions, 2u);
  EXPECT_FALSE(cache.Resolve("a.example", RecordType::kA).from_cache);
  EXPECT_LE(cache.stats().bytes, options.max_bytes);
}

TEST(CachingResolverTest, OneLargeAnswerEvictsAsManySmallOnesAsItNeeds) {
  auto memory = std::make_shared<MemoryResolver>();
  for (int i = 0; i < 10; ++i) {
    memory->Add("small" + std::to_string(i) + ".example", RecordType::kA, "192.0.2.1");
  }
  memory->Add("big.example", RecordType::kTxt, std::string(1000, 'k'));
  memory->Add("huge.example", RecordType::kTxt, std::string(100000, 'h'));
  const std::size_t small = BytesOfOne(memory, "small0.example", RecordType::kA);
  const std::size_t big = BytesOfOne(memory, "big.example", RecordType::kTxt);
  ASSERT_GT(big, 5 * small);
  CacheOptions options;
  options.max_bytes = 10 * small;
  CachingResolver cache(memory, options);
  for (int i = 0; i < 10; ++i)
    cache.Resolve("small" + std::to_string(i) + ".example", RecordType::kA);
  EXPECT_EQ(cache.stats().bytes, 10 * small);
  if (big <= options.max_bytes) {
    cache.Resolve("big.example", RecordType::kTxt);
    ResolverStats stats = cache.stats();
    EXPECT_LE(stats.bytes, options.max_bytes);
    EXPECT_EQ(stats.bytes, big + small * (stats.entries - 1));
    // The oldest went first; the newest small ones are still there.
    EXPECT_FALSE(cache.Resolve("small0.example", RecordType::kA).from_cache);
  }
  // An answer larger than the whole bound is handed out but not kept, and evicts nothing.
  CachingResolver fresh(memory, options);
  fresh.Resolve("small0.example", RecordType::kA);
  Answer huge = fresh.Resolve("huge.example", RecordType::kTxt);
  EXPECT_EQ(huge.records.at(0).size(), 100000u);
  EXPECT_FALSE(fresh.Resolve("huge.example", RecordType::kTxt).from_cache);
  EXPECT_TRUE(fresh.Resolve("small0.example", RecordType::kA).from_cache);
  EXPECT_EQ(fresh.stats().bytes, small);
  EXPECT_EQ(fresh.stats().evictions, 0u);
}

TEST(CachingResolverTest, ByteCountFollowsReplacementExpiryAndClear) {
  auto memory = std::make_shared<MemoryResolver>();
  memory->Add("x.example", RecordType::kTxt, "short", 60);
  FakeClock clock;
  CacheOptions options;
  options.max_bytes = 1 << 20;
  CachingResolver cache(memory, options, clock.Function());
  cache.Resolve("x.example", RecordType::kTxt);
  const std::size_t short_bytes = cache.stats().bytes;
  EXPECT_GT(short_bytes, 0u);

  // Expired: asking again replaces the entry; the count is the new answer's, not the sum.
  clock.now += seconds(60);
  memory->Add("x.example", RecordType::kTxt, std::string(300, 'l'), 60);  // now two records
  Answer again = cache.Resolve("x.example", RecordType::kTxt);
  EXPECT_FALSE(again.from_cache);
  EXPECT_EQ(again.records.size(), 2u);
  const std::size_t long_bytes = BytesOfOne(memory, "x.example", RecordType::kTxt);
  EXPECT_GT(long_bytes, short_bytes + 300);
  ResolverStats stats = cache.stats();
  EXPECT_EQ(stats.entries, 1u);
  EXPECT_EQ(stats.bytes, long_bytes);

  // An expired entry is uncounted when it is found expired; a failure that is not kept
  // (failure_ttl 0) leaves nothing counted either.
  clock.now += seconds(60);
  memory->SetOutcome("x.example", Outcome::kServFail);
  options.failure_ttl = 0;
  CachingResolver no_failures(memory, options, clock.Function());
  cache.Resolve("x.example", RecordType::kTxt);  // failure_ttl 5: kept, with its error text
  Answer failed = cache.Resolve("x.example", RecordType::kTxt);
  EXPECT_TRUE(failed.from_cache);
  EXPECT_EQ(failed.outcome, Outcome::kServFail);
  EXPECT_FALSE(failed.error.empty());
  EXPECT_EQ(cache.stats().entries, 1u);
  clock.now += seconds(5);
  EXPECT_FALSE(cache.Resolve("y.example", RecordType::kA).from_cache);  // NXDOMAIN, kept
  const std::size_t with_expired = cache.stats().bytes;  // the expired failure still counts
  EXPECT_EQ(cache.stats().entries, 2u);
  Answer expired = cache.Resolve("x.example", RecordType::kTxt);
  EXPECT_FALSE(expired.from_cache);
  // The expired entry was uncounted and the same failure counted again: no drift.
  EXPECT_EQ(cache.stats().bytes, with_expired);
  EXPECT_EQ(cache.stats().entries, 2u);
  no_failures.Resolve("x.example", RecordType::kTxt);
  EXPECT_EQ(no_failures.stats().bytes, 0u);
  EXPECT_EQ(no_failures.stats().entries, 0u);

  cache.Clear();
  EXPECT_EQ(cache.stats().bytes, 0u);
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(CachingResolverTest, HitsReturnEveryPartOfTheAnswer) {
  auto memory = std::make_shared<MemoryResolver>();
  // A record past 127 bytes (two-byte length), bytes kept as published (a NUL, a high byte).
  std::string odd = std::string(200, 'x') + std::string("\0ÿ", 3);
  odd[200] = '\0';
  memory->Add("txt.example", RecordType::kTxt, "first");
  memory->Add("txt.example", RecordType::kTxt, odd);
  memory->AddMx("mx.example", 10, "mx1.example");
  memory->AddMx("mx.example", 20, "");  // null MX target
  memory->AddCname("alias.example", "middle.example");
  memory->AddCname("middle.example", "txt.example");
  CachingResolver cache(memory);
  for (const auto& [name, type] :
       std::vector<std::pair<std::string, RecordType>>{{"txt.example", RecordType::kTxt},
                                                       {"mx.example", RecordType::kMx},
                                                       {"alias.example", RecordType::kTxt}}) {
    Answer wire = cache.Resolve(name, type);
    Answer hit = cache.Resolve(name, type);
    ASSERT_TRUE(hit.from_cache) << name;
    EXPECT_EQ(hit.name, wire.name);
    EXPECT_EQ(hit.type, wire.type);
    EXPECT_EQ(hit.outcome, wire.outcome);
    EXPECT_EQ(hit.records, wire.records) << name;
    EXPECT_EQ(hit.mx, wire.mx) << name;
    EXPECT_EQ(hit.cname_chain, wire.cname_chain) << name;
    EXPECT_EQ(hit.error, wire.error);
  }
  Answer alias = cache.Resolve("alias.example", RecordType::kTxt);
  EXPECT_EQ(alias.cname_chain, (std::vector<std::string>{"middle.example", "txt.example"}));
  EXPECT_EQ(alias.records.size(), 2u);
  EXPECT_EQ(cache.Resolve("mx.example", RecordType::kMx).mx.size(), 2u);
}

TEST(CachingResolverTest, StaysWithinItsBoundsUnderConcurrentChurn) {
  auto memory = std::make_shared<MemoryResolver>();
  for (int i = 0; i < 500; ++i) {
    std::string name = "n" + std::to_string(i) + ".example";
    memory->Add(name, RecordType::kTxt, std::string(static_cast<std::size_t>(i % 97) * 3, 't'));
    memory->Add(name, RecordType::kA, "192.0.2." + std::to_string(i % 250));
  }
  CacheOptions options;
  options.max_bytes = 8 * 1024;
  options.max_entries = 40;
  CachingResolver cache(memory, options);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3000; ++i) {
        int n = (i * 7 + t * 131) % 600;  // 100 of them unknown: NXDOMAIN
        std::string name = "n" + std::to_string(n) + ".example";
        RecordType type = i % 2 ? RecordType::kA : RecordType::kTxt;
        Answer a = cache.Resolve(name, type);
        bool ok = n < 500 ? a.ok() && a.records.size() == 1
                          : a.outcome == Outcome::kNxDomain && a.records.empty();
        if (!ok) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  ResolverStats stats = cache.stats();
  EXPECT_LE(stats.bytes, options.max_bytes);
  EXPECT_LE(stats.entries, options.max_entries);
  EXPECT_GT(stats.evictions, 0u);
  cache.Clear();
  EXPECT_EQ(cache.stats().bytes, 0u);
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
