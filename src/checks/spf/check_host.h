// RFC 7208 check_host(): is `ip` allowed to send mail for `domain`? Sections 4 to 7: record
// selection, the 10 DNS-lookup and 2 void-lookup limits, include/redirect, macros, exp=.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dns/resolver.h"
#include "net/ip_address.h"

namespace mdo::checks::spf {

enum class SpfResult { kNone, kNeutral, kPass, kFail, kSoftFail, kTempError, kPermError };
// "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror"
std::string_view ToString(SpfResult result);

struct CheckHostResult {
  SpfResult result = SpfResult::kNone;
  // For "fail": the expanded exp= text of the record that failed, or the default explanation.
  std::string explanation;
  // The term that decided the result ("-all", "include:_spf.example.com", "redirect=..."), or
  // empty when no term matched.
  std::string mechanism;
  // Why a temperror/permerror/none happened, for people ("too many DNS lookups (11 > 10) at
  // a:mx.example.com in e7.example.com").
  std::string detail;
  // The domain whose record produced the deciding term.
  std::string domain;
  int dns_lookups = 0;   // DNS-querying terms evaluated (limit 10)
  int void_lookups = 0;  // terms whose query came back empty (limit 2)
  int dns_queries = 0;   // questions actually sent to the resolver (including exp= and %{p})
};

struct CheckHostRequest {
  net::IpAddress ip;
  std::string domain;  // where to start; usually the MAIL FROM domain (or the HELO name)
  std::string sender;  // MAIL FROM address; "" means postmaster@<helo>
  std::string helo;
};

struct CheckHostOptions {
  // Macro-string expanded when a failing record has no usable exp= (RFC 7208 6.2).
  std::string default_explanation = "%{d} does not authorize %{c} to send mail as %{s}";
  // %{r}: the receiving host's name.
  std::string receiver = "unknown";
  int max_dns_lookups = 10;
  int max_void_lookups = 2;
  int max_names_per_lookup = 10;  // MX hosts per mx, PTR names per ptr / %{p}
};

CheckHostResult CheckHost(dns::Resolver& resolver, const CheckHostRequest& request);
CheckHostResult CheckHost(dns::Resolver& resolver, const CheckHostRequest& request,
                          const CheckHostOptions& options);

}  // namespace mdo::checks::spf
