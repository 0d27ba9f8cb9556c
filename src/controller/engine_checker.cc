#include "controller/engine_checker.h"

#include "api/maildomain.h"
#include "report/report_json.h"

namespace mdo::controller {

Result<nlohmann::json> EngineChecker::Check(const nlohmann::json& spec, bool fresh_dns) {
  auto parsed = api::ParseMailDomainSpec(spec, "spec");
  if (!parsed.ok()) return Fail(parsed.error().message);
  // The whole cache goes: finding just this domain's names would take a second index, and an
  // explicit recheck is rare. Other domains refill it on their next check.
  if (fresh_dns && clear_cache_) clear_cache_();
  return report::ToJson(report::RunChecks(resolver_, *parsed, options_));
}

}  // namespace mdo::controller
