#include "checks/spf/parser.h"

#include <algorithm>
#include <cctype>

#include "common/strings.h"

namespace mdo::checks::spf {

namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }
// name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
bool IsNameChar(char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.'; }
bool IsDelimiter(char c) {
  return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '=';
}

Unexpected<SpfParseError> ParseFail(std::size_t position, std::string_view term,
                                    std::string message) {
  return MakeUnexpected(SpfParseError{position, std::string(term), std::move(message)});
}

// toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
bool IsTopLabel(std::string_view label) {
  if (label.empty() || !IsAlnum(label.front()) || !IsAlnum(label.back())) return false;
  bool has_non_digit = false;
  for (char c : label) {
    if (!IsAlnum(c) && c != '-') return false;
    if (!IsDigit(c)) has_non_digit = true;
  }
  return has_non_digit;
}

// Parses a CIDR length: "0" or a number without leading zeros, at most `max`.
std::optional<int> ParseCidr(std::string_view digits, int max) {
  if (digits.empty() || digits.size() > 3) return std::nullopt;
  if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
  int value = 0;
  for (char c : digits) {
    if (!IsDigit(c)) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

// ip4-network = qnum "." qnum "." qnum "." qnum, qnum without leading zeros.
bool IsStrictDottedQuad(std::string_view text) {
  auto parts = Split(text, '.');
  if (parts.size() != 4) return false;
  for (auto p : parts) {
    if (!ParseCidr(p, 255)) return false;
  }
  return true;
}

struct MacroParse {
  MacroString macro;
  bool ends_with_macro_expand = false;
};

Result<MacroParse, SpfParseError> ParseMacroStringImpl(std::string_view text, bool explanation,
                                                       std::size_t base) {
  MacroParse out;
  out.macro.text = std::string(text);
  auto& tokens = out.macro.tokens;
  auto append_literal = [&](std::string_view piece) {
    if (tokens.empty() || tokens.back().kind != MacroToken::Kind::kLiteral) {
      tokens.push_back(MacroToken{});
    }
    tokens.back().literal.append(piece);
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c != '%') {
      const bool allowed = (c >= 0x21 && c <= 0x7e) || (explanation && c == ' ');
      if (!allowed) {
        return ParseFail(base + i, text,
                         "character " + QuoteForMessage(text.substr(i, 1)) +
                             " is not allowed in a macro-string");
      }
      std::size_t j = i;
      while (j < text.size() && text[j] != '%' &&
             ((text[j] >= 0x21 && text[j] <= 0x7e) || (explanation && text[j] == ' '))) {
        ++j;
      }
      append_literal(text.substr(i, j - i));
      out.ends_with_macro_expand = false;
      i = j;
      continue;
    }
    if (i + 1 >= text.size()) {
      return ParseFail(base + i, text, "a '%' at the end must be written as '%%'");
    }
    const char next = text[i + 1];
    if (next == '%' || next == '_' || next == '-') {
      append_literal(next == '%' ? "%" : next == '_' ? " " : "%20");
      out.ends_with_macro_expand = true;
      i += 2;
      continue;
    }
    if (next != '{') {
      return ParseFail(base + i, text,
                       "'%' must be followed by '{', '%', '_' or '-' (write a literal % as %%)");
    }
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      return ParseFail(base + i, text, "macro '%{' is not closed by '}'");
    }
    std::string_view body = text.substr(i + 2, close - i - 2);
    if (body.empty()) return ParseFail(base + i, text, "empty macro '%{}'");
    MacroToken token;
    token.kind = MacroToken::Kind::kMacro;
    const char letter = body[0];
    const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(letter)));
    static constexpr std::string_view kDomainLetters = "slodiphv";
    static constexpr std::string_view kExpLetters = "crt";
    const bool known = kDomainLetters.find(lower) != std::string_view::npos ||
                       (explanation && kExpLetters.find(lower) != std::string_view::npos);
    if (!IsAlpha(letter) || !known) {
      const bool exp_only = kExpLetters.find(lower) != std::string_view::npos && IsAlpha(letter);
      return ParseFail(base + i, text,
                       exp_only ? "macro letter '" + std::string(1, letter) +
                                      "' is only allowed in explanation text"
                                : "unknown macro letter " + QuoteForMessage(body.substr(0, 1)));
    }
    token.letter = lower;
    token.url_escape = letter != lower;
    std::size_t k = 1;
    std::size_t digit_start = k;
    while (k < body.size() && IsDigit(body[k])) ++k;
    if (k > digit_start) {
      std::string_view digits = body.substr(digit_start, k - digit_start);
      if (digits.size() > 4) digits = "9999";  // beyond any count of parts; clamp
      int value = 0;
      for (char d : digits) value = value * 10 + (d - '0');
      if (value == 0) {
        return ParseFail(base + i, text, "macro digit transformer must be at least 1");
      }
      token.keep_parts = value;
    }
    if (k < body.size() && (body[k] == 'r' || body[k] == 'R')) {
      token.reverse = true;
      ++k;
    }
    for (; k < body.size(); ++k) {
      if (!IsDelimiter(body[k])) {
        return ParseFail(base + i, text,
                         "invalid character " + QuoteForMessage(body.substr(k, 1)) + " in macro " +
                             QuoteForMessage(text.substr(i, close + 1 - i)));
      }
      if (token.delimiters.find(body[k]) == std::string::npos) token.delimiters += body[k];
    }
    tokens.push_back(std::move(token));
    out.ends_with_macro_expand = true;
    i = close + 1;
  }
  return out;
}

Result<MacroString, SpfParseError> ParseDomainSpecImpl(std::string_view text, std::size_t base,
                                                       std::string_view term) {
  if (text.empty()) return ParseFail(base, term, "a domain is required here");
  auto parsed = ParseMacroStringImpl(text, false, base);
  if (!parsed) {
    SpfParseError e = parsed.error();
    e.term = std::string(term);
    return MakeUnexpected(std::move(e));
  }
  if (!parsed->ends_with_macro_expand) {
    // domain-end = ( "." toplabel [ "." ] ) / macro-expand
    std::string_view name = text;
    if (name.back() == '.') name.remove_suffix(1);
    const std::size_t dot = name.rfind('.');
    if (dot == std::string_view::npos) {
      return ParseFail(base, term,
                       "domain " + QuoteForMessage(text) + " is not a fully qualified name");
    }
    std::string_view top = name.substr(dot + 1);
    if (!IsTopLabel(top)) {
      return ParseFail(base + dot + 1, term,
                       "domain " + QuoteForMessage(text) + " does not end in a valid top label" +
                           (IsStrictDottedQuad(text) ? " (an IP address needs ip4:, not a:)" : ""));
    }
  }
  return std::move(parsed->macro);
}

struct MechanismName {
  std::string_view name;
  MechanismKind kind;
};
constexpr MechanismName kMechanisms[] = {
    {"all", MechanismKind::kAll}, {"include", MechanismKind::kInclude},
    {"a", MechanismKind::kA},     {"mx", MechanismKind::kMx},
    {"ptr", MechanismKind::kPtr}, {"ip4", MechanismKind::kIp4},
    {"ip6", MechanismKind::kIp6}, {"exists", MechanismKind::kExists},
};

Result<Mechanism, SpfParseError> ParseMechanism(std::string_view term, std::size_t pos) {
  Mechanism m;
  m.text = std::string(term);
  m.position = pos;
  std::size_t i = 0;
  if (term[0] == '+' || term[0] == '-' || term[0] == '~' || term[0] == '?') {
    m.qualifier = static_cast<Qualifier>(term[0]);
    i = 1;
  }
  std::size_t name_end = i;
  while (name_end < term.size() && IsAlnum(term[name_end])) ++name_end;
  std::string_view name = term.substr(i, name_end - i);
  bool found = false;
  for (const auto& [mech_name, kind] : kMechanisms) {
    if (EqualsIgnoreCase(name, mech_name)) {
      m.kind = kind;
      found = true;
      break;
    }
  }
  if (!found) {
    return ParseFail(pos + i, term,
                     name.empty() ? "term " + QuoteForMessage(term) + " is not a mechanism"
                                  : "unknown mechanism " + QuoteForMessage(name));
  }
  std::string_view rest = term.substr(name_end);
  const std::size_t rest_pos = pos + name_end;
  auto need_colon = [&]() -> Status {
    if (rest.empty() || rest[0] != ':') {
      return Fail(std::string(ToString(m.kind)) + " needs ':' and an argument");
    }
    return {};
  };
  switch (m.kind) {
    case MechanismKind::kAll:
      if (!rest.empty()) {
        return ParseFail(rest_pos, term, "'all' takes no argument or prefix length");
      }
      break;
    case MechanismKind::kInclude:
    case MechanismKind::kExists: {
      if (auto st = need_colon(); !st) return ParseFail(rest_pos, term, st.error().message);
      auto domain = ParseDomainSpecImpl(rest.substr(1), rest_pos + 1, term);
      if (!domain) return MakeUnexpected(domain.error());
      m.domain = std::move(*domain);
      break;
    }
    case MechanismKind::kA:
    case MechanismKind::kMx: {
      // dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ], taken from the end
      // because a domain-spec may itself contain '/'.
      auto take_trailing_number = [&](std::string_view s) -> std::size_t {
        std::size_t k = s.size();
        while (k > 0 && IsDigit(s[k - 1])) --k;
        return k;  // start of the trailing digit run
      };
      std::size_t k = take_trailing_number(rest);
      if (k < rest.size() && k >= 2 && rest[k - 1] == '/' && rest[k - 2] == '/') {
        auto v = ParseCidr(rest.substr(k), 128);
        if (!v) return ParseFail(rest_pos + k, term, "invalid IPv6 prefix length");
        m.cidr6 = *v;
        rest = rest.substr(0, k - 2);
        k = take_trailing_number(rest);
      }
      if (k < rest.size() && k >= 1 && rest[k - 1] == '/') {
        auto v = ParseCidr(rest.substr(k), 32);
        if (!v) return ParseFail(rest_pos + k, term, "invalid IPv4 prefix length");
        m.cidr4 = *v;
        rest = rest.substr(0, k - 1);
      }
      if (!rest.empty()) {
        if (rest[0] != ':') {
          return ParseFail(rest_pos, term,
                           "unexpected " + QuoteForMessage(rest) + " after '" +
                               std::string(ToString(m.kind)) + "'");
        }
        auto domain = ParseDomainSpecImpl(rest.substr(1), rest_pos + 1, term);
        if (!domain) return MakeUnexpected(domain.error());
        m.domain = std::move(*domain);
      }
      break;
    }
    case MechanismKind::kPtr:
      if (!rest.empty()) {
        if (rest[0] != ':') {
          return ParseFail(rest_pos, term, "'ptr' takes only ':' and a domain");
        }
        auto domain = ParseDomainSpecImpl(rest.substr(1), rest_pos + 1, term);
        if (!domain) return MakeUnexpected(domain.error());
        m.domain = std::move(*domain);
      }
      break;
    case MechanismKind::kIp4:
    case MechanismKind::kIp6: {
      if (auto st = need_colon(); !st) return ParseFail(rest_pos, term, st.error().message);
      std::string_view arg = rest.substr(1);
      const std::size_t slash = arg.find('/');
      std::string_view addr = arg.substr(0, slash);
      const bool v4 = m.kind == MechanismKind::kIp4;
      auto ip = net::IpAddress::Parse(addr);
      if (!ip || ip->is_v4() != v4 || (v4 && !IsStrictDottedQuad(addr))) {
        return ParseFail(rest_pos + 1, term,
                         QuoteForMessage(addr) + (v4 ? " is not an IPv4 address (a.b.c.d)"
                                                     : " is not an IPv6 address"));
      }
      m.network = *ip;
      if (slash != std::string_view::npos) {
        auto v = ParseCidr(arg.substr(slash + 1), v4 ? 32 : 128);
        if (!v) {
          return ParseFail(rest_pos + 1 + slash, term,
                           std::string("invalid prefix length (") + (v4 ? "0-32" : "0-128") +
                               ", no leading zeros, no dual length)");
        }
        (v4 ? m.cidr4 : m.cidr6) = *v;
      }
      break;
    }
  }
  return m;
}

}  // namespace

std::string_view ToString(MechanismKind kind) {
  for (const auto& [name, k] : kMechanisms) {
    if (k == kind) return name;
  }
  return "?";
}

bool CountsAsDnsLookup(MechanismKind kind) {
  return kind == MechanismKind::kInclude || kind == MechanismKind::kA ||
         kind == MechanismKind::kMx || kind == MechanismKind::kPtr ||
         kind == MechanismKind::kExists;
}

bool MacroString::has_macros() const {
  return std::any_of(tokens.begin(), tokens.end(),
                     [](const MacroToken& t) { return t.kind == MacroToken::Kind::kMacro; });
}

int SpfRecord::DnsLookupTerms() const {
  int n = 0;
  for (const auto& m : mechanisms) n += CountsAsDnsLookup(m.kind) ? 1 : 0;
  if (redirect && !HasAll()) ++n;
  return n;
}

bool SpfRecord::HasAll() const {
  return std::any_of(mechanisms.begin(), mechanisms.end(),
                     [](const Mechanism& m) { return m.kind == MechanismKind::kAll; });
}

std::string SpfParseError::ToString() const {
  std::string out = "position " + std::to_string(position);
  if (!term.empty()) out += ", term " + QuoteForMessage(term, 80);
  out += ": " + message;
  return out;
}

bool IsSpfRecord(std::string_view txt) {
  return StartsWithIgnoreCase(txt, "v=spf1") && (txt.size() == 6 || txt[6] == ' ');
}

Result<MacroString, SpfParseError> ParseMacroString(std::string_view text, bool explanation,
                                                    std::size_t position_base) {
  auto parsed = ParseMacroStringImpl(text, explanation, position_base);
  if (!parsed) return MakeUnexpected(parsed.error());
  return std::move(parsed->macro);
}

Result<MacroString, SpfParseError> ParseDomainSpec(std::string_view text,
                                                   std::size_t position_base) {
  return ParseDomainSpecImpl(text, position_base, text);
}

Result<SpfRecord, SpfParseError> ParseSpfRecord(std::string_view text) {
  if (text.size() > kMaxRecordLength) {
    return ParseFail(kMaxRecordLength, "", "record longer than 65535 bytes");
  }
  if (!IsSpfRecord(text)) {
    return ParseFail(0, text.substr(0, std::min<std::size_t>(text.size(), 10)),
                     "record does not start with \"v=spf1\" followed by a space");
  }
  // Only printable ASCII and the space separator (RFC 7208 3.1, 4.6.1): catch control bytes
  // and non-ASCII before splitting so the error points at the byte.
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c > 0x7e) {
      std::size_t start = text.rfind(' ', i);
      start = start == std::string_view::npos ? 0 : start + 1;
      std::size_t end = text.find(' ', i);
      return ParseFail(i, text.substr(start, end == std::string_view::npos ? end : end - start),
                       "byte " + QuoteForMessage(text.substr(i, 1)) +
                           " is not allowed; SPF records are printable ASCII separated by spaces");
    }
  }
  SpfRecord record;
  record.mechanisms.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), ' ')));
  std::size_t i = 6;
  std::size_t terms = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    if (i >= text.size()) break;
    std::size_t end = text.find(' ', i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view term = text.substr(i, end - i);
    const std::size_t pos = i;
    i = end;
    if (++terms > kMaxTerms) return ParseFail(pos, term, "more than 1024 terms");

    std::size_t n = 0;
    while (n < term.size() && IsNameChar(term[n])) ++n;
    if (n < term.size() && term[n] == '=') {
      std::string_view name = term.substr(0, n);
      if (name.empty() || !IsAlpha(name[0])) {
        return ParseFail(pos, term, "modifier name must start with a letter");
      }
      Modifier mod;
      mod.name = AsciiLower(name);
      mod.text = std::string(term);
      mod.position = pos;
      std::string_view value = term.substr(n + 1);
      if (mod.name == "redirect" || mod.name == "exp") {
        auto& slot = mod.name == "redirect" ? record.redirect : record.explanation;
        if (slot) {
          return ParseFail(pos, term, "'" + mod.name + "=' appears more than once");
        }
        auto domain = ParseDomainSpecImpl(value, pos + n + 1, term);
        if (!domain) return MakeUnexpected(domain.error());
        mod.value = std::move(*domain);
        slot = std::move(mod);
      } else {
        auto value_parsed = ParseMacroStringImpl(value, false, pos + n + 1);
        if (!value_parsed) {
          SpfParseError e = value_parsed.error();
          e.term = std::string(term);
          return MakeUnexpected(std::move(e));
        }
        mod.value = std::move(value_parsed->macro);
        record.unknown_modifiers.push_back(std::move(mod));
      }
      continue;
    }
    auto mechanism = ParseMechanism(term, pos);
    if (!mechanism) return MakeUnexpected(mechanism.error());
    record.mechanisms.push_back(std::move(*mechanism));
  }
  return record;
}

}  // namespace mdo::checks::spf
