// JSON block of the blacklist check:
// {"status","queries","listings":[{"target","zone","codes","meaning","reason"}],"findings"}.
#pragma once

#include <nlohmann/json.hpp>

#include "checks/blacklists/blacklist_check.h"

namespace mdo::checks::blacklists {

nlohmann::json ToJson(const BlacklistCheckResult& result);

}  // namespace mdo::checks::blacklists
