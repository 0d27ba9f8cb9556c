// Small string helpers shared by parsers. ASCII only: DNS names and record syntax are ASCII.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mdo {

std::string AsciiLower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix);
std::string_view TrimWhitespace(std::string_view s);
// Splits on any run of `sep` characters, dropping empty pieces.
std::vector<std::string_view> SplitSkipEmpty(std::string_view s, std::string_view seps);
// Splits on each `sep` character, keeping empty pieces.
std::vector<std::string_view> Split(std::string_view s, char sep);
// A DNS name in the form we key on: lower-case, no trailing dot.
std::string NormalizeDnsName(std::string_view name);
// Quotes a string for a human message, escaping control and non-ASCII bytes as \xNN.
std::string QuoteForMessage(std::string_view s, std::size_t max_len = 200);

}  // namespace mdo
