#include "checks/questions.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "dns/memory_resolver.h"

namespace mdo::checks {
namespace {

using dns::Answer;
using dns::Outcome;
using dns::RecordType;

// Holds every question until Release() answers them all from another thread, in reverse order.
class HeldResolver : public dns::Resolver {
 public:
  void Query(std::string_view name, RecordType type, Callback done) override {
    std::lock_guard lock(mu_);
    held_.emplace_back(std::string(name), type, std::move(done));
  }
  std::size_t held() {
    std::lock_guard lock(mu_);
    return held_.size();
  }
  std::thread Release() {
    std::vector<std::tuple<std::string, RecordType, Callback>> held;
    {
      std::lock_guard lock(mu_);
      held.swap(held_);
    }
    return std::thread([held = std::move(held)]() mutable {
      for (auto it = held.rbegin(); it != held.rend(); ++it) {
        Answer a;
        a.name = std::get<0>(*it);
        a.type = std::get<1>(*it);
        a.outcome = Outcome::kData;
        a.records = {"answer for " + a.name};
        std::get<2> (*it)(a);
      }
    });
  }

 private:
  std::mutex mu_;
  std::vector<std::tuple<std::string, RecordType, Callback>> held_;
};

TEST(Questions, AskReturnsASynchronousAnswer) {
  dns::MemoryResolver r;
  r.Add("example.com", RecordType::kTxt, "v=spf1 -all");
  Answer a = Ask(r, "example.com", RecordType::kTxt);
  ASSERT_EQ(a.outcome, Outcome::kData);
  EXPECT_EQ(a.records, std::vector<std::string>{"v=spf1 -all"});
  EXPECT_EQ(Ask(r, "missing.example", RecordType::kA).outcome, Outcome::kNxDomain);
}

TEST(Questions, AskWaitsForAnAnswerFromAnotherThread) {
  HeldResolver r;
  std::thread answering;
  std::thread asking([&] {
    Answer a = Ask(r, "late.example", RecordType::kA);
    EXPECT_EQ(a.records, std::vector<std::string>{"answer for late.example"});
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (r.held() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(r.held(), 1u);
  answering = r.Release();
  asking.join();
  answering.join();
}

// Answers from memory, and records the batches ResolveAll receives.
class BatchRecordingResolver : public dns::MemoryResolver {
 public:
  std::vector<Answer> ResolveAll(std::span<const dns::Question> questions) override {
    std::vector<std::string> batch;
    for (const dns::Question& q : questions) batch.push_back(std::string(q.name));
    batches.push_back(std::move(batch));
    return MemoryResolver::ResolveAll(questions);
  }
  std::vector<std::vector<std::string>> batches;
};

TEST(Questions, BatchSendsItsQuestionsTogetherAtTheFirstGet) {
  BatchRecordingResolver r;
  r.Add("a.example", RecordType::kA, "192.0.2.1");
  r.Add("c.example", RecordType::kTxt, "c");
  QuestionBatch batch(r);
  EXPECT_EQ(batch.Add("a.example", RecordType::kA), 0u);
  EXPECT_EQ(batch.Add("b.example", RecordType::kA), 1u);
  EXPECT_EQ(batch.Add("c.example", RecordType::kTxt), 2u);
  EXPECT_TRUE(r.batches.empty());  // nothing asked before an answer is needed
  EXPECT_EQ(batch.Get(2).records, std::vector<std::string>{"c"});
  EXPECT_EQ(r.batches,
            (std::vector<std::vector<std::string>>{{"a.example", "b.example", "c.example"}}));
  EXPECT_EQ(batch.Get(0).records, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(batch.Get(1).outcome, Outcome::kNxDomain);
  EXPECT_EQ(r.batches.size(), 1u);  // already answered: no new batch

  // Added after a Get: asked together at the next Get that needs one of them.
  const Answer& first = batch.Get(0);
  EXPECT_EQ(batch.Add("d.example", RecordType::kA), 3u);
  EXPECT_EQ(batch.Add("a.example", RecordType::kA), 4u);
  EXPECT_EQ(batch.Get(4).records, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(r.batches.size(), 2u);
  EXPECT_EQ(r.batches[1], (std::vector<std::string>{"d.example", "a.example"}));
  EXPECT_EQ(batch.Get(3).outcome, Outcome::kNxDomain);
  EXPECT_EQ(&first, &batch.Get(0));  // earlier answers stay where they were
  EXPECT_EQ(batch.size(), 5u);
}

TEST(Questions, BatchWaitsForAnswersFromAnotherThreadAndKeepsOrder) {
  HeldResolver r;  // Query only: the base class's ResolveAll asks each and waits for all
  std::vector<std::string> names;
  std::thread asking([&] {
    QuestionBatch batch(r);
    batch.Add("a.example", RecordType::kA);
    batch.Add("b.example", RecordType::kTxt);
    batch.Add("c.example", RecordType::kMx);
    for (std::size_t i : {2, 0, 1}) names.push_back(batch.Get(i).name);
    EXPECT_EQ(batch.Get(1).type, RecordType::kTxt);
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (r.held() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(r.held(), 3u);              // all three asked before any answer
  std::thread answering = r.Release();  // answers c, b, a
  asking.join();
  answering.join();
  EXPECT_EQ(names, (std::vector<std::string>{"c.example", "a.example", "b.example"}));
}

TEST(Questions, BatchAnswersCacheHitsInline) {
  dns::MemoryResolver r;
  r.Add("a.example", RecordType::kA, "192.0.2.1");
  QuestionBatch batch(r);
  std::size_t a = batch.Add("a.example", RecordType::kA);
  std::size_t b = batch.Add("b.example", RecordType::kA);
  EXPECT_EQ(batch.Get(a).records, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(batch.Get(b).outcome, Outcome::kNxDomain);
}

}  // namespace
}  // namespace mdo::checks
