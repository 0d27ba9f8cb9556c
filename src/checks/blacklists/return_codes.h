// What a DNSBL's answer means. Each default zone has its own codes (notes/mail-checks.md
// section 4); bitmask lists (URIBL, SURBL) are decoded bit by bit. Refusal and error codes (a
// list telling us it will not answer) are never listings.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "net/ip_address.h"

namespace mdo::checks::blacklists {

enum class ZoneKind { kIp, kDomain };

enum class CodeVerdict {
  kListed,     // the target is on the list
  kRefused,    // the list refused to answer (policy, rate limit, public resolver) or is broken
  kNotListed,  // an informational code that is not a block (e.g. Mailspike good reputation)
};

struct CodeMeaning {
  CodeVerdict verdict = CodeVerdict::kListed;
  std::string meaning;  // "SBL", "black, grey", "query via a public resolver", ...
};

// Interprets one A record returned by `zone`. Anything outside 127.0.0.0/8 is a refusal: RFC 5782
// answers live there, and other answers come from wildcards or lapsed list domains.
CodeMeaning InterpretCode(std::string_view zone, const net::IpAddress& code);

// The operator's defaults (DESIGN section 5).
std::vector<std::string> DefaultIpZones();
std::vector<std::string> DefaultDomainZones();

}  // namespace mdo::checks::blacklists
