#include "runtime/metrics.h"

#include <cassert>
#include <cmath>
#include <cstdio>

namespace mdo::runtime {

namespace {

void AppendEscapedLabelValue(std::string& out, const std::string& v) {
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
}

// `{k="v",...}`, or "" for no labels: the series key and its text on the page.
std::string LabelKey(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (const auto& [k, v] : labels) {
    if (out.size() > 1) out += ',';
    out += k;
    out += "=\"";
    AppendEscapedLabelValue(out, v);
    out += '"';
  }
  out += '}';
  return out;
}

// Whether a rendered label set holds the pair: escaping leaves no bare quote inside a value, so
// a match that starts after '{' or ',' and ends before ',' or '}' is a whole pair.
bool HasPair(const std::string& key, const std::string& pair) {
  for (std::size_t pos = key.find(pair); pos != std::string::npos; pos = key.find(pair, pos + 1)) {
    const std::size_t end = pos + pair.size();
    if (pos > 0 && (key[pos - 1] == '{' || key[pos - 1] == ',') && end < key.size() &&
        (key[end] == ',' || key[end] == '}')) {
      return true;
    }
  }
  return false;
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

// A series key with one more label (histogram buckets' `le`).
void AppendLabelsWith(std::string& out, const std::string& key, const char* extra_key,
                      const std::string& extra_value) {
  if (key.empty()) {
    out += '{';
  } else {
    out.append(key, 0, key.size() - 1);
    out += ',';
  }
  out += extra_key;
  out += "=\"";
  out += extra_value;
  out += "\"}";
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
  it->second.values[LabelKey(labels)] += delta;
}

void MetricsRegistry::Set(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  // Counters may be set too: for counts kept elsewhere (the DNS cache's) copied at scrape time.
  assert(it != families_.end() && it->second.type != Type::kHistogram);
  if (it == families_.end()) return;
  it->second.values[LabelKey(labels)] = value;
}

void MetricsRegistry::Observe(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  assert(it != families_.end() && it->second.type == Type::kHistogram);
  if (it == families_.end()) return;
  Family& f = it->second;
  Histogram& h = f.histograms[LabelKey(labels)];
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
  const std::string key = LabelKey(labels);
  it->second.values.erase(key);
  it->second.histograms.erase(key);
}

void MetricsRegistry::RemoveMatching(const std::string& name, const Labels& subset) {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return;
  std::vector<std::string> pairs;
  for (const auto& wanted : subset) pairs.push_back(LabelKey({wanted}).substr(1));
  for (auto& p : pairs) p.pop_back();  // `k="v"` without the braces
  auto matches = [&](const std::string& key) {
    for (const std::string& p : pairs) {
      if (!HasPair(key, p)) return false;
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
  const std::string key = LabelKey(labels);
  if (auto v = it->second.values.find(key); v != it->second.values.end()) return v->second;
  if (auto h = it->second.histograms.find(key); h != it->second.histograms.end()) {
    return h->second.count;
  }
  return 0;
}

std::string MetricsRegistry::Render() const {
  std::string out;
  RenderTo(out);
  return out;
}

void MetricsRegistry::RenderTo(std::string& out) const {
  std::lock_guard lock(mu_);
  // One reservation near the page's size: growing by doubling would briefly hold 1.5x of it.
  std::size_t estimate = 0;
  for (const auto& [name, f] : families_) {
    estimate += 2 * name.size() + f.help.size() + 32;
    for (const auto& [key, v] : f.values) estimate += name.size() + key.size() + 24;
    for (const auto& [key, h] : f.histograms) {
      estimate += (f.buckets.size() + 3) * (name.size() + key.size() + 48);
    }
  }
  out.reserve(out.size() + estimate);
  for (const auto& [name, f] : families_) {
    const char* type = f.type == Type::kCounter ? "counter"
                       : f.type == Type::kGauge ? "gauge"
                                                : "histogram";
    out += "# HELP " + name + ' ' + EscapeHelp(f.help) + '\n';
    out += "# TYPE " + name + ' ' + type + '\n';
    for (const auto& [key, v] : f.values) {
      out += name;
      out += key;
      out += ' ';
      out += FormatValue(v);
      out += '\n';
    }
    for (const auto& [key, h] : f.histograms) {
      double cumulative = 0;
      for (std::size_t i = 0; i < f.buckets.size(); ++i) {
        cumulative += h.counts[i];
        out += name;
        out += "_bucket";
        AppendLabelsWith(out, key, "le", FormatValue(f.buckets[i]));
        out += ' ' + FormatValue(cumulative) + '\n';
      }
      out += name;
      out += "_bucket";
      AppendLabelsWith(out, key, "le", "+Inf");
      out += ' ' + FormatValue(h.count) + '\n';
      out += name + "_sum" + key + ' ' + FormatValue(h.sum) + '\n';
      out += name + "_count" + key + ' ' + FormatValue(h.count) + '\n';
    }
  }
}

}  // namespace mdo::runtime
