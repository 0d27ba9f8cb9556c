// Test-only helpers for the findings fixtures (tests/fixtures/findings/{dkim,dmarc}): a loader for
// the subset of zone-file syntax those zones use, and a Resolver that answers from the loaded
// zones and REFUSED outside them, as Knot does for zones it does not serve.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "dns/memory_resolver.h"

namespace mdo::checks::testing {

class ZoneFixtureResolver : public dns::Resolver {
 public:
  // Loads one zone file ($ORIGIN, $TTL, "@" and relative owners, blank owner = previous,
  // parentheses, quoted TXT strings with \" \\ \DDD escapes; A, AAAA, TXT, CNAME, MX, NS, SOA).
  Status LoadZoneFile(const std::filesystem::path& file);
  // Every *.zone file in `dir`.
  Status LoadZoneDirectory(const std::filesystem::path& dir);

  void Query(std::string_view name, dns::RecordType type, Callback done) override;

  const std::vector<std::string>& zones() const { return zones_; }
  dns::MemoryResolver& memory() { return memory_; }

 private:
  Status LoadZoneText(std::string_view text, const std::string& file);

  dns::MemoryResolver memory_;
  std::vector<std::string> zones_;  // apex names
};

}  // namespace mdo::checks::testing
