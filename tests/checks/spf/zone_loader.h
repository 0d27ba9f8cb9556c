// Loads the subset of RFC 1035 zone-file syntax our fixtures use ($ORIGIN, $TTL, relative and
// "@" owners, blank owner = previous, parentheses, quoted TXT strings) into a MemoryResolver.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "dns/memory_resolver.h"

namespace mdo::checks::spf::testing {

// Adds every A, AAAA, MX, TXT, PTR and CNAME record of `text` to `resolver`; SOA and NS are
// skipped. Returns the number of records added.
Result<int> LoadZone(std::string_view text, std::string_view origin, dns::MemoryResolver& resolver);

}  // namespace mdo::checks::spf::testing
