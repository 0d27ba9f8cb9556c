// Rate limiters and backoff with client-go's numbers: the work queue's per-item exponential
// limiter (5 ms to 1000 s) under an overall token bucket (10 qps, burst 100), and the
// reflector's jittered backoff (0.8 s to 30 s, reset after 2 min of health).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "kube/clock.h"

namespace mdo::kube {

// A token bucket; not thread-safe (owners lock).
class TokenBucket {
 public:
  TokenBucket(double per_second, double burst, Clock::TimePoint now);
  // Takes a token if one is available now.
  bool TryTake(Clock::TimePoint now);
  // Takes a token, going into debt if needed; returns how long until it is really available.
  Clock::Duration Reserve(Clock::TimePoint now);
  double tokens(Clock::TimePoint now);

 private:
  void Refill(Clock::TimePoint now);
  double per_second_;
  double burst_;
  double tokens_;
  Clock::TimePoint last_;
};

// workqueue.RateLimiter: how long to wait before an item is retried.
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  virtual Clock::Duration When(const std::string& item) = 0;
  virtual void Forget(const std::string& item) = 0;
  virtual int NumRequeues(const std::string& item) = 0;
};

// base * 2^failures, capped at max_delay.
class ItemExponentialRateLimiter final : public RateLimiter {
 public:
  ItemExponentialRateLimiter(Clock::Duration base, Clock::Duration max_delay);
  Clock::Duration When(const std::string& item) override;
  void Forget(const std::string& item) override;
  int NumRequeues(const std::string& item) override;

 private:
  std::mutex mutex_;
  Clock::Duration base_, max_;
  std::map<std::string, int> failures_;
};

// One token bucket shared by every item.
class BucketRateLimiter final : public RateLimiter {
 public:
  BucketRateLimiter(double qps, int burst, Clock& clock);
  Clock::Duration When(const std::string& item) override;
  void Forget(const std::string&) override {}
  int NumRequeues(const std::string&) override { return 0; }

 private:
  std::mutex mutex_;
  Clock& clock_;
  TokenBucket bucket_;
};

// The longest delay of its parts.
class MaxOfRateLimiter final : public RateLimiter {
 public:
  explicit MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters);
  Clock::Duration When(const std::string& item) override;
  void Forget(const std::string& item) override;
  int NumRequeues(const std::string& item) override;

 private:
  std::vector<std::unique_ptr<RateLimiter>> limiters_;
};

// client-go DefaultControllerRateLimiter: max(5 ms * 2^n capped at 1000 s, 10 qps burst 100).
std::unique_ptr<RateLimiter> DefaultControllerRateLimiter(Clock& clock);

// wait.Backoff as the reflector uses it: each step doubles (capped), plus up to `jitter` times
// the step at random (never above max); after `reset_after` without a failure it starts over.
class Backoff {
 public:
  struct Options {
    Clock::Duration initial = std::chrono::milliseconds(800);
    Clock::Duration max = std::chrono::seconds(30);
    double factor = 2.0;
    double jitter = 1.0;
    Clock::Duration reset_after = std::chrono::minutes(2);
  };
  Backoff(Options options, Clock& clock, uint64_t seed = std::random_device{}());
  // The delay before the next attempt, after a failure now.
  Clock::Duration Next();
  void Reset();

 private:
  Options options_;
  Clock& clock_;
  std::mt19937_64 rng_;
  Clock::Duration step_;
  Clock::TimePoint last_failure_{};
  bool any_failure_ = false;
};

}  // namespace mdo::kube
