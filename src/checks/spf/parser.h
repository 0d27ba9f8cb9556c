// RFC 7208 section 12 grammar: SPF record text to a typed record, or an error with a position.
// Pure functions: no DNS, no global state. Everything a published record can contain is checked
// here, so evaluation (check_host.h) never meets a syntax error half-way through a record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "net/ip_address.h"

namespace mdo::checks::spf {

// Limits that keep hostile records cheap. A DNS TXT RRset cannot carry more than 64 KiB anyway.
inline constexpr std::size_t kMaxRecordLength = 65535;
inline constexpr std::size_t kMaxTerms = 1024;

enum class Qualifier : char { kPass = '+', kFail = '-', kSoftFail = '~', kNeutral = '?' };

enum class MechanismKind { kAll, kInclude, kA, kMx, kPtr, kIp4, kIp6, kExists };
std::string_view ToString(MechanismKind kind);
// include, a, mx, ptr, exists (and the redirect modifier) cost one of the 10 DNS lookups.
bool CountsAsDnsLookup(MechanismKind kind);

// One piece of a macro-string (RFC 7208 section 7.1): literal text or a macro-expand.
struct MacroToken {
  enum class Kind : std::uint8_t { kLiteral, kMacro };
  Kind kind = Kind::kLiteral;
  std::string literal;      // kLiteral: text with %% %_ %- already decoded
  char letter = 0;          // kMacro: lower-case macro letter (s l o d i p h c r t v)
  bool url_escape = false;  // kMacro: the letter was upper-case
  bool reverse = false;     // kMacro: "r" transformer
  int keep_parts = 0;       // kMacro: DIGIT transformer, 0 = all parts
  std::string delimiters;   // kMacro: empty means "."
};

struct MacroString {
  std::string text;  // as written
  std::vector<MacroToken> tokens;
  bool has_macros() const;
};

struct Mechanism {
  Qualifier qualifier = Qualifier::kPass;
  MechanismKind kind = MechanismKind::kAll;
  // include/exists always, a/mx/ptr when written with ":"; absent means "the current domain".
  std::optional<MacroString> domain;
  net::IpAddress network;  // ip4 / ip6
  int cidr4 = 32;          // ip4, a, mx
  int cidr6 = 128;         // ip6, a, mx
  std::string text;        // the term as written, e.g. "-include:_spf.example.com"
  std::size_t position = 0;
};

struct Modifier {
  std::string name;  // lower-case
  MacroString value;
  std::string text;
  std::size_t position = 0;
};

struct SpfRecord {
  std::vector<Mechanism> mechanisms;
  std::optional<Modifier> redirect;
  std::optional<Modifier> explanation;  // exp=
  std::vector<Modifier> unknown_modifiers;

  // Terms of this record alone that cost a DNS lookup (redirect included when it can apply).
  int DnsLookupTerms() const;
  // True when some "all" mechanism makes a redirect unreachable (RFC 7208 6.1).
  bool HasAll() const;
};

struct SpfParseError {
  std::size_t position = 0;  // byte offset into the record text
  std::string term;          // the offending term (may be empty at the end of the record)
  std::string message;
  std::string ToString() const;  // "position 12, term "a:": <message>"
};

// True when `txt` is an SPF version 1 record: "v=spf1" (any case) followed by a space or the end.
bool IsSpfRecord(std::string_view txt);

// Parses a complete record including its "v=spf1" version.
Result<SpfRecord, SpfParseError> ParseSpfRecord(std::string_view text);

// Macro-strings on their own. `explanation` allows the c, r and t letters (exp= text).
// `position_base` is added to error positions.
Result<MacroString, SpfParseError> ParseMacroString(std::string_view text, bool explanation,
                                                    std::size_t position_base = 0);
// A domain-spec: a macro-string whose end is a macro-expand or "." toplabel ["."].
Result<MacroString, SpfParseError> ParseDomainSpec(std::string_view text,
                                                   std::size_t position_base = 0);

}  // namespace mdo::checks::spf
