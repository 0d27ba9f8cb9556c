#include "checks/questions.h"

namespace mdo::checks {

dns::Answer Ask(dns::Resolver& resolver, std::string_view name, dns::RecordType type) {
  return resolver.Resolve(name, type);
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
