#include "checks/blacklists/return_codes.h"

#include <array>
#include <cstdint>
#include <utility>

#include "common/strings.h"

namespace mdo::checks::blacklists {
namespace {

struct CodeName {
  std::uint8_t last_octet;
  const char* name;
};

CodeMeaning Listed(std::string meaning) { return {CodeVerdict::kListed, std::move(meaning)}; }
CodeMeaning Refused(std::string meaning) { return {CodeVerdict::kRefused, std::move(meaning)}; }

// A 127/8 code the list does not document (or any code of a list we know nothing about).
CodeMeaning Unknown(const net::IpAddress&) { return Listed("listed"); }

template <std::size_t N>
CodeMeaning FromTable(const std::array<CodeName, N>& table, const net::IpAddress& code,
                      std::uint8_t third_octet) {
  const std::uint8_t* b = code.bytes();
  if (b[1] == 0 && b[2] == third_octet) {
    for (const CodeName& c : table) {
      if (c.last_octet == b[3]) return Listed(c.name);
    }
  }
  return Unknown(code);
}

bool IsSpamhaus(std::string_view zone) {
  return zone == "zen.spamhaus.org" || zone == "sbl.spamhaus.org" || zone == "xbl.spamhaus.org" ||
         zone == "pbl.spamhaus.org" || zone == "sbl-xbl.spamhaus.org" || zone == "dbl.spamhaus.org";
}

CodeMeaning Spamhaus(std::string_view zone, const net::IpAddress& code) {
  const std::uint8_t* b = code.bytes();
  if (b[1] == 255 && b[2] == 255) {
    switch (b[3]) {
      case 250:
        return Refused("Spamhaus DQS key disabled (127.255.255.250)");
      case 251:
        return Refused("Spamhaus DQS key in use elsewhere (127.255.255.251)");
      case 252:
        return Refused("typo in the Spamhaus zone name (127.255.255.252)");
      case 254:
        return Refused("query via a public or open resolver (127.255.255.254)");
      case 255:
        return Refused("excessive number of queries (127.255.255.255)");
      default:
        return Refused("Spamhaus error code " + code.ToString());
    }
  }
  if (zone == "dbl.spamhaus.org") {
    if (b[1] == 0 && b[2] == 1 && b[3] == 255) {
      return Refused("an IP address was queried against a domain list (127.0.1.255)");
    }
    static constexpr std::array<CodeName, 9> kDbl{{{2, "spam domain"},
                                                   {4, "phishing domain"},
                                                   {5, "malware domain"},
                                                   {6, "botnet C&C domain"},
                                                   {102, "abused legit spam"},
                                                   {103, "abused spammed redirector"},
                                                   {104, "abused legit phish"},
                                                   {105, "abused legit malware"},
                                                   {106, "abused legit botnet C&C"}}};
    return FromTable(kDbl, code, 1);
  }
  static constexpr std::array<CodeName, 10> kZen{{{2, "SBL"},
                                                  {3, "SBL CSS"},
                                                  {4, "XBL"},
                                                  {5, "XBL"},
                                                  {6, "XBL"},
                                                  {7, "XBL"},
                                                  {9, "SBL DROP"},
                                                  {10, "PBL (ISP maintained)"},
                                                  {11, "PBL (Spamhaus maintained)"},
                                                  {30, "BCL"}}};
  return FromTable(kZen, code, 0);
}

// Bitmask lists: each set bit of the last octet is one sub-list.
CodeMeaning Bits(const net::IpAddress& code, std::initializer_list<CodeName> bits) {
  const std::uint8_t* b = code.bytes();
  if (b[1] != 0 || b[2] != 0) return Unknown(code);
  std::string meaning;
  for (const CodeName& bit : bits) {
    if (b[3] & bit.last_octet) meaning += (meaning.empty() ? "" : ", ") + std::string(bit.name);
  }
  if (meaning.empty()) return Unknown(code);
  return Listed(meaning);
}

CodeMeaning Mailspike(const net::IpAddress& code) {
  const std::uint8_t* b = code.bytes();
  if (b[1] == 0 && b[2] == 0) {
    switch (b[3]) {
      case 2:
        return Listed("Mailspike Z (spam wave participant)");
      case 10:
        return Listed("Mailspike L5 (worst reputation)");
      case 11:
        return Listed("Mailspike L4 (very bad reputation)");
      case 12:
        return Listed("Mailspike L3 (bad reputation)");
      case 13:
        return {CodeVerdict::kNotListed, "Mailspike L2 (suspicious reputation)"};
      case 14:
        return {CodeVerdict::kNotListed, "Mailspike L1 (slightly bad reputation)"};
      case 15:
        return {CodeVerdict::kNotListed, "Mailspike neutral reputation"};
      default:
        if (b[3] >= 16 && b[3] <= 20) {
          return {CodeVerdict::kNotListed,
                  "Mailspike H" + std::to_string(b[3] - 15) + " (good reputation)"};
        }
    }
  }
  return Unknown(code);
}

}  // namespace

CodeMeaning InterpretCode(std::string_view zone_in, const net::IpAddress& code_in) {
  const std::string zone = NormalizeDnsName(zone_in);
  const net::IpAddress code = code_in.Unmapped();
  if (!code.is_v4() || code.bytes()[0] != 127) {
    return Refused("answer " + code.ToString() +
                   " is outside 127.0.0.0/8 (a wildcard or a lapsed list domain)");
  }
  const std::uint8_t* b = code.bytes();
  const bool low = b[1] == 0 && b[2] == 0;
  if (IsSpamhaus(zone)) return Spamhaus(zone, code);
  if (zone == "multi.uribl.com") {
    if (low && b[3] == 1) return Refused("URIBL refused the query (127.0.0.1)");
    if (low && b[3] == 255) return Refused("URIBL blocked the resolver (127.0.0.255)");
    return Bits(code, {{2, "URIBL black"}, {4, "URIBL grey"}, {8, "URIBL red"}});
  }
  if (zone == "multi.surbl.org") {
    if (low && b[3] == 1) return Refused("SURBL blocked access (127.0.0.1)");
    return Bits(code, {{8, "SURBL phishing (PH)"},
                       {16, "SURBL malware (MW)"},
                       {64, "SURBL abuse (ABUSE)"},
                       {128, "SURBL cracked site (CR)"}});
  }
  if (zone == "list.dnswl.org") {
    if (low && b[3] == 255) return Refused("DNSWL blocked the resolver (127.0.0.255)");
    // An allow list: being on it is good news, never a listing.
    return {CodeVerdict::kNotListed, "on the DNSWL allow list (" + code.ToString() + ")"};
  }
  if (zone == "bl.mailspike.net") return Mailspike(code);
  if (zone == "bl.spamcop.net" || zone == "b.barracudacentral.org" || zone == "psbl.surriel.com") {
    if (low && b[3] == 2) return Listed("listed");
    return Unknown(code);
  }
  return Unknown(code);
}

std::vector<std::string> DefaultIpZones() {
  return {"zen.spamhaus.org", "bl.spamcop.net", "b.barracudacentral.org", "psbl.surriel.com",
          "bl.mailspike.net"};
}

std::vector<std::string> DefaultDomainZones() {
  return {"dbl.spamhaus.org", "multi.uribl.com", "multi.surbl.org"};
}

}  // namespace mdo::checks::blacklists
