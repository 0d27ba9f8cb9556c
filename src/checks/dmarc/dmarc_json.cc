#include "checks/dmarc/dmarc_json.h"

namespace mdo::checks::dmarc {

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
          {"findings", FindingsToJson(result.findings)},
          {"discovery",
           {{"organizationalDomain", d.organizational_domain},
            {"rfc7489", OrNull(d.rfc7489_source)},
            {"rfc9989", OrNull(d.rfc9989_source)},
            {"foundBy", d.found_by}}}};
}

}  // namespace mdo::checks::dmarc
