// The DESIGN "dkim" block of the JSON report.
#pragma once

#include <nlohmann/json.hpp>

#include "checks/dkim/dkim_check.h"

namespace mdo::checks::dkim {

// {"status","selectors":[{"selector","status","keyType","keyBits","findings",...}],"findings"}
// Selectors also carry "name" and, when the key is delegated, "cnameChain".
nlohmann::json ToJson(const DkimCheckResult& result);

}  // namespace mdo::checks::dkim
