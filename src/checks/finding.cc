#include "checks/finding.h"

#include <algorithm>

namespace mdo::checks {

std::string_view ToString(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarn:
      return "warn";
    case Severity::kFail:
      return "fail";
    case Severity::kError:
      return "error";
  }
  return "info";
}

std::string_view ToString(CheckStatus status) {
  switch (status) {
    case CheckStatus::kSkipped:
      return "skipped";
    case CheckStatus::kPass:
      return "pass";
    case CheckStatus::kWarn:
      return "warn";
    case CheckStatus::kError:
      return "error";
    case CheckStatus::kFail:
      return "fail";
  }
  return "error";
}

CheckStatus StatusFromFindings(const std::vector<Finding>& findings) {
  CheckStatus status = CheckStatus::kPass;
  for (const Finding& f : findings) {
    switch (f.severity) {
      case Severity::kFail:
        status = Worst(status, CheckStatus::kFail);
        break;
      case Severity::kError:
        status = Worst(status, CheckStatus::kError);
        break;
      case Severity::kWarn:
        status = Worst(status, CheckStatus::kWarn);
        break;
      case Severity::kInfo:
        break;
    }
  }
  return status;
}

CheckStatus Worst(CheckStatus a, CheckStatus b) { return std::max(a, b); }

bool HasFinding(const std::vector<Finding>& findings, std::string_view code) {
  return std::any_of(findings.begin(), findings.end(),
                     [&](const Finding& f) { return f.code == code; });
}

}  // namespace mdo::checks
