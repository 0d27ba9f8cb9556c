#include "checks/rdns/rdns_json.h"

#include <string>

#include "checks/finding_json.h"

namespace mdo::checks::rdns {

nlohmann::json ToJson(const RdnsCheckResult& result) {
  nlohmann::json addresses = nlohmann::json::array();
  for (const RdnsAddress& a : result.addresses) {
    addresses.push_back(
        {{"ip", a.ip.ToString()}, {"ptr", a.ptr}, {"forwardConfirmed", a.forward_confirmed}});
  }
  return nlohmann::json{{"status", std::string(checks::ToString(result.status))},
                        {"addresses", std::move(addresses)},
                        {"findings", checks::ToJson(result.findings)}};
}

}  // namespace mdo::checks::rdns
