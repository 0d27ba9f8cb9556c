#include "checks/dkim/key_record.h"

#include <algorithm>

#include "common/strings.h"

namespace mdo::checks::dkim {

namespace {

bool IsWhitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

Unexpected<ParseError> Error(std::string message, std::size_t position) {
  return MakeUnexpected(ParseError{std::move(message), position});
}

// A colon-separated list of tokens (h=, s=, t=), whitespace allowed around the colons. Tokens are
// ALPHA / DIGIT / "-" (plus "*" for s=), lower-cased.
Result<std::vector<std::string>, ParseError> ParseColonList(const Tag& tag, bool allow_star) {
  std::vector<std::string> out;
  std::size_t offset = 0;
  for (std::string_view piece : Split(tag.value, ':')) {
    std::string_view token = TrimWhitespace(piece);
    bool ok = !token.empty() && std::all_of(token.begin(), token.end(), [&](char c) {
      return IsAlnum(c) || c == '-' || (allow_star && c == '*');
    });
    if (!ok) {
      return Error("invalid item " + QuoteForMessage(token, 40) + " in tag \"" + tag.name + "\"",
                   tag.position + tag.name.size() + 1 + offset);
    }
    out.push_back(AsciiLower(token));
    offset += piece.size() + 1;
  }
  return out;
}

}  // namespace

bool KeyRecord::HasFlag(std::string_view flag) const {
  return std::find(flags.begin(), flags.end(), flag) != flags.end();
}

bool KeyRecord::AllowsService(std::string_view service) const {
  return std::any_of(service_types.begin(), service_types.end(),
                     [&](const std::string& s) { return s == "*" || s == service; });
}

Result<std::vector<std::uint8_t>, ParseError> DecodeBase64(std::string_view text) {
  std::vector<std::uint8_t> out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t buffer = 0;
  int bits = 0;
  int symbols = 0;
  int padding = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (IsWhitespace(c)) continue;
    if (c == '=') {
      ++padding;
      if (padding > 2) return Error("too much base64 padding", i);
      continue;
    }
    int v = Base64Value(c);
    if (v < 0) return Error("invalid base64 character " + QuoteForMessage(text.substr(i, 1)), i);
    if (padding > 0) return Error("base64 data after padding", i);
    buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    ++symbols;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((buffer >> bits) & 0xff));
    }
  }
  // 4n+1 symbols cannot encode whole bytes; padding, when present, must complete the quantum.
  if (symbols % 4 == 1) return Error("truncated base64 data", text.size());
  if (padding > 0 && (symbols + padding) % 4 != 0) {
    return Error("wrong amount of base64 padding", text.size());
  }
  return out;
}

Result<KeyRecord, ParseError> ParseKeyRecord(std::string_view text) {
  auto tags = ParseTagList(text);
  if (!tags.ok()) return MakeUnexpected(tags.error());
  KeyRecord record;
  bool has_key = false;
  for (std::size_t index = 0; index < tags->size(); ++index) {
    const Tag& tag = (*tags)[index];
    const std::size_t value_position = tag.position + tag.name.size() + 1;
    if (tag.name == "v") {
      if (index != 0) return Error("the v= tag must come first", tag.position);
      // RFC 6376 ABNF spells DKIM1 in hex: the comparison is case-sensitive.
      if (tag.value != "DKIM1") {
        return Error(
            "unsupported version " + QuoteForMessage(tag.value, 40) + " (only DKIM1 is defined)",
            value_position);
      }
      record.has_version = true;
    } else if (tag.name == "k") {
      if (tag.value.empty()) return Error("empty k= tag", value_position);
      record.key_type = AsciiLower(tag.value);
    } else if (tag.name == "h") {
      auto list = ParseColonList(tag, false);
      if (!list.ok()) return MakeUnexpected(list.error());
      record.hash_algorithms = std::move(*list);
    } else if (tag.name == "s") {
      auto list = ParseColonList(tag, true);
      if (!list.ok()) return MakeUnexpected(list.error());
      record.service_types = std::move(*list);
    } else if (tag.name == "t") {
      auto list = ParseColonList(tag, false);
      if (!list.ok()) return MakeUnexpected(list.error());
      record.flags = std::move(*list);
    } else if (tag.name == "n") {
      record.notes = tag.value;
    } else if (tag.name == "p") {
      has_key = true;
      auto bytes = DecodeBase64(tag.value);
      if (!bytes.ok()) {
        ParseError e = bytes.error();
        e.message = "p=: " + e.message;
        e.position += value_position;
        return MakeUnexpected(e);
      }
      for (char c : tag.value) {
        if (!IsWhitespace(c)) record.public_key_base64 += c;
      }
      record.public_key = std::move(*bytes);
    } else {
      record.unknown_tags.push_back(tag.name);
    }
  }
  if (!has_key) return Error("the required p= tag is missing", text.size());
  return record;
}

bool LooksLikeKeyRecord(std::string_view text) {
  // Deliberately looser than the grammar, so that a broken key record is judged (and its syntax
  // error reported) rather than taken for an unrelated TXT record.
  std::string compact;
  for (char c : TrimWhitespace(text)) {
    if (!IsWhitespace(c)) compact += c;
  }
  if (StartsWithIgnoreCase(compact, "v=dkim")) return true;
  for (std::size_t at = compact.find("p="); at != std::string::npos;
       at = compact.find("p=", at + 1)) {
    if (at == 0 || compact[at - 1] == ';') return true;
  }
  return false;
}

}  // namespace mdo::checks::dkim
