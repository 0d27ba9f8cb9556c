#include "checks/spf/macro.h"

#include <algorithm>
#include <vector>

namespace mdo::checks::spf {

namespace {

bool IsUnreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

void AppendUrlEscaped(std::string_view value, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : value) {
    if (IsUnreserved(c)) {
      out += c;
    } else {
      const auto b = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 0xf];
    }
  }
}

std::string LetterValue(char letter, const MacroEnvironment& env, std::string_view domain) {
  switch (letter) {
    case 's':
      return env.sender;
    case 'l':
      return env.local;
    case 'o':
      return env.sender_domain;
    case 'd':
      return std::string(domain);
    case 'i':
      return env.ip.is_v4() ? env.ip.ToString() : DottedNibbles(env.ip);
    case 'p':
      return env.validated_name ? env.validated_name(domain) : "unknown";
    case 'v':
      return env.ip.is_v4() ? "in-addr" : "ip6";
    case 'h':
      return env.helo;
    case 'c':
      return env.ip.ToString();
    case 'r':
      return env.receiver;
    case 't':
      return std::to_string(static_cast<long long>(env.now));
    default:
      return "";
  }
}

// Splits on the delimiters, optionally reverses, keeps the rightmost parts, joins with ".".
void AppendTransformed(const MacroToken& token, std::string_view value, std::string& out) {
  const std::string_view delims =
      token.delimiters.empty() ? std::string_view(".") : std::string_view(token.delimiters);
  const bool plain = !token.reverse && token.keep_parts == 0 && delims == ".";
  std::string joined;
  if (plain) {
    joined = std::string(value);
  } else {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= value.size(); ++i) {
      if (i == value.size() || delims.find(value[i]) != std::string_view::npos) {
        parts.push_back(value.substr(start, i - start));
        start = i + 1;
      }
    }
    if (token.reverse) std::reverse(parts.begin(), parts.end());
    std::size_t first = 0;
    if (token.keep_parts > 0 && static_cast<std::size_t>(token.keep_parts) < parts.size()) {
      first = parts.size() - static_cast<std::size_t>(token.keep_parts);
    }
    for (std::size_t i = first; i < parts.size(); ++i) {
      if (i > first) joined += '.';
      joined.append(parts[i]);
    }
  }
  if (token.url_escape) {
    AppendUrlEscaped(joined, out);
  } else {
    out += joined;
  }
}

}  // namespace

std::string DottedNibbles(const net::IpAddress& ip) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(64);
  for (std::size_t i = 0; i < ip.size(); ++i) {
    const std::uint8_t b = ip.bytes()[i];
    if (i > 0) out += '.';
    out += kHex[b >> 4];
    out += '.';
    out += kHex[b & 0xf];
  }
  return out;
}

Result<std::string> ExpandMacroString(const MacroString& macro, const MacroEnvironment& env,
                                      std::string_view domain) {
  std::string out;
  for (const MacroToken& token : macro.tokens) {
    if (token.kind == MacroToken::Kind::kLiteral) {
      out += token.literal;
    } else {
      AppendTransformed(token, LetterValue(token.letter, env, domain), out);
    }
    if (out.size() > kMaxExpansionLength) {
      return Fail("macro expansion of " + macro.text.substr(0, 80) + " exceeds " +
                  std::to_string(kMaxExpansionLength) + " bytes");
    }
  }
  return out;
}

Result<std::string> ExpandDomain(const MacroString& macro, const MacroEnvironment& env,
                                 std::string_view domain) {
  auto expanded = ExpandMacroString(macro, env, domain);
  if (!expanded) return expanded;
  std::string name = std::move(*expanded);
  if (!name.empty() && name.back() == '.') name.pop_back();
  while (name.size() > 253) {
    const std::size_t dot = name.find('.');
    if (dot == std::string::npos) break;
    name.erase(0, dot + 1);
  }
  return name;
}

bool IsValidDomainName(std::string_view name, bool require_multi_label) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > 253) return false;
  std::size_t labels = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    const std::size_t len = (dot == std::string_view::npos ? name.size() : dot) - start;
    if (len == 0 || len > 63) return false;
    ++labels;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return !require_multi_label || labels >= 2;
}

}  // namespace mdo::checks::spf
