// The DMARC check: one valid record found by the discovery rules of RFC 7489 and RFC 9989, its
// policy against the team's minimum, its reporting addresses and the authorisation of external
// report destinations (RFC 7489 section 7.1). Codes and severities: docs/dmarc.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "checks/dmarc/record.h"
#include "checks/finding.h"
#include "dns/resolver.h"

namespace mdo::checks::dmarc {

struct DmarcCheckOptions {
  DmarcPolicy minimum_policy = DmarcPolicy::kNone;
  bool require_reports = false;  // a missing or unusable rua= fails instead of warning
};

// How the record was found, by each discovery method.
struct DmarcDiscovery {
  std::string organizational_domain;  // RFC 7489 (Public Suffix List); "" for a public suffix
  std::string rfc7489_source;         // "_dmarc.NAME" RFC 7489 receivers use; "" if none
  std::string rfc9989_source;         // "_dmarc.NAME" RFC 9989's tree walk finds; "" if none
  std::vector<std::string> found_by;  // "rfc7489" and/or "rfc9989": who found `source`
  std::vector<std::string> queried;   // the _dmarc names asked, in order
};

struct ReportDestination {
  std::string uri;          // as published
  std::string domain;       // the mailto: domain
  bool external = false;    // a different organizational domain than the policy domain
  bool authorized = false;  // internal, or DOMAIN._report._dmarc.DEST publishes v=DMARC1
};

struct DmarcCheckResult {
  checks::CheckStatus status = checks::CheckStatus::kPass;
  std::string record;            // the record applied ("" when none)
  std::string source;            // where it was found: "_dmarc.example.com"
  std::string policy;            // p= ("none" when absent), "" without a valid record
  std::string subdomain_policy;  // sp=, else p=
  std::vector<checks::Finding> findings;
  DmarcDiscovery discovery;
  std::vector<ReportDestination> report_destinations;  // rua= then ruf=, usable mailto: only
};

DmarcCheckResult CheckDmarc(dns::Resolver& resolver, std::string_view domain,
                            const DmarcCheckOptions& options);

}  // namespace mdo::checks::dmarc
