// The wire resolver against a real authoritative server (Knot, zones in
// tests/fixtures/zones/dns) and against the fault-injecting server.
#include "dns/ares_resolver.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <thread>

#include "dns/caching_resolver.h"
#include "dns/make_resolver.h"
#include "support/fault_dns_server.h"
#include "support/knot_server.h"
#include "support/test_env.h"

namespace mdo::dns {
namespace {

using mdo::testing::FaultDnsServer;
using mdo::testing::KnotServer;
using std::chrono::seconds;

std::filesystem::path ZoneDir() {
  return mdo::testing::SourceDir() / "tests" / "fixtures" / "zones" / "dns";
}

std::unique_ptr<AresResolver> MakeAres(const std::string& server, int timeout_ms = 500,
                                       int attempts = 2, std::size_t max_in_flight = 512) {
  AresResolver::Options options;
  auto address = ParseServerAddress(server);
  EXPECT_TRUE(address.ok());
  if (!address.ok()) return nullptr;
  options.servers = {*address};
  options.timeout_ms = timeout_ms;
  options.attempts = attempts;
  options.max_in_flight = max_in_flight;
  auto resolver = AresResolver::Create(options);
  EXPECT_TRUE(resolver.ok()) << resolver.error().message;
  return resolver.ok() ? std::move(resolver).value() : nullptr;
}

// The ways of asking, which must give the same answers: Query (c-ares on the loop thread),
// Resolve (exchanged on the caller's thread, c-ares only for TCP and EDNS fallbacks) and
// ResolveAll (the same for a batch; here the question twice in one batch, so two are on the
// wire at once and each answer must find its own question).
enum class Path { kQuery, kResolve, kBatch };
constexpr Path kAllPaths[] = {Path::kQuery, Path::kResolve, Path::kBatch};

std::string PathName(const ::testing::TestParamInfo<Path>& info) {
  switch (info.param) {
    case Path::kQuery:
      return "Query";
    case Path::kResolve:
      return "Resolve";
    case Path::kBatch:
      return "Batch";
  }
  return "";
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Waits for an answer with a generous bound, so a hang fails the test instead of blocking it
// (Resolve bounds itself: its tries and their waits are finite).
Answer Ask(Resolver& resolver, std::string_view name, RecordType type, Path path = Path::kQuery) {
  if (path == Path::kResolve) return resolver.Resolve(name, type);
  if (path == Path::kBatch) {
    const std::vector<Question> twice = {{name, type}, {name, type}};
    std::vector<Answer> answers = resolver.ResolveAll(twice);
    EXPECT_EQ(answers.size(), 2u);
    if (answers.size() != 2) return {};
    EXPECT_EQ(answers[0].outcome, answers[1].outcome) << name;
    EXPECT_EQ(Sorted(answers[0].records), Sorted(answers[1].records)) << name;
    EXPECT_EQ(answers[0].mx, answers[1].mx) << name;
    return answers[0];
  }
  auto future = resolver.QueryAsync(name, type);
  if (future.wait_for(seconds(60)) != std::future_status::ready) {
    ADD_FAILURE() << "no answer for " << name << " within 60 s";
    return {};
  }
  return future.get();
}

// The DKIM key as the zone file writes it: its quoted strings, joined.
std::string DkimKeyFromZoneFile() {
  std::string zone = mdo::testing::ReadFileOrEmpty(ZoneDir() / "dns.test.zone");
  std::size_t at = zone.find("big._domainkey");
  std::size_t end = zone.find(')', at);
  std::string key;
  for (std::size_t open = zone.find('"', at); open < end; open = zone.find('"', open + 1)) {
    std::size_t close = zone.find('"', open + 1);
    key += zone.substr(open + 1, close - open - 1);
    open = close;
  }
  return key;
}

class KnotResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto knot = KnotServer::Start(mdo::testing::ZonesFromDirectory(ZoneDir()));
    ASSERT_TRUE(knot.ok()) << knot.error().message;
    knot_ = std::move(knot).value();
    resolver_ = MakeAres(knot_->address());
    ASSERT_NE(resolver_, nullptr);
  }

  std::unique_ptr<KnotServer> knot_;
  std::unique_ptr<AresResolver> resolver_;
};

// The answer tests, run once through each path.
class KnotAnswerTest : public KnotResolverTest, public ::testing::WithParamInterface<Path> {
 protected:
  Answer Ask(Resolver& resolver, std::string_view name, RecordType type) {
    return dns::Ask(resolver, name, type, GetParam());
  }
};
INSTANTIATE_TEST_SUITE_P(AllPaths, KnotAnswerTest, ::testing::ValuesIn(kAllPaths), PathName);

TEST_P(KnotAnswerTest, AnswersEachRecordType) {
  Answer a = Ask(*resolver_, "www.dns.test", RecordType::kA);
  ASSERT_EQ(a.outcome, Outcome::kData) << a.error;
  EXPECT_EQ(Sorted(a.records), (std::vector<std::string>{"192.0.2.10", "192.0.2.11"}));
  EXPECT_EQ(a.ttl, 120u);
  EXPECT_TRUE(a.cname_chain.empty());

  Answer aaaa = Ask(*resolver_, "WWW.dns.test.", RecordType::kAaaa);
  EXPECT_EQ(aaaa.name, "www.dns.test");
  EXPECT_EQ(aaaa.records, std::vector<std::string>{"2001:db8::10"});

  Answer mx = Ask(*resolver_, "dns.test", RecordType::kMx);
  ASSERT_EQ(mx.outcome, Outcome::kData) << mx.error;
  auto records = mx.mx;
  std::sort(records.begin(), records.end(),
            [](const MxRecord& x, const MxRecord& y) { return x.preference < y.preference; });
  EXPECT_EQ(records, (std::vector<MxRecord>{{10, "mx1.dns.test"}, {20, "mx2.dns.test"}}));
  EXPECT_EQ(mx.ttl, 300u);

  Answer null_mx = Ask(*resolver_, "null-mx.dns.test", RecordType::kMx);
  EXPECT_EQ(null_mx.mx, (std::vector<MxRecord>{{0, ""}}));

  Answer txt = Ask(*resolver_, "dns.test", RecordType::kTxt);
  EXPECT_EQ(txt.records, std::vector<std::string>{"v=spf1 ip4:192.0.2.0/24 -all"});
  EXPECT_EQ(txt.ttl, 200u);

  Answer ptr = Ask(*resolver_, "25.2.0.192.in-addr.arpa", RecordType::kPtr);
  EXPECT_EQ(Sorted(ptr.records), (std::vector<std::string>{"mail.dns.test", "mx1.dns.test"}));
  Answer ptr6 =
      Ask(*resolver_, "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
          RecordType::kPtr);
  EXPECT_EQ(ptr6.records, std::vector<std::string>{"www.dns.test"});

  Answer ns = Ask(*resolver_, "dns.test", RecordType::kNs);
  EXPECT_EQ(ns.records, std::vector<std::string>{"ns1.dns.test"});
  Answer cname = Ask(*resolver_, "alias.dns.test", RecordType::kCname);
  EXPECT_EQ(cname.records, std::vector<std::string>{"middle.dns.test"});
  EXPECT_EQ(cname.ttl, 77u);
  Answer soa = Ask(*resolver_, "dns.test", RecordType::kSoa);
  EXPECT_EQ(soa.records,
            std::vector<std::string>{"ns1.dns.test hostmaster.dns.test 1 3600 600 86400 45"});
}

TEST_P(KnotAnswerTest, JoinsTxtStringsAndKeepsRecordsApart) {
  Answer multi = Ask(*resolver_, "multi.dns.test", RecordType::kTxt);
  EXPECT_EQ(multi.records,
            std::vector<std::string>{"v=spf1 ip4:192.0.2.0/24 include:_spf.dns.test -all"});
  Answer two = Ask(*resolver_, "two.dns.test", RecordType::kTxt);
  EXPECT_EQ(Sorted(two.records), (std::vector<std::string>{"first record", "second record split"}));
}

TEST_P(KnotAnswerTest, LargeDkimKeyArrivesWhole) {
  std::string expected = DkimKeyFromZoneFile();
  ASSERT_GT(expected.size(), 700u);
  Answer key = Ask(*resolver_, "big._domainkey.dns.test", RecordType::kTxt);
  ASSERT_EQ(key.outcome, Outcome::kData) << key.error;
  EXPECT_EQ(key.records, std::vector<std::string>{expected});
}

TEST_P(KnotAnswerTest, FollowsCnameChainsWithTheSmallestTtl) {
  Answer a = Ask(*resolver_, "alias.dns.test", RecordType::kA);
  ASSERT_EQ(a.outcome, Outcome::kData) << a.error;
  EXPECT_EQ(a.records, std::vector<std::string>{"192.0.2.30"});
  EXPECT_EQ(a.cname_chain, (std::vector<std::string>{"middle.dns.test", "target.dns.test"}));
  EXPECT_EQ(a.canonical_name(), "target.dns.test");
  EXPECT_EQ(a.ttl, 77u);

  Answer txt = Ask(*resolver_, "txt-alias.dns.test", RecordType::kTxt);
  EXPECT_EQ(txt.records,
            std::vector<std::string>{"v=spf1 ip4:192.0.2.0/24 include:_spf.dns.test -all"});
  EXPECT_EQ(txt.cname_chain, std::vector<std::string>{"multi.dns.test"});

  Answer dangling = Ask(*resolver_, "dangling.dns.test", RecordType::kA);
  EXPECT_EQ(dangling.outcome, Outcome::kNxDomain);
  EXPECT_EQ(dangling.cname_chain, std::vector<std::string>{"nowhere.dns.test"});
}

TEST_P(KnotAnswerTest, TellsNegativeAnswersAndRefusalApart) {
  Answer nx = Ask(*resolver_, "missing.dns.test", RecordType::kA);
  EXPECT_EQ(nx.outcome, Outcome::kNxDomain);
  EXPECT_EQ(nx.ttl, 45u);  // min(SOA TTL 3600, SOA MINIMUM 45)
  Answer nodata = Ask(*resolver_, "onlytxt.dns.test", RecordType::kA);
  EXPECT_EQ(nodata.outcome, Outcome::kNoData);
  EXPECT_EQ(nodata.ttl, 45u);
  Answer empty_non_terminal = Ask(*resolver_, "empty.dns.test", RecordType::kA);
  EXPECT_EQ(empty_non_terminal.outcome, Outcome::kNoData);
  // Knot is authoritative only: a name outside its zones is refused.
  Answer refused = Ask(*resolver_, "example.org", RecordType::kA);
  EXPECT_EQ(refused.outcome, Outcome::kRefused);
  EXPECT_NE(refused.error.find(knot_->address()), std::string::npos) << refused.error;
}

TEST_P(KnotAnswerTest, SeesReloadedZones) {
  std::string zone = mdo::testing::ReadFileOrEmpty(ZoneDir() / "dns.test.zone");
  zone.replace(zone.find("1       ; serial"), 1, "2");
  zone += "fresh IN TXT \"reloaded\"\n";
  ASSERT_TRUE(knot_->ReplaceZone("dns.test", zone).ok());
  EXPECT_EQ(Ask(*resolver_, "fresh.dns.test", RecordType::kTxt).records,
            std::vector<std::string>{"reloaded"});
}

TEST_F(KnotResolverTest, CallbacksMayAskFollowUpQuestions) {
  std::promise<std::vector<std::string>> addresses;
  resolver_->Query("dns.test", RecordType::kMx, [&](const Answer& mx) {
    // On the loop thread: ask the next question from inside the callback.
    resolver_->Query(mx.mx.at(0).exchange, RecordType::kA,
                     [&](const Answer& a) { addresses.set_value(a.records); });
  });
  auto future = addresses.get_future();
  ASSERT_EQ(future.wait_for(seconds(60)), std::future_status::ready);
  auto records = future.get();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0] == "192.0.2.25" || records[0] == "192.0.2.26") << records[0];
}

TEST_F(KnotResolverTest, ManyQuestionsBeyondTheInFlightBound) {
  auto narrow = MakeAres(knot_->address(), 2000, 2, /*max_in_flight=*/4);
  ASSERT_NE(narrow, nullptr);
  std::vector<std::future<Answer>> futures;
  for (int i = 0; i < 200; ++i) {
    futures.push_back(narrow->QueryAsync(i % 2 ? "www.dns.test" : "multi.dns.test",
                                         i % 2 ? RecordType::kA : RecordType::kTxt));
  }
  int ok = 0;
  for (auto& f : futures) {
    ASSERT_EQ(f.wait_for(seconds(60)), std::future_status::ready);
    ok += f.get().ok();
  }
  EXPECT_EQ(ok, 200);
}

TEST_F(KnotResolverTest, ResolveAllAnswersABatchLargerThanTheWindowInOrder) {
  // 300 questions, more than the 64 one socket carries at once: the rest go out as answers come.
  std::vector<std::string> names;
  std::vector<Question> questions;
  for (int i = 0; i < 300; ++i) {
    switch (i % 4) {
      case 0:
        names.push_back("missing-" + std::to_string(i) + ".dns.test");
        break;
      case 1:
        names.push_back("www.dns.test");
        break;
      case 2:
        names.push_back("dns.test");
        break;
      default:
        names.push_back("big._domainkey.dns.test");
        break;
    }
  }
  const RecordType types[] = {RecordType::kA, RecordType::kA, RecordType::kMx, RecordType::kTxt};
  for (int i = 0; i < 300; ++i) questions.push_back({names[i], types[i % 4]});
  std::vector<Answer> answers = resolver_->ResolveAll(questions);
  ASSERT_EQ(answers.size(), 300u);
  const std::string key = DkimKeyFromZoneFile();
  for (int i = 0; i < 300; ++i) {
    const Answer& a = answers[i];
    EXPECT_EQ(a.name, names[i]) << i;
    EXPECT_EQ(a.type, types[i % 4]) << i;
    switch (i % 4) {
      case 0:
        EXPECT_EQ(a.outcome, Outcome::kNxDomain) << i << " " << a.error;
        break;
      case 1:
        EXPECT_EQ(Sorted(a.records), (std::vector<std::string>{"192.0.2.10", "192.0.2.11"}))
            << i << " " << a.error;
        break;
      case 2:
        EXPECT_EQ(a.mx.size(), 2u) << i << " " << a.error;
        break;
      default:
        ASSERT_EQ(a.records.size(), 1u) << i << " " << a.error;
        EXPECT_EQ(a.records[0], key) << i;
        break;
    }
  }
}

TEST_F(KnotResolverTest, QueriesFromManyThreadsAtOnce) {
  std::atomic<int> correct{0};
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        bool nx = (i + t) % 2 == 0;
        resolver_->Query(nx ? "missing-" + std::to_string(t) + ".dns.test" : "target.dns.test",
                         RecordType::kA, [&, nx](const Answer& a) {
                           correct += nx ? a.outcome == Outcome::kNxDomain
                                         : a.records == std::vector<std::string>{"192.0.2.30"};
                           ++done;
                         });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  auto deadline = std::chrono::steady_clock::now() + seconds(60);
  while (done.load() < 400 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling for the callbacks
  }
  EXPECT_EQ(done.load(), 400);
  EXPECT_EQ(correct.load(), 400);
}

TEST_F(KnotResolverTest, ResolvesFromManyThreadsAtOnce) {
  // Each thread exchanges on a socket of its own from the pool; answers must not cross.
  std::atomic<int> correct{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        if ((i + t) % 2 == 0) {
          Answer a =
              resolver_->Resolve("missing-" + std::to_string(t) + ".dns.test", RecordType::kA);
          correct += a.outcome == Outcome::kNxDomain;
        } else {
          Answer a = resolver_->Resolve("target.dns.test", RecordType::kA);
          correct += a.records == std::vector<std::string>{"192.0.2.30"};
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(correct.load(), 400);
}

TEST_P(KnotAnswerTest, RejectsInvalidNames) {
  Answer a = Ask(*resolver_, std::string(64, 'a') + ".dns.test", RecordType::kA);
  EXPECT_EQ(a.outcome, Outcome::kMalformed);
  EXPECT_FALSE(a.error.empty());
}

class FaultResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fault = FaultDnsServer::Start();
    ASSERT_TRUE(fault.ok()) << fault.error().message;
    fault_ = std::move(fault).value();
    resolver_ = MakeAres(fault_->address(), /*timeout_ms=*/300, /*attempts=*/2);
    ASSERT_NE(resolver_, nullptr);
  }

  std::unique_ptr<FaultDnsServer> fault_;
  std::unique_ptr<AresResolver> resolver_;
};

class FaultAnswerTest : public FaultResolverTest, public ::testing::WithParamInterface<Path> {
 protected:
  Answer Ask(Resolver& resolver, std::string_view name, RecordType type) {
    return dns::Ask(resolver, name, type, GetParam());
  }
};
INSTANTIATE_TEST_SUITE_P(AllPaths, FaultAnswerTest, ::testing::ValuesIn(kAllPaths), PathName);

TEST_P(FaultAnswerTest, TellsEveryOutcomeApart) {
  struct Case {
    const char* name;
    Outcome outcome;
  };
  for (const auto& [name, outcome] : std::vector<Case>{
           {"www.fault.test", Outcome::kData},
           {"nodata.fault.test", Outcome::kNoData},
           {"nxdomain.fault.test", Outcome::kNxDomain},
           {"servfail.fault.test", Outcome::kServFail},
           {"refused.fault.test", Outcome::kRefused},
           {"timeout.fault.test", Outcome::kTimeout},
           {"badrr.fault.test", Outcome::kMalformed},
           {"ptrloop.fault.test", Outcome::kMalformed},
       }) {
    Answer a = Ask(*resolver_, name, RecordType::kA);
    EXPECT_EQ(a.outcome, outcome) << name << ": " << ToString(a.outcome) << " " << a.error;
    if (IsFailure(outcome)) {
      EXPECT_NE(a.error.find(fault_->address()), std::string::npos) << name << ": " << a.error;
    }
  }
  EXPECT_EQ(Ask(*resolver_, "nxdomain.fault.test", RecordType::kA).ttl, 30u);
}

TEST_P(FaultAnswerTest, GarbageRepliesEndAsTimeoutsNotCrashes) {
  for (const char* name : {"garbage.fault.test", "short.fault.test", "badid.fault.test"}) {
    Answer a = Ask(*resolver_, name, RecordType::kTxt);
    EXPECT_TRUE(a.outcome == Outcome::kTimeout || a.outcome == Outcome::kMalformed)
        << name << ": " << ToString(a.outcome);
  }
}

TEST_P(FaultAnswerTest, RetriesTruncatedAnswersOverTcp) {
  Answer tc = Ask(*resolver_, "tc.fault.test", RecordType::kTxt);
  ASSERT_EQ(tc.outcome, Outcome::kData) << tc.error;
  EXPECT_EQ(tc.records.size(), 16u);
  EXPECT_GE(fault_->TcpQueryCount("tc.fault.test"), 1);

  Answer big = Ask(*resolver_, "big.fault.test", RecordType::kTxt);
  ASSERT_EQ(big.outcome, Outcome::kData) << big.error;
  EXPECT_EQ(big.records.size(), 16u);
  EXPECT_EQ(big.records[0].size(), 252u);
  EXPECT_GE(fault_->TcpQueryCount("big.fault.test"), 1);
}

TEST_F(FaultResolverTest, ResolveAllSettlesEachQuestionOfABatchOnItsOwn) {
  // One batch mixing every kind of end: answered at once, answered late, never answered, answered
  // truncated (then fetched over TCP through c-ares), failures and negative answers.
  const std::vector<Question> questions = {
      {"www.fault.test", RecordType::kA},
      {"timeout.fault.test", RecordType::kA},
      {"tc.fault.test", RecordType::kTxt},
      {"servfail.fault.test", RecordType::kA},
      {"delay-200-batch.fault.test", RecordType::kTxt},
      {"nxdomain.fault.test", RecordType::kA},
      {"refused.fault.test", RecordType::kA},
      {"nodata.fault.test", RecordType::kA},
  };
  const Outcome expected[] = {Outcome::kData,     Outcome::kTimeout, Outcome::kData,
                              Outcome::kServFail, Outcome::kData,    Outcome::kNxDomain,
                              Outcome::kRefused,  Outcome::kNoData};
  std::vector<Answer> answers = resolver_->ResolveAll(questions);
  ASSERT_EQ(answers.size(), questions.size());
  for (std::size_t i = 0; i < questions.size(); ++i) {
    EXPECT_EQ(answers[i].name, questions[i].name) << i;
    EXPECT_EQ(answers[i].type, questions[i].type) << i;
    EXPECT_EQ(answers[i].outcome, expected[i])
        << questions[i].name << ": " << ToString(answers[i].outcome) << " " << answers[i].error;
  }
  EXPECT_EQ(answers[2].records.size(), 16u);
  EXPECT_GE(fault_->TcpQueryCount("tc.fault.test"), 1);
  EXPECT_EQ(answers[4].records, std::vector<std::string>{"fault test"});
  // Two tries of the question nobody answers, one of each of the others.
  EXPECT_EQ(fault_->QueryCount("timeout.fault.test"), 2);
  EXPECT_EQ(fault_->QueryCount("www.fault.test"), 1);
  EXPECT_NE(answers[1].error.find("after 2 tries"), std::string::npos) << answers[1].error;
}

TEST_F(FaultResolverTest, ResolveAllDoesTheThreadsOtherWorkWhileAnswersAreLate) {
  // The late answer is awaited: first the installed work runs (three times it has something to
  // do), then the thread sleeps until the answer comes, and each answer is the right one.
  int runs = 0;
  WhileWaiting work([&] { return ++runs <= 3; });
  const std::vector<Question> questions = {{"delay-200-while.fault.test", RecordType::kTxt},
                                           {"www.fault.test", RecordType::kA}};
  std::vector<Answer> answers = resolver_->ResolveAll(questions);
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].outcome, Outcome::kData) << answers[0].error;
  EXPECT_EQ(answers[0].records, std::vector<std::string>{"fault test"});
  EXPECT_EQ(answers[1].outcome, Outcome::kData) << answers[1].error;
  EXPECT_GE(runs, 4);
  EXPECT_EQ(fault_->QueryCount("delay-200-while.fault.test"), 1);
}

TEST_F(FaultResolverTest, ConcurrentIdenticalQuestionsMakeOneWireQuery) {
  // A timeout well above the server's delay, so c-ares never retries: one question, one query.
  CachingResolver cache(std::shared_ptr<Resolver>(MakeAres(fault_->address(), 10000, 2)));
  const std::string name = "delay-300-dedup.fault.test";
  std::atomic<int> data{0};
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 100; ++i) {
    threads.emplace_back([&] {
      cache.Query(name, RecordType::kTxt, [&](const Answer& a) {
        data += a.ok();
        ++done;
      });
    });
  }
  for (auto& t : threads) t.join();
  auto deadline = std::chrono::steady_clock::now() + seconds(60);
  while (done.load() < 100 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling for the callbacks
  }
  EXPECT_EQ(done.load(), 100);
  EXPECT_EQ(data.load(), 100);
  EXPECT_EQ(fault_->QueryCount(name), 1);
  // And the next ask is a cache hit, not a wire query.
  EXPECT_TRUE(Ask(cache, name, RecordType::kTxt).from_cache);
  EXPECT_EQ(fault_->QueryCount(name), 1);
}

TEST_F(FaultResolverTest, ResolveSkipsALateAnswerToAnEarlierQuestion) {
  // One try of 400 ms. The first question's answer comes at ~500 ms, after it gave up, on the
  // socket the second question (sent at ~400 ms, answered at ~700 ms) is then waiting on. Taken
  // for the second answer, it would be an A record where a TXT record was asked.
  auto resolver = MakeAres(fault_->address(), /*timeout_ms=*/400, /*attempts=*/1);
  ASSERT_NE(resolver, nullptr);
  Answer late = resolver->Resolve("delay-500-late.fault.test", RecordType::kA);
  EXPECT_EQ(late.outcome, Outcome::kTimeout) << late.error;
  Answer second = resolver->Resolve("delay-300-second.fault.test", RecordType::kTxt);
  ASSERT_EQ(second.outcome, Outcome::kData) << ToString(second.outcome) << " " << second.error;
  EXPECT_EQ(second.name, "delay-300-second.fault.test");
  EXPECT_EQ(second.records, std::vector<std::string>{"fault test"});
  EXPECT_EQ(fault_->QueryCount("delay-500-late.fault.test"), 1);
}

TEST_F(FaultResolverTest, ConcurrentIdenticalResolvesMakeOneWireQuery) {
  // The cache's Resolve exchanges on the first asker's thread; the other 99 join that exchange.
  CachingResolver cache(std::shared_ptr<Resolver>(MakeAres(fault_->address(), 10000, 2)));
  const std::string name = "delay-300-resolve.fault.test";
  std::atomic<int> data{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 100; ++i) {
    threads.emplace_back([&] { data += cache.Resolve(name, RecordType::kTxt).ok(); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(data.load(), 100);
  EXPECT_EQ(fault_->QueryCount(name), 1);
  ResolverStats stats = cache.stats();
  EXPECT_EQ(stats.upstream_queries, 1u);
  EXPECT_EQ(stats.deduplicated + stats.cache_hits, 99u);
  EXPECT_TRUE(cache.Resolve(name, RecordType::kTxt).from_cache);
  EXPECT_EQ(fault_->QueryCount(name), 1);
}

TEST_F(FaultResolverTest, ShutdownCancelsPendingQuestions) {
  // A long timeout and a narrow in-flight bound: some questions are on the wire, some queued.
  auto slow = MakeAres(fault_->address(), /*timeout_ms=*/20000, /*attempts=*/3,
                       /*max_in_flight=*/3);
  ASSERT_NE(slow, nullptr);
  std::vector<std::future<Answer>> futures;
  for (int i = 0; i < 10; ++i) {
    futures.push_back(
        slow->QueryAsync("timeout-" + std::to_string(i) + ".fault.test", RecordType::kA));
  }
  // Wait until the first questions reached the server, then shut down.
  auto deadline = std::chrono::steady_clock::now() + seconds(30);
  while (fault_->QueryCount() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling the server's counter
  }
  EXPECT_GE(fault_->QueryCount(), 3);
  slow.reset();
  for (auto& f : futures) {
    ASSERT_EQ(f.wait_for(seconds(0)), std::future_status::ready);
    Answer a = f.get();
    EXPECT_EQ(a.outcome, Outcome::kCancelled);
    EXPECT_FALSE(a.error.empty());
  }
}

// A bound loopback UDP socket that never answers (and no TCP listener); closed when it dies.
class DeadServer {
 public:
  DeadServer() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (fd_ < 0) return;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      address_ = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
    }
  }
  ~DeadServer() {
    if (fd_ >= 0) ::close(fd_);
  }
  DeadServer(const DeadServer&) = delete;
  DeadServer& operator=(const DeadServer&) = delete;
  // "127.0.0.1:PORT", or "" if the socket could not be set up.
  const std::string& address() const { return address_; }

 private:
  int fd_ = -1;
  std::string address_;
};

TEST(AresResolverTest, DeadServerGivesABoundedTimeout) {
  DeadServer dead;
  ASSERT_FALSE(dead.address().empty());
  auto resolver = MakeAres(dead.address(), 200, 2);
  ASSERT_NE(resolver, nullptr);
  for (Path path : kAllPaths) {
    auto start = std::chrono::steady_clock::now();
    Answer a = Ask(*resolver, "www.dead.test", RecordType::kA, path);
    EXPECT_EQ(a.outcome, Outcome::kTimeout);
    EXPECT_NE(a.error.find("no answer"), std::string::npos) << a.error;
    EXPECT_NE(a.error.find("after 2 tries"), std::string::npos) << a.error;
    // 200 ms, then 400 ms: the waits double on the second round. An upper bound is a timing
    // assertion; the lower one only says both tries were waited for.
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(550));
  }
}

TEST(AresResolverTest, ABatchToADeadServerWaitsOnceNotOncePerWindow) {
  // More questions than a socket keeps on the wire (32), to a server that never answers. Once
  // the first ones time out unanswered, the rest go out at once: the batch waits about two
  // timeouts, where sending window after window would wait seven (2.1 s).
  DeadServer dead;
  ASSERT_FALSE(dead.address().empty());
  auto resolver = MakeAres(dead.address(), 300, 1);
  ASSERT_NE(resolver, nullptr);
  std::vector<std::string> names;
  for (int i = 0; i < 200; ++i) names.push_back("q" + std::to_string(i) + ".dead.test");
  std::vector<Question> questions;
  for (const std::string& name : names) questions.push_back({name, RecordType::kA});
  const auto start = std::chrono::steady_clock::now();
  std::vector<Answer> answers = resolver->ResolveAll(questions);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(answers.size(), names.size());
  for (const Answer& a : answers) EXPECT_EQ(a.outcome, Outcome::kTimeout) << a.name;
  EXPECT_LT(took, std::chrono::milliseconds(1500));
}

TEST(AresResolverTest, NothingListeningIsANetworkError) {
  int port = mdo::testing::FreePort();
  auto resolver = MakeAres("127.0.0.1:" + std::to_string(port), 200, 2);
  ASSERT_NE(resolver, nullptr);
  for (Path path : kAllPaths) {
    Answer a = Ask(*resolver, "www.nowhere.test", RecordType::kA, path);
    EXPECT_EQ(a.outcome, Outcome::kNetworkError) << ToString(a.outcome) << " " << a.error;
    EXPECT_NE(a.error.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << a.error;
  }
}

TEST(AresResolverTest, RejectsBadOptions) {
  AresResolver::Options options;
  options.servers = {*ParseServerAddress("127.0.0.1")};
  options.timeout_ms = 0;
  EXPECT_FALSE(AresResolver::Create(options).ok());
  options.timeout_ms = 100;
  options.attempts = 0;
  EXPECT_FALSE(AresResolver::Create(options).ok());
}

TEST(AresResolverTest, TalksToIpv6Servers) {
  KnotServer::Options options;
  options.listen_ipv6 = true;
  auto knot = KnotServer::Start(mdo::testing::ZonesFromDirectory(ZoneDir()), options);
  ASSERT_TRUE(knot.ok()) << knot.error().message;
  auto resolver = MakeAres((*knot)->address6());
  ASSERT_NE(resolver, nullptr);
  EXPECT_EQ(resolver->servers_text(), (*knot)->address6());
  for (Path path : kAllPaths) {
    Answer a = Ask(*resolver, "www.dns.test", RecordType::kAaaa, path);
    EXPECT_EQ(a.records, std::vector<std::string>{"2001:db8::10"}) << a.error;
    Answer refused = Ask(*resolver, "example.org", RecordType::kA, path);
    EXPECT_EQ(refused.outcome, Outcome::kRefused);
    EXPECT_NE(refused.error.find("[::1]:"), std::string::npos) << refused.error;
  }
}

TEST(MakeResolverTest, BuildsTheCachedStackAndReportsBadServers) {
  ResolverOptions bad;
  bad.servers = {"127.0.0.1:53", "dns.example:53"};
  auto failed = MakeResolver(bad);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("dns.example:53"), std::string::npos);

  auto knot = KnotServer::Start(mdo::testing::ZonesFromDirectory(ZoneDir()));
  ASSERT_TRUE(knot.ok()) << knot.error().message;
  ResolverOptions options;
  options.servers = {(*knot)->address()};
  auto resolver = MakeResolver(options);
  ASSERT_TRUE(resolver.ok()) << resolver.error().message;
  EXPECT_TRUE(Ask(**resolver, "www.dns.test", RecordType::kA).ok());
  Answer again = Ask(**resolver, "www.dns.test", RecordType::kA);
  EXPECT_TRUE(again.from_cache);
  ResolverStats stats = (*resolver)->stats();
  EXPECT_EQ(stats.upstream_queries, 1u);
  EXPECT_EQ(stats.cache_hits, 1u);
}

}  // namespace
}  // namespace mdo::dns
