#include "runtime/metrics.h"

#include <cassert>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace mdo::runtime {

namespace {

std::string EscapeLabelValue(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string FormatValue(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<long long>(v));
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string RenderLabels(const Labels& labels, const std::string& extra_key = "",
                         const std::string& extra_value = "") {
  if (labels.empty() && extra_key.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ",";
    first = false;
    out += k + "=\"" + EscapeLabelValue(v) + "\"";
  }
  if (!extra_key.empty()) {
    if (!first) out += ",";
    out += extra_key + "=\"" + extra_value + "\"";
  }
  return out + "}";
}

std::string EscapeHelp(const std::string& help) {
  std::string out;
  for (char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

}  // namespace

void MetricsRegistry::Declare(const std::string& name, Type type, const std::string& help,
                              std::vector<double> buckets) {
  std::lock_guard lock(mu_);
  Family& f = families_[name];
  f.type = type;
  f.help = help;
  f.buckets = std::move(buckets);
}

void MetricsRegistry::Add(const std::string& name, const Labels& labels, double delta) {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  assert(it != families_.end() && it->second.type != Type::kHistogram);
  if (it == families_.end()) return;
  it->second.values[labels] += delta;
}

void MetricsRegistry::Set(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  // Counters may be set too: for counts kept elsewhere (the DNS cache's) copied at scrape time.
  assert(it != families_.end() && it->second.type != Type::kHistogram);
  if (it == families_.end()) return;
  it->second.values[labels] = value;
}

void MetricsRegistry::Observe(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  assert(it != families_.end() && it->second.type == Type::kHistogram);
  if (it == families_.end()) return;
  Family& f = it->second;
  Histogram& h = f.histograms[labels];
  if (h.counts.empty()) h.counts.assign(f.buckets.size(), 0);
  for (std::size_t i = 0; i < f.buckets.size(); ++i) {
    if (value <= f.buckets[i]) {
      h.counts[i] += 1;
      break;
    }
  }
  h.sum += value;
  h.count += 1;
}

void MetricsRegistry::Remove(const std::string& name, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return;
  it->second.values.erase(labels);
  it->second.histograms.erase(labels);
}

void MetricsRegistry::RemoveMatching(const std::string& name, const Labels& subset) {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return;
  auto matches = [&](const Labels& labels) {
    for (const auto& wanted : subset) {
      bool found = false;
      for (const auto& have : labels) found = found || have == wanted;
      if (!found) return false;
    }
    return true;
  };
  std::erase_if(it->second.values, [&](const auto& kv) { return matches(kv.first); });
  std::erase_if(it->second.histograms, [&](const auto& kv) { return matches(kv.first); });
}

void MetricsRegistry::Clear(const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return;
  it->second.values.clear();
  it->second.histograms.clear();
}

double MetricsRegistry::Value(const std::string& name, const Labels& labels) const {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return 0;
  if (auto v = it->second.values.find(labels); v != it->second.values.end()) return v->second;
  if (auto h = it->second.histograms.find(labels); h != it->second.histograms.end()) {
    return h->second.count;
  }
  return 0;
}

std::string MetricsRegistry::Render() const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  for (const auto& [name, f] : families_) {
    const char* type = f.type == Type::kCounter ? "counter"
                       : f.type == Type::kGauge ? "gauge"
                                                : "histogram";
    out << "# HELP " << name << ' ' << EscapeHelp(f.help) << '\n';
    out << "# TYPE " << name << ' ' << type << '\n';
    for (const auto& [labels, v] : f.values) {
      out << name << RenderLabels(labels) << ' ' << FormatValue(v) << '\n';
    }
    for (const auto& [labels, h] : f.histograms) {
      double cumulative = 0;
      for (std::size_t i = 0; i < f.buckets.size(); ++i) {
        cumulative += h.counts[i];
        out << name << "_bucket" << RenderLabels(labels, "le", FormatValue(f.buckets[i])) << ' '
            << FormatValue(cumulative) << '\n';
      }
      out << name << "_bucket" << RenderLabels(labels, "le", "+Inf") << ' ' << FormatValue(h.count)
          << '\n';
      out << name << "_sum" << RenderLabels(labels) << ' ' << FormatValue(h.sum) << '\n';
      out << name << "_count" << RenderLabels(labels) << ' ' << FormatValue(h.count) << '\n';
    }
  }
  return out.str();
}

}  // namespace mdo::runtime
