// Fuzzes SPF macro-string parsing and expansion (RFC 7208 section 7). The first byte picks the
// grammar (domain-spec or explanation string) and the client address family; the rest is the
// macro text. Expansion output must stay within kMaxExpansionLength.
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "checks/spf/macro.h"
#include "checks/spf/parser.h"
#include "net/ip_address.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  namespace spf = mdo::checks::spf;
  const std::uint8_t selector = data[0];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  spf::MacroEnvironment env;
  env.ip = *mdo::net::IpAddress::Parse((selector & 2) ? "2001:db8::cb01" : "192.0.2.3");
  env.sender = "strong-bad@email.example.com";
  env.local = "strong-bad";
  env.sender_domain = "email.example.com";
  env.helo = "mx.example.org";
  env.receiver = "receiver.example.net";
  env.now = 1700000000;
  env.validated_name = [](std::string_view domain) { return "mx." + std::string(domain); };
  constexpr std::string_view kDomain = "email.example.com";

  const bool explanation = (selector & 1) != 0;
  auto macro = explanation ? spf::ParseMacroString(text, true) : spf::ParseDomainSpec(text);
  if (!macro) {
    assert(macro.error().position <= text.size());
    return 0;
  }
  macro->has_macros();
  auto expanded = spf::ExpandMacroString(*macro, env, kDomain);
  if (expanded) assert(expanded->size() <= spf::kMaxExpansionLength);
  if (!explanation) {
    auto domain = spf::ExpandDomain(*macro, env, kDomain);
    if (domain) {
      assert(domain->size() <= spf::kMaxExpansionLength);
      spf::IsValidDomainName(*domain, true);
    }
  }
  spf::DottedNibbles(env.ip);
  return 0;
}
