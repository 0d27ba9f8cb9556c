// The DESIGN "dmarc" block of the JSON report.
#pragma once

#include <nlohmann/json.hpp>

#include "checks/dmarc/dmarc_check.h"

namespace mdo::checks::dmarc {

// {"status","record","source","policy","subdomainPolicy","findings"} plus "discovery":
// {"organizationalDomain","rfc7489","rfc9989","foundBy"} (sources null when nothing was found).
nlohmann::json ToJson(const DmarcCheckResult& result);

}  // namespace mdo::checks::dmarc
