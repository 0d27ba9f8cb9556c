#include "checks/dkim/dkim_json.h"

namespace mdo::checks::dkim {

namespace {

// Local until a shared checks JSON helper exists.
nlohmann::json FindingsToJson(const std::vector<checks::Finding>& findings) {
  nlohmann::json out = nlohmann::json::array();
  for (const checks::Finding& f : findings) {
    out.push_back({{"code", f.code},
                   {"severity", std::string(checks::ToString(f.severity))},
                   {"message", f.message}});
  }
  return out;
}

}  // namespace

nlohmann::json ToJson(const DkimCheckResult& result) {
  nlohmann::json selectors = nlohmann::json::array();
  for (const DkimSelectorResult& s : result.selectors) {
    nlohmann::json j = {
        {"selector", s.selector}, {"status", std::string(checks::ToString(s.status))},
        {"keyType", s.key_type},  {"keyBits", s.key_bits},
        {"name", s.name},         {"findings", FindingsToJson(s.findings)}};
    if (!s.cname_chain.empty()) j["cnameChain"] = s.cname_chain;
    selectors.push_back(std::move(j));
  }
  return {{"status", std::string(checks::ToString(result.status))},
          {"selectors", std::move(selectors)},
          {"findings", FindingsToJson(result.findings)}};
}

}  // namespace mdo::checks::dkim
