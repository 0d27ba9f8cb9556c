#include "checks/dkim/dkim_json.h"

#include "checks/finding_json.h"

namespace mdo::checks::dkim {

nlohmann::json ToJson(const DkimCheckResult& result) {
  nlohmann::json selectors = nlohmann::json::array();
  for (const DkimSelectorResult& s : result.selectors) {
    nlohmann::json j = {
        {"selector", s.selector}, {"status", std::string(checks::ToString(s.status))},
        {"keyType", s.key_type},  {"keyBits", s.key_bits},
        {"name", s.name},         {"findings", checks::ToJson(s.findings)}};
    if (!s.cname_chain.empty()) j["cnameChain"] = s.cname_chain;
    selectors.push_back(std::move(j));
  }
  return {{"status", std::string(checks::ToString(result.status))},
          {"selectors", std::move(selectors)},
          {"findings", checks::ToJson(result.findings)}};
}

}  // namespace mdo::checks::dkim
