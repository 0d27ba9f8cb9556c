#include "checks/mx/mx_json.h"

#include <string>

#include "checks/finding_json.h"

namespace mdo::checks::mx {

nlohmann::json ToJson(const MxCheckResult& result) {
  nlohmann::json hosts = nlohmann::json::array();
  for (const MxHost& h : result.hosts) {
    hosts.push_back({{"host", h.host}, {"preference", h.preference}, {"addresses", h.addresses}});
  }
  return nlohmann::json{{"status", std::string(checks::ToString(result.status))},
                        {"hosts", std::move(hosts)},
                        {"findings", checks::ToJson(result.findings)}};
}

}  // namespace mdo::checks::mx
