// RFC 7208 section 7: macro expansion, and the DNS-name rules applied to expanded names.
#pragma once

#include <ctime>
#include <functional>
#include <string>
#include <string_view>

#include "checks/spf/parser.h"
#include "common/result.h"
#include "net/ip_address.h"

namespace mdo::checks::spf {

// Hostile records can chain many macros over a long sender; expansion stops beyond this size.
inline constexpr std::size_t kMaxExpansionLength = 8192;

struct MacroEnvironment {
  net::IpAddress ip;                 // already unmapped from ::ffff:a.b.c.d
  std::string sender;                // %{s}
  std::string local;                 // %{l}
  std::string sender_domain;         // %{o}
  std::string helo;                  // %{h}
  std::string receiver = "unknown";  // %{r}
  std::time_t now = 0;               // %{t}
  // %{p}: the validated name of ip for the current domain ("unknown" when none). Unset: "unknown".
  std::function<std::string(std::string_view domain)> validated_name;
};

// Expands a macro-string; `domain` is %{d}. Fails when the result would exceed
// kMaxExpansionLength.
Result<std::string> ExpandMacroString(const MacroString& macro, const MacroEnvironment& env,
                                      std::string_view domain);
// Expands a domain-spec for a DNS question: a trailing dot is dropped, and names longer than 253
// characters lose labels on the left until they fit (RFC 7208 7.3).
Result<std::string> ExpandDomain(const MacroString& macro, const MacroEnvironment& env,
                                 std::string_view domain);

// Labels of 1 to 63 bytes, at most 253 bytes in all (one trailing dot allowed).
bool IsValidDomainName(std::string_view name, bool require_multi_label);

// %{i} for IPv6: 32 dot-separated upper-case nibbles, most significant first.
std::string DottedNibbles(const net::IpAddress& ip);

}  // namespace mdo::checks::spf
