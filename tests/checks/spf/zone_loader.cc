#include "checks/spf/zone_loader.h"

#include <cctype>
#include <vector>

#include "common/strings.h"

namespace mdo::checks::spf::testing {

namespace {

struct Token {
  std::string text;
  bool quoted = false;
};

// Splits the zone into logical lines (parentheses joined, comments dropped) of tokens; records
// whether each line began with whitespace (owner omitted).
struct Line {
  std::vector<Token> tokens;
  bool blank_owner = false;
};

std::vector<Line> Tokenize(std::string_view text) {
  std::vector<Line> lines;
  Line current;
  int depth = 0;
  bool at_line_start = true;
  std::size_t i = 0;
  auto flush = [&]() {
    if (!current.tokens.empty()) lines.push_back(std::move(current));
    current = Line{};
  };
  while (i < text.size()) {
    const char c = text[i];
    if (at_line_start) {
      at_line_start = false;
      if (depth == 0) current.blank_owner = (c == ' ' || c == '\t');
    }
    if (c == '\n') {
      if (depth == 0) flush();
      at_line_start = true;
      ++i;
    } else if (c == ';') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
    } else if (c == '(') {
      ++depth;
      ++i;
    } else if (c == ')') {
      --depth;
      ++i;
    } else if (c == '"') {
      Token t;
      t.quoted = true;
      ++i;
      while (i < text.size() && text[i] != '"') {
        if (text[i] == '\\' && i + 1 < text.size()) {
          if (i + 3 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1]))) {
            t.text += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 3))));
            i += 4;
            continue;
          }
          ++i;
        }
        t.text += text[i++];
      }
      ++i;  // closing quote
      current.tokens.push_back(std::move(t));
    } else {
      Token t;
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])) &&
             text[i] != ';' && text[i] != '(' && text[i] != ')') {
        t.text += text[i++];
      }
      current.tokens.push_back(std::move(t));
    }
  }
  flush();
  return lines;
}

std::string Absolute(std::string_view name, const std::string& origin) {
  if (name == "@") return origin;
  if (!name.empty() && name.back() == '.') return NormalizeDnsName(name);
  return NormalizeDnsName(std::string(name) + "." + origin);
}

bool IsNumber(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

Result<int> LoadZone(std::string_view text, std::string_view origin_in,
                     dns::MemoryResolver& resolver) {
  std::string origin = NormalizeDnsName(origin_in);
  std::string owner = origin;
  int added = 0;
  for (const Line& line : Tokenize(text)) {
    const auto& tok = line.tokens;
    if (tok[0].text == "$ORIGIN") {
      if (tok.size() < 2) return Fail("$ORIGIN without a name");
      origin = NormalizeDnsName(tok[1].text);
      continue;
    }
    if (tok[0].text == "$TTL") continue;
    std::size_t i = 0;
    if (!line.blank_owner) owner = Absolute(tok[i++].text, origin);
    while (i < tok.size() && (IsNumber(tok[i].text) || EqualsIgnoreCase(tok[i].text, "IN"))) ++i;
    if (i >= tok.size()) return Fail("record without a type at " + owner);
    const std::string type = AsciiLower(tok[i].text);
    ++i;
    auto need = [&](std::size_t n) -> Status {
      if (tok.size() < i + n) return Fail("short " + type + " record at " + owner);
      return {};
    };
    if (type == "soa" || type == "ns") continue;
    if (type == "a" || type == "aaaa") {
      if (auto st = need(1); !st) return MakeUnexpected(st.error());
      resolver.Add(owner, type == "a" ? dns::RecordType::kA : dns::RecordType::kAaaa, tok[i].text);
    } else if (type == "mx") {
      if (auto st = need(2); !st) return MakeUnexpected(st.error());
      const std::string target = tok[i + 1].text == "." ? "" : Absolute(tok[i + 1].text, origin);
      resolver.AddMx(owner, static_cast<std::uint16_t>(std::stoi(tok[i].text)), target);
    } else if (type == "txt") {
      std::string joined;
      for (std::size_t k = i; k < tok.size(); ++k) joined += tok[k].text;
      resolver.Add(owner, dns::RecordType::kTxt, joined);
    } else if (type == "ptr") {
      if (auto st = need(1); !st) return MakeUnexpected(st.error());
      resolver.Add(owner, dns::RecordType::kPtr, Absolute(tok[i].text, origin));
    } else if (type == "cname") {
      if (auto st = need(1); !st) return MakeUnexpected(st.error());
      resolver.AddCname(owner, Absolute(tok[i].text, origin));
    } else {
      return Fail("unsupported record type " + type + " at " + owner);
    }
    ++added;
  }
  return added;
}

}  // namespace mdo::checks::spf::testing
