#include "kube/clock.h"

#include <cstdio>
#include <ctime>

namespace mdo::kube {

Clock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

// Starts at a fixed, recognisable wall time so test output is reproducible.
FakeClock::FakeClock()
    : now_(std::chrono::hours(1000)),
      wall_now_(std::chrono::sys_days(std::chrono::year(2026) / 11 / 27)) {}

Clock::TimePoint FakeClock::Now() const {
  std::lock_guard lock(mutex_);
  return now_;
}

Clock::WallTime FakeClock::WallNow() const {
  std::lock_guard lock(mutex_);
  return wall_now_;
}

void FakeClock::Advance(Duration d) {
  std::lock_guard lock(mutex_);
  now_ += d;
  wall_now_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
}

namespace {

std::string FormatWith(Clock::WallTime t, bool micros) {
  auto secs = std::chrono::floor<std::chrono::seconds>(t);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(t - secs).count();
  std::time_t tt = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  if (micros) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<long long>(us));
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  }
  return buf;
}

bool ReadDigits(std::string_view s, size_t& pos, size_t count, int* out) {
  if (pos + count > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += count;
  *out = v;
  return true;
}

bool Expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || (s[pos] != c && !(c == 'T' && s[pos] == 't'))) return false;
  ++pos;
  return true;
}

}  // namespace

std::string FormatMicroTime(Clock::WallTime t) { return FormatWith(t, true); }
std::string FormatTime(Clock::WallTime t) { return FormatWith(t, false); }

bool ParseRfc3339(std::string_view s, Clock::WallTime* out) {
  size_t pos = 0;
  int year, month, day, hour, minute, second;
  if (!ReadDigits(s, pos, 4, &year) || !Expect(s, pos, '-') || !ReadDigits(s, pos, 2, &month) ||
      !Expect(s, pos, '-') || !ReadDigits(s, pos, 2, &day) || !Expect(s, pos, 'T') ||
      !ReadDigits(s, pos, 2, &hour) || !Expect(s, pos, ':') || !ReadDigits(s, pos, 2, &minute) ||
      !Expect(s, pos, ':') || !ReadDigits(s, pos, 2, &second)) {
    return false;
  }
  long long micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 6) micros = micros * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return false;
    for (int i = digits; i < 6; ++i) micros *= 10;
  }
  int offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int oh, om;
    if (!ReadDigits(s, pos, 2, &oh) || !Expect(s, pos, ':') || !ReadDigits(s, pos, 2, &om)) {
      return false;
    }
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return false;
  }
  if (pos != s.size()) return false;
  std::chrono::year_month_day ymd{std::chrono::year(year), std::chrono::month(month),
                                  std::chrono::day(day)};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) return false;
  *out = std::chrono::sys_days(ymd) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second) + std::chrono::microseconds(micros) -
         std::chrono::minutes(offset_minutes);
  return true;
}

}  // namespace mdo::kube
