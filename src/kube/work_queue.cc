#include "kube/work_queue.h"

#include <algorithm>

namespace mdo::kube {

WorkQueue::WorkQueue(Clock& clock, std::unique_ptr<RateLimiter> limiter)
    : clock_(clock), limiter_(limiter ? std::move(limiter) : DefaultControllerRateLimiter(clock)) {
  delay_thread_ = std::thread([this] { DelayLoop(); });
}

WorkQueue::~WorkQueue() {
  ShutDown();
  if (delay_thread_.joinable()) delay_thread_.join();
}

void WorkQueue::AddLocked(const std::string& key) {
  if (shutting_down_) return;
  if (!dirty_.insert(key).second) return;  // already queued or already marked for requeue
  if (processing_.count(key)) return;      // Done() queues it
  queue_.push_back(key);
  ready_cv_.notify_one();
}

void WorkQueue::Add(const std::string& key) {
  std::lock_guard lock(mutex_);
  AddLocked(key);
}

void WorkQueue::AddAfter(const std::string& key, Clock::Duration delay) {
  std::lock_guard lock(mutex_);
  if (shutting_down_) return;
  if (delay <= Clock::Duration::zero()) {
    AddLocked(key);
    return;
  }
  auto due = clock_.Now() + delay;
  auto [it, inserted] = waiting_.try_emplace(key, due);
  if (!inserted) {
    // Like client-go: a key already waiting keeps the earlier of its deadlines.
    if (it->second <= due) return;
    due_.erase({it->second, key});
    it->second = due;
  }
  bool earliest = due_.empty() || due < due_.begin()->first;
  due_.emplace(due, key);
  if (earliest) delay_cv_.notify_one();
}

void WorkQueue::AddRateLimited(const std::string& key) { AddAfter(key, limiter_->When(key)); }

void WorkQueue::Forget(const std::string& key) { limiter_->Forget(key); }

int WorkQueue::NumRequeues(const std::string& key) { return limiter_->NumRequeues(key); }

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock lock(mutex_);
  ready_cv_.wait(lock, [&] { return !queue_.empty() || shutting_down_; });
  return TakeFrontLocked();
}

std::optional<std::string> WorkQueue::TryGet() {
  std::lock_guard lock(mutex_);
  return TakeFrontLocked();
}

std::optional<std::string> WorkQueue::TakeFrontLocked() {
  if (queue_.empty()) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  return key;
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard lock(mutex_);
  processing_.erase(key);
  if (dirty_.count(key)) {
    queue_.push_back(key);
    ready_cv_.notify_one();
  }
  if (processing_.empty()) drained_cv_.notify_all();
}

size_t WorkQueue::Len() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

size_t WorkQueue::DelayedLen() const {
  std::lock_guard lock(mutex_);
  return waiting_.size();
}

bool WorkQueue::ShuttingDown() const {
  std::lock_guard lock(mutex_);
  return shutting_down_;
}

void WorkQueue::ShutDown() {
  std::lock_guard lock(mutex_);
  shutting_down_ = true;
  waiting_.clear();
  due_.clear();
  ready_cv_.notify_all();
  delay_cv_.notify_all();
}

void WorkQueue::ShutDownWithDrain() {
  ShutDown();
  std::unique_lock lock(mutex_);
  drained_cv_.wait(lock, [&] { return processing_.empty(); });
}

void WorkQueue::DelayLoop() {
  // A FakeClock cannot wake us, so with one we re-check often; the system clock needs no polling.
  const bool real_time = &clock_ == &SystemClock::Instance();
  std::unique_lock lock(mutex_);
  while (!shutting_down_) {
    auto now = clock_.Now();
    while (!due_.empty() && due_.begin()->first <= now) {
      std::string key = due_.begin()->second;
      due_.erase(due_.begin());
      waiting_.erase(key);
      AddLocked(key);
    }
    auto next = due_.empty() ? Clock::TimePoint::max() : due_.begin()->first;
    Clock::Duration wait = next == Clock::TimePoint::max() ? std::chrono::hours(1) : next - now;
    if (!real_time) wait = std::min<Clock::Duration>(wait, std::chrono::milliseconds(5));
    delay_cv_.wait_for(lock, wait);
  }
}

}  // namespace mdo::kube
