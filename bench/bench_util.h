// Small helpers shared by the benchmark programs: flags, query files, process figures.
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dns/resolver.h"

namespace mdo::bench {

// "--name value" pairs; a flag given without value reads as "1".
class Flags {
 public:
  Flags(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
      std::string_view arg = argv[i];
      if (!arg.starts_with("--")) continue;
      std::string key(arg.substr(2));
      if (i + 1 < argc && !std::string_view(argv[i + 1]).starts_with("--")) {
        values_[key] = argv[++i];
      } else {
        values_[key] = "1";
      }
    }
  }
  std::string Get(const std::string& key, std::string fallback = "") const {
    auto it = values_.find(key);
    return it == values_.end() ? fallback : it->second;
  }
  long GetInt(const std::string& key, long fallback) const {
    auto it = values_.find(key);
    return it == values_.end() ? fallback : std::strtol(it->second.c_str(), nullptr, 10);
  }

 private:
  std::map<std::string, std::string> values_;
};

[[noreturn]] inline void Die(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  std::exit(2);
}

inline std::optional<dns::RecordType> ParseType(std::string_view text) {
  static const std::pair<std::string_view, dns::RecordType> kTypes[] = {
      {"A", dns::RecordType::kA},     {"AAAA", dns::RecordType::kAaaa},
      {"TXT", dns::RecordType::kTxt}, {"MX", dns::RecordType::kMx},
      {"PTR", dns::RecordType::kPtr}, {"NS", dns::RecordType::kNs},
      {"SOA", dns::RecordType::kSoa}, {"CNAME", dns::RecordType::kCname},
  };
  for (const auto& [name, type] : kTypes) {
    if (name == text) return type;
  }
  return std::nullopt;
}

struct Question {
  std::string name;
  dns::RecordType type;
};

// dnsperf's input format: "name TYPE" per line.
inline std::vector<Question> ReadQueryFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) Die("cannot read " + path);
  std::vector<Question> questions;
  std::string name, type;
  while (in >> name >> type) {
    auto parsed = ParseType(type);
    if (!parsed) Die("unknown type " + type + " in " + path);
    questions.push_back({name, *parsed});
  }
  if (questions.empty()) Die("no questions in " + path);
  return questions;
}

// User plus system CPU seconds of this process so far.
inline double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

inline double PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

inline double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace mdo::bench
