#include "dns/interleaver.h"

#include <algorithm>
#include <cassert>
#include <deque>
#include <map>
#include <utility>

#include "common/fiber.h"

namespace mdo::dns {
namespace {

thread_local Interleaver* running = nullptr;  // whose fiber runs on this thread

}  // namespace

struct Interleaver::State {
  explicit State(InterleaverOptions o) : options(o) {}

  // A batch held by a stopped fiber.
  struct Held {
    Resolver* next;
    std::span<const Question> questions;
    std::vector<Answer>* answers;
    Fiber* asker;
  };

  InterleaverOptions options;
  std::size_t live = 0;                              // tasks started and not finished
  std::deque<std::unique_ptr<Fiber>> runnable;       // new, or answered: to be resumed
  std::map<Fiber*, std::unique_ptr<Fiber>> waiting;  // stopped with questions held
  std::vector<std::unique_ptr<Fiber>> idle;          // finished fibers, their stacks kept for reuse
  std::vector<Held> held;
  std::size_t held_questions = 0;
  Fiber* current = nullptr;  // the task's fiber that runs now

  // Runs one runnable task until it holds questions or finishes; false if none was runnable.
  // Also the work done while a batch is on the wire.
  bool ResumeOne(Interleaver* self) {
    if (runnable.empty()) return false;
    std::unique_ptr<Fiber> fiber = std::move(runnable.front());
    runnable.pop_front();
    current = fiber.get();
    Interleaver* outer = running;
    running = self;
    const bool ended = fiber->Resume();
    running = outer;
    current = nullptr;
    if (ended) {
      idle.push_back(std::move(fiber));
      --live;
    } else {
      Fiber* key = fiber.get();
      waiting.emplace(key, std::move(fiber));
    }
    return true;
  }

  // Sends the batches held so far, one batch per resolver they asked (batches held meanwhile,
  // by the work done while waiting, wait for the next call); their askers become runnable.
  void Exchange(Interleaver* self) {
    std::vector<Held> batch;
    batch.swap(held);
    held_questions = 0;
    std::vector<bool> sent(batch.size(), false);
    for (std::size_t first = 0; first < batch.size(); ++first) {
      if (sent[first]) continue;
      Resolver* next = batch[first].next;
      std::vector<std::size_t> members;
      std::vector<Question> all;
      for (std::size_t i = first; i < batch.size(); ++i) {
        if (sent[i] || batch[i].next != next) continue;
        sent[i] = true;
        members.push_back(i);
        all.insert(all.end(), batch[i].questions.begin(), batch[i].questions.end());
      }
      std::vector<Answer> answers;
      {
        WhileWaiting work([this, self] { return ResumeOne(self); });
        answers = next->ResolveAll(all);
      }
      auto at = answers.begin();
      for (std::size_t i : members) {
        const auto end = at + static_cast<std::ptrdiff_t>(batch[i].questions.size());
        batch[i].answers->assign(std::make_move_iterator(at), std::make_move_iterator(end));
        at = end;
      }
    }
    for (const Held& h : batch) {
      auto it = waiting.find(h.asker);
      runnable.push_back(std::move(it->second));
      waiting.erase(it);
    }
  }
};

Interleaver::Interleaver(InterleaverOptions options) : state_(std::make_unique<State>(options)) {}

Interleaver::~Interleaver() = default;

Interleaver* Interleaver::Current() { return Fiber::Inside() ? running : nullptr; }

std::vector<Answer> Interleaver::Hold(Resolver& next, std::span<const Question> questions) {
  State& s = *state_;
  assert(Current() == this && s.current != nullptr);
  std::vector<Answer> answers;
  // The questions stay valid: they live on the stopped fiber's stack or heap.
  s.held.push_back({&next, questions, &answers, s.current});
  s.held_questions += questions.size();
  Fiber::Suspend();
  return answers;
}

void Interleaver::Run(const Take& take) {
  State& s = *state_;
  const std::size_t limit = std::max<std::size_t>(s.options.in_flight, 1);
  bool more = true;
  while (true) {
    while (more && s.live < limit) {
      std::function<void()> body;
      if (!take(/*may_wait=*/s.live == 0, body)) {
        more = false;
        break;
      }
      if (!body) break;  // none ready now
      std::unique_ptr<Fiber> fiber;
      if (!s.idle.empty()) {
        fiber = std::move(s.idle.back());
        s.idle.pop_back();
      } else {
        fiber = std::make_unique<Fiber>(s.options.stack_bytes);
      }
      if (!fiber->ok()) {
        body();  // no stack to be had: this one runs alone, here
        continue;
      }
      fiber->Reset(std::move(body));
      s.runnable.push_back(std::move(fiber));
      ++s.live;
    }
    if (s.live == 0) {
      if (!more) return;
      continue;
    }
    // Enough questions for a batch worth sending; the tasks left runnable run while it is on
    // the wire, and their questions make the next batch.
    while (s.held_questions < s.options.min_batch && s.ResumeOne(this)) {
    }
    if (!s.held.empty()) s.Exchange(this);
  }
}

void InterleavingResolver::Query(std::string_view name, RecordType type, Callback done) {
  next_.Query(name, type, std::move(done));
}

Answer InterleavingResolver::Resolve(std::string_view name, RecordType type) {
  const Question question{name, type};
  return std::move(ResolveAll(std::span(&question, 1)).front());
}

std::vector<Answer> InterleavingResolver::ResolveAll(std::span<const Question> questions) {
  if (Interleaver* interleaver = Interleaver::Current()) {
    return interleaver->Hold(next_, questions);
  }
  return next_.ResolveAll(questions);
}

}  // namespace mdo::dns
