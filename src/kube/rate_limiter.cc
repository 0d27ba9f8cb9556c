#include "kube/rate_limiter.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace mdo::kube {

namespace {
Clock::Duration Seconds(double s) {
  return std::chrono::duration_cast<Clock::Duration>(std::chrono::duration<double>(s));
}
}  // namespace

TokenBucket::TokenBucket(double per_second, double burst, Clock::TimePoint now)
    : per_second_(per_second), burst_(burst), tokens_(burst), last_(now) {
  assert(per_second > 0 && burst >= 1);
}

void TokenBucket::Refill(Clock::TimePoint now) {
  if (now <= last_) return;
  double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed * per_second_);
  last_ = now;
}

bool TokenBucket::TryTake(Clock::TimePoint now) {
  Refill(now);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

Clock::Duration TokenBucket::Reserve(Clock::TimePoint now) {
  Refill(now);
  tokens_ -= 1.0;
  if (tokens_ >= 0) return Clock::Duration::zero();
  return Seconds(-tokens_ / per_second_);
}

double TokenBucket::tokens(Clock::TimePoint now) {
  Refill(now);
  return tokens_;
}

ItemExponentialRateLimiter::ItemExponentialRateLimiter(Clock::Duration base,
                                                       Clock::Duration max_delay)
    : base_(base), max_(max_delay) {}

Clock::Duration ItemExponentialRateLimiter::When(const std::string& item) {
  std::lock_guard lock(mutex_);
  int exp = failures_[item]++;
  // 2^exp overflows quickly; past 62 doublings every base is over any cap.
  if (exp > 62) return max_;
  double delay = std::chrono::duration<double>(base_).count() * std::ldexp(1.0, exp);
  if (delay >= std::chrono::duration<double>(max_).count()) return max_;
  return Seconds(delay);
}

void ItemExponentialRateLimiter::Forget(const std::string& item) {
  std::lock_guard lock(mutex_);
  failures_.erase(item);
}

int ItemExponentialRateLimiter::NumRequeues(const std::string& item) {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(item);
  return it == failures_.end() ? 0 : it->second;
}

BucketRateLimiter::BucketRateLimiter(double qps, int burst, Clock& clock)
    : clock_(clock), bucket_(qps, burst, clock.Now()) {}

Clock::Duration BucketRateLimiter::When(const std::string&) {
  std::lock_guard lock(mutex_);
  return bucket_.Reserve(clock_.Now());
}

MaxOfRateLimiter::MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters)
    : limiters_(std::move(limiters)) {}

Clock::Duration MaxOfRateLimiter::When(const std::string& item) {
  Clock::Duration longest = Clock::Duration::zero();
  for (auto& l : limiters_) longest = std::max(longest, l->When(item));
  return longest;
}

void MaxOfRateLimiter::Forget(const std::string& item) {
  for (auto& l : limiters_) l->Forget(item);
}

int MaxOfRateLimiter::NumRequeues(const std::string& item) {
  int most = 0;
  for (auto& l : limiters_) most = std::max(most, l->NumRequeues(item));
  return most;
}

std::unique_ptr<RateLimiter> DefaultControllerRateLimiter(Clock& clock) {
  std::vector<std::unique_ptr<RateLimiter>> parts;
  parts.push_back(std::make_unique<ItemExponentialRateLimiter>(std::chrono::milliseconds(5),
                                                               std::chrono::seconds(1000)));
  parts.push_back(std::make_unique<BucketRateLimiter>(10.0, 100, clock));
  return std::make_unique<MaxOfRateLimiter>(std::move(parts));
}

Backoff::Backoff(Options options, Clock& clock, uint64_t seed)
    : options_(options), clock_(clock), rng_(seed), step_(options.initial) {}

Clock::Duration Backoff::Next() {
  auto now = clock_.Now();
  if (!any_failure_ || now - last_failure_ > options_.reset_after) step_ = options_.initial;
  any_failure_ = true;
  last_failure_ = now;
  Clock::Duration base = step_;
  step_ =
      std::min(options_.max, std::chrono::duration_cast<Clock::Duration>(step_ * options_.factor));
  double extra = std::uniform_real_distribution<double>(0.0, options_.jitter)(rng_);
  return std::min(options_.max, base + std::chrono::duration_cast<Clock::Duration>(base * extra));
}

void Backoff::Reset() {
  any_failure_ = false;
  step_ = options_.initial;
}

}  // namespace mdo::kube
