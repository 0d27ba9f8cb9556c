// The Clock seam: every time-dependent decision in src/kube reads time through it, so tests
// can drive leases, backoff, rate limits and event series with a FakeClock.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>

namespace mdo::kube {

class Clock {
 public:
  using Duration = std::chrono::steady_clock::duration;
  using TimePoint = std::chrono::steady_clock::time_point;
  using WallTime = std::chrono::system_clock::time_point;

  virtual ~Clock() = default;
  // Monotonic time: for intervals, deadlines and expiry.
  virtual TimePoint Now() const = 0;
  // Wall-clock time: only for timestamps written to the API (eventTime, renewTime).
  virtual WallTime WallNow() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  WallTime WallNow() const override { return std::chrono::system_clock::now(); }
  // A process-wide instance for callers that take a Clock&.
  static Clock& Instance();
};

// Time that moves only when a test says so. Thread-safe.
class FakeClock final : public Clock {
 public:
  FakeClock();
  TimePoint Now() const override;
  WallTime WallNow() const override;
  void Advance(Duration d);

 private:
  mutable std::mutex mutex_;
  TimePoint now_;
  WallTime wall_now_;
};

// RFC 3339 with microseconds, as metav1.MicroTime: 2006-01-02T15:04:05.000000Z.
std::string FormatMicroTime(Clock::WallTime t);
// RFC 3339 at second precision, as metav1.Time.
std::string FormatTime(Clock::WallTime t);
// Parses RFC 3339 ("Z" or a numeric offset, optional fraction). False when malformed.
bool ParseRfc3339(std::string_view text, Clock::WallTime* out);

}  // namespace mdo::kube
