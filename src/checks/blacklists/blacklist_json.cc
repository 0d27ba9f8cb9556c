#include "checks/blacklists/blacklist_json.h"

#include <string>

#include "checks/finding_json.h"

namespace mdo::checks::blacklists {

nlohmann::json ToJson(const BlacklistCheckResult& result) {
  nlohmann::json listings = nlohmann::json::array();
  for (const Listing& l : result.listings) {
    listings.push_back({{"target", l.target},
                        {"zone", l.zone},
                        {"codes", l.codes},
                        {"meaning", l.meaning},
                        {"reason", l.reason}});
  }
  return nlohmann::json{{"status", std::string(checks::ToString(result.status))},
                        {"queries", result.queries},
                        {"listings", std::move(listings)},
                        {"findings", checks::ToJson(result.findings)}};
}

}  // namespace mdo::checks::blacklists
