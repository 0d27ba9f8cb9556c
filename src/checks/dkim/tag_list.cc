#include "checks/dkim/tag_list.h"

#include <set>

namespace mdo::checks::dkim {

namespace {

// FWS in a TXT record: spaces, tabs and the CRLF of folded lines.
bool IsWhitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
// VALCHAR = %x21-3A / %x3C-7E: printable ASCII except ";".
bool IsValChar(char c) {
  auto u = static_cast<unsigned char>(c);
  return u >= 0x21 && u <= 0x7e && c != ';';
}

Unexpected<ParseError> Error(std::string message, std::size_t position) {
  return MakeUnexpected(ParseError{std::move(message), position});
}

}  // namespace

Result<std::vector<Tag>, ParseError> ParseTagList(std::string_view text) {
  std::vector<Tag> tags;
  std::set<std::string, std::less<>> seen;
  std::size_t i = 0;
  const std::size_t n = text.size();
  auto skip_whitespace = [&] {
    while (i < n && IsWhitespace(text[i])) ++i;
  };
  while (true) {
    skip_whitespace();
    if (i == n) {
      if (tags.empty()) return Error("the record is empty", i);
      return tags;  // a trailing ";" is allowed
    }
    if (text[i] == ';') return Error("empty tag (two \";\" in a row)", i);
    const std::size_t name_start = i;
    if (!IsAlpha(text[i])) return Error("tag name must start with a letter", i);
    while (i < n && (IsAlpha(text[i]) || IsDigit(text[i]) || text[i] == '_')) ++i;
    std::string name(text.substr(name_start, i - name_start));
    skip_whitespace();
    if (i == n || text[i] != '=') {
      return Error("expected \"=\" after tag name \"" + name + "\"", i);
    }
    ++i;
    skip_whitespace();
    const std::size_t value_start = i;
    std::size_t value_end = i;
    while (i < n && text[i] != ';') {
      if (IsValChar(text[i])) {
        value_end = i + 1;
      } else if (!IsWhitespace(text[i])) {
        return Error("invalid character in the value of tag \"" + name + "\"", i);
      }
      ++i;
    }
    if (!seen.insert(name).second) {
      return Error("duplicate tag \"" + name + "\"", name_start);
    }
    tags.push_back(Tag{std::move(name),
                       std::string(text.substr(value_start, value_end - value_start)), name_start});
    if (i == n) return tags;
    ++i;  // the ";"
  }
}

std::string DescribeParseError(const ParseError& error) {
  return error.message + " at character " + std::to_string(error.position + 1);
}

}  // namespace mdo::checks::dkim
