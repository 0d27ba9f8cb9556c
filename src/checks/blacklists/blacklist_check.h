// Blacklist check (RFC 5782): sending IPs and MX addresses against IP-based DNSBLs, the domain
// against domain-based lists. A zone's answers are used only after it passed the RFC 5782
// section 5 test-entry probe; probe verdicts are cached process-wide with an expiry.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "checks/blacklists/return_codes.h"
#include "checks/finding.h"
#include "dns/resolver.h"
#include "net/ip_address.h"

namespace mdo::checks::blacklists {

// Remembers which zones passed the test-entry probe, so a fleet of domains probes each zone once
// per expiry instead of once per domain. Thread-safe.
class ProbeCache {
 public:
  using Clock = std::chrono::steady_clock;
  struct Verdict {
    bool trusted = false;
    std::string detail;  // why the zone is untrusted, for the finding
  };

  static ProbeCache& Default();

  std::optional<Verdict> Get(const std::string& key, Clock::time_point now) const;
  void Put(const std::string& key, Verdict verdict, Clock::time_point expires);
  void Clear();

 private:
  struct Entry {
    Verdict verdict;
    Clock::time_point expires;
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

struct BlacklistCheckOptions {
  std::vector<net::IpAddress> ips;        // checked against ip_zones
  std::vector<std::string> domains;       // checked against domain_zones
  std::vector<std::string> ip_zones;      // e.g. DefaultIpZones()
  std::vector<std::string> domain_zones;  // e.g. DefaultDomainZones()
  ProbeCache* probe_cache = nullptr;      // nullptr: ProbeCache::Default()
  std::chrono::seconds trusted_ttl{3600};
  std::chrono::seconds untrusted_ttl{600};
};

struct Listing {
  std::string target;  // IP text or domain
  std::string zone;
  std::vector<std::string> codes;  // A records returned, e.g. "127.0.0.2"
  std::string meaning;             // meanings of the codes, "; "-joined
  std::string reason;              // the zone's TXT record for the entry, "" when none
};

struct BlacklistCheckResult {
  checks::CheckStatus status = checks::CheckStatus::kSkipped;
  int queries = 0;  // list lookups plus TXT reason lookups (probes are cached and not counted)
  std::vector<Listing> listings;
  std::vector<checks::Finding> findings;
};

// The DNSBL question name: "4.3.2.1.zone", 32 reversed nibbles for IPv6, "domain.zone".
std::string QueryName(const net::IpAddress& ip, std::string_view zone);
std::string QueryName(std::string_view domain, std::string_view zone);

// Skipped when there is nothing to look up (no targets or no zones).
BlacklistCheckResult CheckBlacklists(dns::Resolver& resolver, const BlacklistCheckOptions& options);

}  // namespace mdo::checks::blacklists
