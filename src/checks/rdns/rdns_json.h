// JSON block of the reverse DNS check:
// {"status","addresses":[{"ip","ptr":[...],"forwardConfirmed"}],"findings"}.
#pragma once

#include <nlohmann/json.hpp>

#include "checks/rdns/rdns_check.h"

namespace mdo::checks::rdns {

nlohmann::json ToJson(const RdnsCheckResult& result);

}  // namespace mdo::checks::rdns
