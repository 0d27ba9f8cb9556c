// A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text
// exposition format (version 0.0.4). Thread-safe; cheap enough to update on every DNS query.
// Memory: a series is stored under its label set as rendered text (`{k="v",...}`), one string
// per series (~190 bytes for a MailDomain's check series, half of a map of label pairs); the
// page is rendered into one string without intermediate copies.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace mdo::runtime {

using Labels = std::vector<std::pair<std::string, std::string>>;

class MetricsRegistry {
 public:
  enum class Type { kCounter, kGauge, kHistogram };

  // Declares a family; series of undeclared families are rejected by assert.
  void Declare(const std::string& name, Type type, const std::string& help,
               std::vector<double> buckets = {});

  void Add(const std::string& name, const Labels& labels, double delta = 1);  // counters, gauges
  void Set(const std::string& name, const Labels& labels, double value);      // gauges, counters
  void Observe(const std::string& name, const Labels& labels, double value);  // histograms
  // Drops one series. O(log n): prefer it on hot paths.
  void Remove(const std::string& name, const Labels& labels);
  // Drops every series of `name` carrying all of `subset`'s label values (e.g. a deleted
  // MailDomain's namespace and name). Scans every series of the family.
  void RemoveMatching(const std::string& name, const Labels& subset);
  // Drops every series of `name`.
  void Clear(const std::string& name);

  double Value(const std::string& name, const Labels& labels) const;  // for tests
  std::string Render() const;
  // Appends the page to `out` (the HTTP endpoint's body): no second copy of it.
  void RenderTo(std::string& out) const;

 private:
  struct Histogram {
    std::vector<double> counts;  // per bucket (not cumulative)
    double sum = 0;
    double count = 0;
  };
  struct Family {
    Type type = Type::kCounter;
    std::string help;
    std::vector<double> buckets;
    // Keyed by the rendered label set ("" without labels).
    std::map<std::string, double> values;
    std::map<std::string, Histogram> histograms;
  };

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

}  // namespace mdo::runtime
