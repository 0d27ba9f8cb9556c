// A Resolver serving one scenario of the openspf YAML suites, following the reference driver's
// rules (pyspf test/testspf.py): SPF-type entries are copied to TXT unless the name has a TXT
// entry; "TIMEOUT" answers a question with a timeout unless records of the asked type came
// first; unknown names are NXDOMAIN ("error." names time out); labels over 63 bytes time out;
// CNAMEs are followed.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dns/resolver.h"

namespace mdo::checks::spf::testing {

class SuiteResolver : public dns::Resolver {
 public:
  // `zonedata` is the scenario's zonedata mapping.
  explicit SuiteResolver(const YAML::Node& zonedata);

  void Query(std::string_view name, dns::RecordType type, Callback done) override;
  int query_count() const { return queries_; }

  struct Entry {
    std::string type;  // "A", "AAAA", "TXT", "MX", "PTR", "CNAME", or "TIMEOUT"
    std::string value;
    std::uint16_t preference = 0;  // MX
    bool timeout_value = false;    // "A: TIMEOUT" style entries
  };

  // The names and entries, for writing zone files.
  const std::map<std::string, std::vector<Entry>>& zone() const { return zone_; }

 private:
  dns::Answer Lookup(std::string name, dns::RecordType type, int depth) const;

  std::map<std::string, std::vector<Entry>> zone_;
  int queries_ = 0;
};

}  // namespace mdo::checks::spf::testing
