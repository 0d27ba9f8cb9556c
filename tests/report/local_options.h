// Report options for tests over local data: the DNSBL zones bl.test and dbl.test, the caller's
// probe cache, and a fixed clock (reports compare equal from run to run).
#pragma once

#include <chrono>

#include "report/domain_report.h"

namespace mdo::report {

inline ReportOptions LocalOptions(checks::blacklists::ProbeCache& cache) {
  ReportOptions o;
  o.default_ip_zones = {"bl.test"};
  o.default_domain_zones = {"dbl.test"};
  o.probe_cache = &cache;
  o.now = [] { return std::chrono::system_clock::time_point(std::chrono::seconds(1795773600)); };
  return o;
}

}  // namespace mdo::report
