// Reverse DNS check: every address (declared senders, MX hosts' addresses) has a PTR record, and
// some PTR name resolves back to the same address (forward-confirmed reverse DNS). Receivers
// reject or score down mail from addresses without it.
#pragma once

#include <string>
#include <vector>

#include "checks/finding.h"
#include "dns/resolver.h"
#include "net/ip_address.h"

namespace mdo::checks::rdns {

struct RdnsAddress {
  net::IpAddress ip;
  std::vector<std::string> ptr;  // PTR names, lower-case, no trailing dot
  bool forward_confirmed = false;
};

struct RdnsCheckResult {
  checks::CheckStatus status = checks::CheckStatus::kSkipped;
  std::vector<RdnsAddress> addresses;
  std::vector<checks::Finding> findings;
};

// A hostile reverse zone can publish many PTR names; only this many are resolved forward.
inline constexpr std::size_t kMaxPtrNames = 10;

// Duplicates are checked once; IPv4-mapped IPv6 addresses are checked as IPv4. With no
// addresses the check is skipped.
RdnsCheckResult CheckReverseDns(dns::Resolver& resolver,
                                const std::vector<net::IpAddress>& addresses);

}  // namespace mdo::checks::rdns
