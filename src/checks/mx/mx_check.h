// MX check (RFC 5321 section 5.1, RFC 7505): the domain publishes MX records (or a deliberate null
// MX), and every target is a host name that resolves to addresses, not an alias or an IP literal.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "checks/finding.h"
#include "dns/resolver.h"

namespace mdo::checks::mx {

struct MxCheckOptions {
  // False for send-only domains: a missing MX or a null MX is then only noted (info).
  bool required = true;
};

struct MxHost {
  std::string host;  // lower-case, no trailing dot
  std::uint16_t preference = 0;
  std::vector<std::string> addresses;  // A then AAAA, canonical text
};

struct MxCheckResult {
  checks::CheckStatus status = checks::CheckStatus::kPass;
  bool null_mx = false;       // the domain publishes "0 ." and nothing else
  std::vector<MxHost> hosts;  // by preference, then name; no null MX entry
  std::vector<checks::Finding> findings;
};

// A hostile zone can publish thousands of MX records; beyond this many targets are not resolved.
inline constexpr std::size_t kMaxMxHosts = 32;

MxCheckResult CheckMx(dns::Resolver& resolver, std::string_view domain,
                      const MxCheckOptions& options);

}  // namespace mdo::checks::mx
