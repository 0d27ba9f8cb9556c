#include "checks/finding_json.h"

#include <string>

namespace mdo::checks {

nlohmann::json ToJson(const Finding& finding) {
  return nlohmann::json{{"code", finding.code},
                        {"severity", std::string(ToString(finding.severity))},
                        {"message", finding.message}};
}

nlohmann::json ToJson(const std::vector<Finding>& findings) {
  nlohmann::json out = nlohmann::json::array();
  for (const Finding& f : findings) out.push_back(ToJson(f));
  return out;
}

}  // namespace mdo::checks
