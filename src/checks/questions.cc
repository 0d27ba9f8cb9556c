#include "checks/questions.h"

#include <optional>

namespace mdo::checks {

dns::Answer Ask(dns::Resolver& resolver, std::string_view name, dns::RecordType type) {
  struct Waiter {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<dns::Answer> answer;
  } w;
  resolver.Query(name, type, [&w](const dns::Answer& a) {
    std::lock_guard lock(w.mu);
    w.answer.emplace(a);
    // Under the lock: once it is released the waiter may return and destroy `w`.
    w.cv.notify_one();
  });
  std::unique_lock lock(w.mu);
  w.cv.wait(lock, [&] { return w.answer.has_value(); });
  return std::move(*w.answer);
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
    std::lock_guard lock(mu_);
    slot->answer = a;
    slot->done = true;
    --outstanding_;
    if (awaited_ == slot || (draining_ && outstanding_ == 0)) cv_.notify_one();
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
