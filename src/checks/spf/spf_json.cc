#include "checks/spf/spf_json.h"

#include "checks/finding_json.h"

namespace mdo::checks::spf {

nlohmann::json ToJson(const SpfTreeNode& node) {
  nlohmann::json j = {{"domain", node.domain},
                      {"record", node.record},
                      {"lookups", node.lookups},
                      {"ownLookups", node.own_lookups},
                      {"voidLookups", node.void_lookups}};
  if (!node.via.empty()) {
    j["via"] = node.via;
    j["term"] = node.term;
  }
  if (!node.error.empty()) j["error"] = node.error;
  if (!node.children.empty()) {
    nlohmann::json children = nlohmann::json::array();
    for (const auto& c : node.children) children.push_back(ToJson(c));
    j["children"] = std::move(children);
  }
  return j;
}

nlohmann::json ToJson(const SpfCheckResult& result) {
  nlohmann::json senders = nlohmann::json::array();
  for (const auto& s : result.senders) {
    nlohmann::json j = {{"ip", s.ip.ToString()}, {"result", std::string(ToString(s.result))}};
    if (!s.mechanism.empty()) j["mechanism"] = s.mechanism;
    senders.push_back(std::move(j));
  }
  nlohmann::json j = {{"status", std::string(checks::ToString(result.status))},
                      {"record", result.record},
                      {"lookups", result.lookups},
                      {"voidLookups", result.void_lookups},
                      {"senders", std::move(senders)},
                      {"findings", checks::ToJson(result.findings)}};
  if (result.tree) j["tree"] = ToJson(*result.tree);
  return j;
}

nlohmann::json ToJson(const CheckHostResult& result) {
  nlohmann::json j = {{"result", std::string(ToString(result.result))},
                      {"explanation", result.explanation},
                      {"mechanism", result.mechanism}};
  if (!result.detail.empty()) j["detail"] = result.detail;
  j["lookups"] = result.dns_lookups;
  j["voidLookups"] = result.void_lookups;
  return j;
}

}  // namespace mdo::checks::spf
