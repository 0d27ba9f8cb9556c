#include "checks/questions.h"

#include <atomic>

namespace mdo::checks {

dns::Answer Ask(dns::Resolver& resolver, std::string_view name, dns::RecordType type) {
  // Shared by the asker and the callback, freed by whichever finishes last: the callback may
  // still be inside notify_one() when the asker wakes up and returns. The waiter sleeps on the
  // flag itself, with no mutex to fight the answering thread for when it wakes.
  struct State {
    std::atomic<int> done{0};
    std::atomic<int> refs{2};
    dns::Answer answer;
  };
  auto release = [](State* s) {
    if (s->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete s;
  };
  auto* state = new State;
  resolver.Query(name, type, [state, release](const dns::Answer& a) {
    state->answer = a;
    state->done.store(1, std::memory_order_release);
    state->done.notify_one();
    release(state);
  });
  state->done.wait(0, std::memory_order_acquire);
  dns::Answer out = std::move(state->answer);
  release(state);
  return out;
}

QuestionBatch::~QuestionBatch() {
  std::unique_lock lock(mu_);
  draining_ = true;
  cv_.wait(lock, [&] { return outstanding_ == 0; });
}

std::size_t QuestionBatch::Add(std::string_view name, dns::RecordType type) {
  Slot* slot;
  {
    std::lock_guard lock(mu_);
    slot = &slots_.emplace_back();
    ++outstanding_;
  }
  // Outside the lock: a cache hit runs the callback right here.
  resolver_.Query(name, type, [this, slot](const dns::Answer& a) {
    bool wake;
    {
      std::lock_guard lock(mu_);
      slot->answer = a;
      slot->done = true;
      wake = awaited_ == slot;
    }
    // Outside the lock, so the owner does not wake up only to wait for it; the batch cannot die
    // before outstanding_ drops below.
    if (wake) cv_.notify_one();
    std::lock_guard lock(mu_);
    if (--outstanding_ == 0 && draining_) cv_.notify_one();
  });
  return size_++;
}

const dns::Answer& QuestionBatch::Get(std::size_t index) {
  std::unique_lock lock(mu_);
  Slot& slot = slots_[index];
  if (!slot.done) {
    awaited_ = &slot;
    cv_.wait(lock, [&] { return slot.done; });
    awaited_ = nullptr;
  }
  return slot.answer;
}

}  // namespace mdo::checks
