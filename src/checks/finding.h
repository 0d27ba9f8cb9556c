// What every check produces: findings, and a status derived from them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mdo::checks {

enum class Severity { kInfo, kWarn, kFail, kError };

// Ordered from best to worst as DESIGN section 3 ranks them for the top-level status:
// skipped < pass < warn < error < fail.
enum class CheckStatus { kSkipped, kPass, kWarn, kError, kFail };

std::string_view ToString(Severity severity);
std::string_view ToString(CheckStatus status);

struct Finding {
  std::string code;  // a DESIGN finding code, e.g. "SPFTooManyLookups"
  Severity severity = Severity::kInfo;
  std::string message;  // one sentence a person can act on, naming the record, name or IP

  friend bool operator==(const Finding&, const Finding&) = default;
};

// fail if any finding fails, else error if any errs, else warn if any warns, else pass.
CheckStatus StatusFromFindings(const std::vector<Finding>& findings);
CheckStatus Worst(CheckStatus a, CheckStatus b);

// True when some finding carries `code`.
bool HasFinding(const std::vector<Finding>& findings, std::string_view code);

}  // namespace mdo::checks
