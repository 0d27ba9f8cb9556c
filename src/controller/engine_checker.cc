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
  // DNS data may hold invalid UTF-8, which the status write and events must not carry (the JSON
  // serialiser throws on it): invalid sequences become U+FFFD, as in the CLI's JSON output.
  return nlohmann::json::parse(
      report::DumpJson(report::ToJson(report::RunChecks(resolver_, *parsed, options_)), -1));
}

}  // namespace mdo::controller
