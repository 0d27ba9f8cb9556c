// JSON rendering of SPF results: the DESIGN "spf" block and the `maildomain-check spf` answer.
#pragma once

#include <nlohmann/json.hpp>

#include "checks/spf/check_host.h"
#include "checks/spf/spf_check.h"

namespace mdo::checks::spf {

// {"status","record","lookups","voidLookups","senders":[{"ip","result",...}],
//  "findings":[{"code","severity","message"}],"tree":{...}}
nlohmann::json ToJson(const SpfCheckResult& result);
// {"result","explanation","mechanism"} plus "detail", "lookups", "voidLookups".
nlohmann::json ToJson(const CheckHostResult& result);
nlohmann::json ToJson(const SpfTreeNode& node);

}  // namespace mdo::checks::spf
