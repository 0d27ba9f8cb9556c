#include "checks/dmarc/dmarc_json.h"

#include "checks/finding_json.h"

namespace mdo::checks::dmarc {

namespace {

nlohmann::json OrNull(const std::string& s) {
  return s.empty() ? nlohmann::json() : nlohmann::json(s);
}

}  // namespace

nlohmann::json ToJson(const DmarcCheckResult& result) {
  const DmarcDiscovery& d = result.discovery;
  return {{"status", std::string(checks::ToString(result.status))},
          {"record", result.record},
          {"source", result.source},
          {"policy", result.policy},
          {"subdomainPolicy", result.subdomain_policy},
          {"findings", checks::ToJson(result.findings)},
          {"discovery",
           {{"organizationalDomain", d.organizational_domain},
            {"rfc7489", OrNull(d.rfc7489_source)},
            {"rfc9989", OrNull(d.rfc9989_source)},
            {"foundBy", d.found_by}}}};
}

}  // namespace mdo::checks::dmarc
