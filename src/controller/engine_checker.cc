#include "controller/engine_checker.h"

#include "api/maildomain.h"
#include "report/report_json.h"

namespace mdo::controller {

Result<nlohmann::json> EngineChecker::Check(const nlohmann::json& spec) {
  auto parsed = api::ParseMailDomainSpec(spec, "spec");
  if (!parsed.ok()) return Fail(parsed.error().message);
  return report::ToJson(report::RunChecks(resolver_, *parsed, options_));
}

}  // namespace mdo::controller
