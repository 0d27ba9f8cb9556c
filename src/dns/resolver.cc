#include "dns/resolver.h"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace mdo::dns {

std::string_view ToString(RecordType type) {
  switch (type) {
    case RecordType::kA:
      return "A";
    case RecordType::kNs:
      return "NS";
    case RecordType::kCname:
      return "CNAME";
    case RecordType::kSoa:
      return "SOA";
    case RecordType::kPtr:
      return "PTR";
    case RecordType::kMx:
      return "MX";
    case RecordType::kTxt:
      return "TXT";
    case RecordType::kAaaa:
      return "AAAA";
  }
  return "UNKNOWN";
}

std::string_view ToString(Outcome outcome) {
  switch (outcome) {
    case Outcome::kData:
      return "data";
    case Outcome::kNoData:
      return "nodata";
    case Outcome::kNxDomain:
      return "nxdomain";
    case Outcome::kServFail:
      return "servfail";
    case Outcome::kRefused:
      return "refused";
    case Outcome::kTimeout:
      return "timeout";
    case Outcome::kMalformed:
      return "malformed";
    case Outcome::kNetworkError:
      return "network_error";
    case Outcome::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

const std::string& Answer::canonical_name() const {
  return cname_chain.empty() ? name : cname_chain.back();
}

std::future<Answer> Resolver::QueryAsync(std::string_view name, RecordType type) {
  auto promise = std::make_shared<std::promise<Answer>>();
  std::future<Answer> future = promise->get_future();
  Query(name, type, [promise](const Answer& answer) { promise->set_value(answer); });
  return future;
}

Answer Resolver::Resolve(std::string_view name, RecordType type) {
  // Shared by the asker and the callback, freed by whichever finishes last: the callback may
  // still be inside notify_one() when the asker wakes up and returns. The waiter sleeps on the
  // flag itself, with no mutex to fight the answering thread for when it wakes.
  struct State {
    std::atomic<int> done{0};
    std::atomic<int> refs{2};
    Answer answer;
  };
  auto release = [](State* s) {
    if (s->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete s;
  };
  auto* state = new State;
  Query(name, type, [state, release](const Answer& a) {
    state->answer = a;
    state->done.store(1, std::memory_order_release);
    state->done.notify_one();
    release(state);
  });
  state->done.wait(0, std::memory_order_acquire);
  Answer out = std::move(state->answer);
  release(state);
  return out;
}

std::vector<Answer> Resolver::ResolveAll(std::span<const Question> questions) {
  std::vector<Answer> answers(questions.size());
  if (questions.empty()) return answers;
  // Shared with the callbacks: the last one may still be notifying when the asker wakes up.
  struct Latch {
    std::mutex mu;
    std::condition_variable cv;
    std::size_t left = 0;
  };
  auto latch = std::make_shared<Latch>();
  latch->left = questions.size();
  for (std::size_t i = 0; i < questions.size(); ++i) {
    // Each callback writes its own slot before it counts down, so once the count is zero no
    // callback touches `answers` again.
    Query(questions[i].name, questions[i].type, [&answers, i, latch](const Answer& a) {
      answers[i] = a;
      std::lock_guard lock(latch->mu);
      if (--latch->left == 0) latch->cv.notify_one();
    });
  }
  std::unique_lock lock(latch->mu);
  latch->cv.wait(lock, [&] { return latch->left == 0; });
  return answers;
}

namespace {
thread_local WhileWaiting* installed_work = nullptr;
}  // namespace

WhileWaiting::WhileWaiting(std::function<bool()> work)
    : work_(std::move(work)), previous_(installed_work) {
  installed_work = this;
}

WhileWaiting::~WhileWaiting() { installed_work = previous_; }

bool WhileWaiting::Run() {
  WhileWaiting* work = installed_work;
  if (work == nullptr) return false;
  installed_work = nullptr;
  const bool did = work->work_();
  installed_work = work;
  return did;
}

}  // namespace mdo::dns
