// The JSON report of DESIGN section 3: {"domain","checkedAt","status","checks":{...}}.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "report/domain_report.h"

namespace mdo::report {

nlohmann::json ToJson(const DomainReport& report);

// JSON text safe for any input: DNS data can hold invalid UTF-8, which is replaced, not thrown.
std::string DumpJson(const nlohmann::json& j, int indent = 2);

}  // namespace mdo::report
