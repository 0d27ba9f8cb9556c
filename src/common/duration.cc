#include "common/duration.h"

#include <cmath>
#include <cstdint>

namespace mdo {

Result<std::chrono::nanoseconds> ParseDuration(std::string_view text) {
  const std::string quoted = "\"" + std::string(text.substr(0, 64)) + "\"";
  if (text.empty()) return Fail("empty duration; use a number with a unit, e.g. 30m or 1h");
  long double total_ns = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t start = i;
    while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
    if (i == start) return Fail("invalid duration " + quoted + ": expected a number");
    const std::string number(text.substr(start, i - start));
    if (number.find('.') != number.rfind('.') || number == ".") {
      return Fail("invalid duration " + quoted + ": bad number \"" + number + "\"");
    }
    const std::size_t unit_start = i;
    while (i < text.size() && !((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    long double scale = 0;
    if (unit == "ns")
      scale = 1;
    else if (unit == "us" || unit == "\xC2\xB5s")
      scale = 1e3;
    else if (unit == "ms")
      scale = 1e6;
    else if (unit == "s")
      scale = 1e9;
    else if (unit == "m")
      scale = 60e9;
    else if (unit == "h")
      scale = 3600e9;
    else if (unit.empty())
      return Fail("invalid duration " + quoted + ": missing unit (ns, us, ms, s, m, h)");
    else
      return Fail("invalid duration " + quoted + ": unknown unit \"" + std::string(unit) + "\"");
    total_ns += std::stold(number) * scale;
    if (total_ns > static_cast<long double>(INT64_MAX)) {
      return Fail("invalid duration " + quoted + ": too long");
    }
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(total_ns)));
}

std::string FormatDuration(std::chrono::nanoseconds d) {
  using std::chrono::duration_cast;
  std::int64_t ns = d.count();
  if (ns == 0) return "0s";
  std::string out;
  if (ns < 0) {
    out = "-";
    ns = -ns;
  }
  if (ns < 1'000'000'000) {
    if (ns % 1'000'000 == 0) return out + std::to_string(ns / 1'000'000) + "ms";
    if (ns % 1'000 == 0) return out + std::to_string(ns / 1'000) + "us";
    return out + std::to_string(ns) + "ns";
  }
  const std::int64_t hours = ns / 3'600'000'000'000;
  ns %= 3'600'000'000'000;
  const std::int64_t minutes = ns / 60'000'000'000;
  ns %= 60'000'000'000;
  if (hours) out += std::to_string(hours) + "h";
  if (minutes) out += std::to_string(minutes) + "m";
  if (ns) {
    if (ns % 1'000'000'000 == 0) {
      out += std::to_string(ns / 1'000'000'000) + "s";
    } else {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1e9);
      std::string s = buf;
      while (s.back() == '0') s.pop_back();
      out += s + "s";
    }
  }
  return out;
}

}  // namespace mdo
