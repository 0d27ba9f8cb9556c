#include "report/report_json.h"

namespace mdo::report {

nlohmann::json ToJson(const DomainReport& report) {
  nlohmann::json checks = nlohmann::json::object();
  for (CheckKind kind : kAllChecks) {
    auto it = report.checks.find(kind);
    if (it != report.checks.end()) checks[std::string(ToString(kind))] = it->second.json;
  }
  return nlohmann::json{{"domain", report.domain},
                        {"checkedAt", FormatRfc3339(report.checked_at)},
                        {"status", std::string(checks::ToString(report.status))},
                        {"checks", std::move(checks)}};
}

std::string DumpJson(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace mdo::report
