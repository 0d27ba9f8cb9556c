// Test-only helper for the findings fixtures (tests/fixtures/findings/{dkim,dmarc}): a Resolver
// that answers from zone files (parsed by support/zone_file.h) and REFUSED outside them, as Knot
// does for zones it does not serve.
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
  // Loads one zone file (the syntax of support/zone_file.h). Every record is kept; each SOA
  // owner becomes a served zone.
  Status LoadZoneFile(const std::filesystem::path& file);
  // Every *.zone file in `dir`.
  Status LoadZoneDirectory(const std::filesystem::path& dir);

  void Query(std::string_view name, dns::RecordType type, Callback done) override;

  const std::vector<std::string>& zones() const { return zones_; }
  dns::MemoryResolver& memory() { return memory_; }

 private:
  dns::MemoryResolver memory_;
  std::vector<std::string> zones_;  // apex names
};

}  // namespace mdo::checks::testing
