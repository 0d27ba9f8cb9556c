// JSON block of the MX check: {"status","hosts":[{"host","preference","addresses"}],"findings"}.
#pragma once

#include <nlohmann/json.hpp>

#include "checks/mx/mx_check.h"

namespace mdo::checks::mx {

nlohmann::json ToJson(const MxCheckResult& result);

}  // namespace mdo::checks::mx
