// JSON form of a finding, shared by every check's renderer and the report:
// {"code": "...", "severity": "fail|warn|info|error", "message": "..."} (DESIGN section 3).
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "checks/finding.h"

namespace mdo::checks {

nlohmann::json ToJson(const Finding& finding);
nlohmann::json ToJson(const std::vector<Finding>& findings);

}  // namespace mdo::checks
