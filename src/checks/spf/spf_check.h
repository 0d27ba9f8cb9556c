// The SPF check of a MailDomain: the published record analysed without a client IP (the full
// include/redirect tree with each branch's lookup cost, void lookups, loops, weak "all"), plus a
// check_host() evaluation of each declared sender IP. Findings use the DESIGN codes; docs/spf.md
// lists them with their severities.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/finding.h"
#include "checks/spf/check_host.h"
#include "dns/resolver.h"
#include "net/ip_address.h"

namespace mdo::checks::spf {

struct SpfCheckOptions {
  std::vector<net::IpAddress> senders;
  bool require_hard_fail = false;
};

struct SpfSenderResult {
  net::IpAddress ip;
  SpfResult result = SpfResult::kNone;
  std::string mechanism;
  std::string explanation;
  std::string detail;
};

// One record in the include/redirect tree.
struct SpfTreeNode {
  std::string domain;
  std::string via;       // "" for the checked domain, else "include" or "redirect"
  std::string term;      // the parent's term that leads here, e.g. "include:_spf.example.net"
  std::string record;    // the SPF record as published; empty when there is none
  std::string error;     // why the branch could not be followed (missing, syntax, DNS, loop)
  int own_lookups = 0;   // DNS-lookup terms in this record itself
  int lookups = 0;       // own_lookups plus every descendant's
  int void_lookups = 0;  // in this subtree
  std::vector<SpfTreeNode> children;
};

struct SpfCheckResult {
  checks::CheckStatus status = checks::CheckStatus::kPass;
  std::string domain;
  std::string record;
  int lookups = 0;       // DNS-lookup terms in the whole tree (RFC 7208 limit: 10)
  int void_lookups = 0;  // known-void lookups in the tree (limit: 2)
  std::vector<SpfSenderResult> senders;
  std::vector<checks::Finding> findings;
  std::optional<SpfTreeNode> tree;  // absent when the domain has no usable record
};

SpfCheckResult CheckSpf(dns::Resolver& resolver, std::string_view domain,
                        const SpfCheckOptions& options);

}  // namespace mdo::checks::spf
