#include "checks/dmarc/record.h"

#include <algorithm>
#include <limits>
#include <set>

#include "common/strings.h"

namespace mdo::checks::dmarc {

namespace {

bool IsWsp(char c) { return c == ' ' || c == '\t'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Unexpected<ParseError> Error(std::string message, std::size_t position) {
  return MakeUnexpected(ParseError{std::move(message), position});
}

// Length of a leading `"v" *WSP "=" *WSP "DMARC1"`, or 0 when `text` does not start with it.
std::size_t VersionPrefixLength(std::string_view text) {
  std::size_t i = 0;
  if (text.empty() || (text[0] != 'v' && text[0] != 'V')) return 0;
  ++i;
  while (i < text.size() && IsWsp(text[i])) ++i;
  if (i == text.size() || text[i] != '=') return 0;
  ++i;
  while (i < text.size() && IsWsp(text[i])) ++i;
  if (text.substr(i, 6) != "DMARC1") return 0;
  i += 6;
  // DMARC1 must end the version: "v=DMARC10" is not DMARC.
  if (i < text.size() && text[i] != ';' && !IsWsp(text[i])) return 0;
  return i;
}

// Digits only, at most `max_digits` of them.
std::optional<std::uint64_t> ParseNumber(std::string_view text, std::size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (!IsDigit(c)) return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsHostname(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  for (std::string_view label : Split(name, '.')) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!IsAlpha(c) && !IsDigit(c) && c != '-' && c != '_') return false;
    }
  }
  return true;
}

// dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ] (RFC 7489 section 6.4).
ReportUri ParseReportUri(std::string_view text) {
  ReportUri uri;
  uri.text = std::string(text);
  if (text.empty()) {
    uri.error = "empty URI";
    return uri;
  }
  std::string_view body = text;
  if (std::size_t bang = body.rfind('!'); bang != std::string_view::npos) {
    std::string_view size = body.substr(bang + 1);
    body = body.substr(0, bang);
    std::uint64_t unit = 1;
    if (!size.empty() && IsAlpha(size.back())) {
      switch (size.back() | 0x20) {
        case 'k':
          unit = 1ull << 10;
          break;
        case 'm':
          unit = 1ull << 20;
          break;
        case 'g':
          unit = 1ull << 30;
          break;
        case 't':
          unit = 1ull << 40;
          break;
        default:
          uri.error = "unknown size unit in \"!" + std::string(size) + "\"";
          return uri;
      }
      size.remove_suffix(1);
    }
    auto number = ParseNumber(size, 12);  // 12 digits times 2^40 stays inside 64 bits
    if (!number) {
      uri.error = "invalid size limit \"!" + std::string(text.substr(bang + 1)) + "\"";
      return uri;
    }
    uri.max_size = *number * unit;
  }
  std::size_t colon = body.find(':');
  bool scheme_ok =
      colon != std::string_view::npos && colon > 0 && IsAlpha(body[0]) &&
      std::all_of(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
        return IsAlpha(c) || IsDigit(c) || c == '+' || c == '-' || c == '.';
      });
  if (!scheme_ok) {
    uri.error = "not a URI (a mailto: address is expected)";
    return uri;
  }
  uri.scheme = AsciiLower(body.substr(0, colon));
  std::string_view rest = body.substr(colon + 1);
  if (std::any_of(rest.begin(), rest.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u >= 0x7f;
      })) {
    uri.error = "contains spaces or non-ASCII characters";
    return uri;
  }
  if (uri.scheme != "mailto") return uri;  // syntactically a URI; the check judges the scheme
  rest = rest.substr(0, rest.find('?'));   // RFC 6068 header fields are irrelevant here
  std::string address;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '%') {
      int hi = i + 2 < rest.size() ? HexValue(rest[i + 1]) : -1;
      int lo = i + 2 < rest.size() ? HexValue(rest[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        uri.error = "invalid %-escape";
        return uri;
      }
      address += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      address += rest[i];
    }
  }
  std::size_t at = address.rfind('@');
  if (at == std::string::npos || at == 0) {
    uri.error = "the mailto: URI has no address of the form local@domain";
    return uri;
  }
  std::string domain = NormalizeDnsName(std::string_view(address).substr(at + 1));
  if (!IsHostname(domain)) {
    uri.error = "the address's domain " + QuoteForMessage(domain, 80) + " is not a host name";
    return uri;
  }
  uri.address = std::move(address);
  uri.domain = std::move(domain);
  return uri;
}

std::vector<ReportUri> ParseUriList(std::string_view value) {
  std::vector<ReportUri> out;
  for (std::string_view piece : Split(value, ',')) {
    out.push_back(ParseReportUri(TrimWhitespace(piece)));
  }
  return out;
}

// A colon-separated keyword list (fo=, rf=) with optional whitespace around the colons.
std::vector<std::string> ColonList(std::string_view value) {
  std::vector<std::string> out;
  for (std::string_view piece : Split(value, ':')) out.push_back(AsciiLower(TrimWhitespace(piece)));
  return out;
}

}  // namespace

std::string_view ToString(DmarcPolicy policy) {
  switch (policy) {
    case DmarcPolicy::kNone:
      return "none";
    case DmarcPolicy::kQuarantine:
      return "quarantine";
    case DmarcPolicy::kReject:
      return "reject";
  }
  return "none";
}

std::optional<DmarcPolicy> ParsePolicy(std::string_view text) {
  if (EqualsIgnoreCase(text, "none")) return DmarcPolicy::kNone;
  if (EqualsIgnoreCase(text, "quarantine")) return DmarcPolicy::kQuarantine;
  if (EqualsIgnoreCase(text, "reject")) return DmarcPolicy::kReject;
  return std::nullopt;
}

std::string DescribeParseError(const ParseError& error) {
  return error.message + " at character " + std::to_string(error.position + 1);
}

bool DmarcRecord::HasTag(std::string_view name) const {
  return std::find(tags.begin(), tags.end(), name) != tags.end();
}

Result<DmarcRecord, ParseError> ParseDmarcRecord(std::string_view text) {
  std::size_t version_end = VersionPrefixLength(text);
  if (version_end == 0) {
    if (!text.empty() && (IsWsp(text[0]) || text[0] == '\r' || text[0] == '\n')) {
      return Error("the record starts with whitespace; it must start with \"v=DMARC1\"", 0);
    }
    return Error("the record must start with \"v=DMARC1\" (DMARC1 in capitals)", 0);
  }
  DmarcRecord record;
  record.tags.push_back("v");
  std::set<std::string, std::less<>> seen{"v"};
  std::size_t i = version_end;
  while (i < text.size() && IsWsp(text[i])) ++i;
  if (i < text.size() && text[i] != ';') return Error("expected \";\" after v=DMARC1", i);

  while (i < text.size()) {
    ++i;  // the ";"
    std::size_t end = text.find(';', i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view piece = text.substr(i, end - i);
    std::size_t lead = 0;
    while (lead < piece.size() && IsWsp(piece[lead])) ++lead;
    const std::size_t tag_pos = i + lead;
    std::string_view spec = TrimWhitespace(piece);
    i = end;
    if (spec.empty()) continue;  // "; ;" and a trailing ";" are common and harmless

    std::size_t n = 0;
    if (!IsAlpha(spec[0])) return Error("tag name must start with a letter", tag_pos);
    while (n < spec.size() && (IsAlpha(spec[n]) || IsDigit(spec[n]) || spec[n] == '_')) ++n;
    std::string name = AsciiLower(spec.substr(0, n));
    std::size_t eq = n;
    while (eq < spec.size() && IsWsp(spec[eq])) ++eq;
    if (eq == spec.size() || spec[eq] != '=') {
      return Error("expected \"=\" after tag name \"" + name + "\"", tag_pos + eq);
    }
    std::size_t value_off = eq + 1;
    while (value_off < spec.size() && IsWsp(spec[value_off])) ++value_off;
    std::string_view value = spec.substr(value_off);
    const std::size_t value_pos = tag_pos + value_off;
    if (!seen.insert(name).second) return Error("duplicate tag \"" + name + "\"", tag_pos);
    record.tags.push_back(name);

    auto bad_value = [&](std::string_view expected) {
      return Error("invalid value " + QuoteForMessage(value, 60) + " for " + name + "= (" +
                       std::string(expected) + ")",
                   value_pos);
    };
    if (name == "p" || name == "sp" || name == "np") {
      auto policy = ParsePolicy(value);
      if (!policy) return bad_value("none, quarantine or reject");
      (name == "p"    ? record.policy
       : name == "sp" ? record.subdomain_policy
                      : record.nonexistent_policy) = policy;
    } else if (name == "adkim" || name == "aspf") {
      Alignment a;
      if (EqualsIgnoreCase(value, "r")) {
        a = Alignment::kRelaxed;
      } else if (EqualsIgnoreCase(value, "s")) {
        a = Alignment::kStrict;
      } else {
        return bad_value("r or s");
      }
      (name == "adkim" ? record.dkim_alignment : record.spf_alignment) = a;
    } else if (name == "pct") {
      auto pct = ParseNumber(value, 3);
      if (!pct || *pct > 100) return bad_value("a whole number from 0 to 100");
      record.percent = static_cast<int>(*pct);
    } else if (name == "ri") {
      auto ri = ParseNumber(value, 10);
      if (!ri || *ri > std::numeric_limits<std::uint32_t>::max()) {
        return bad_value("a number of seconds");
      }
      record.report_interval = static_cast<std::uint32_t>(*ri);
    } else if (name == "fo") {
      record.failure_options = ColonList(value);
      for (const std::string& fo : record.failure_options) {
        if (fo != "0" && fo != "1" && fo != "d" && fo != "s") {
          return bad_value("a colon-separated list of 0, 1, d, s");
        }
      }
    } else if (name == "rf") {
      record.report_formats = ColonList(value);
      for (const std::string& rf : record.report_formats) {
        if (rf != "afrf") return bad_value("afrf");
      }
    } else if (name == "psd") {
      const char c = value.size() == 1 ? static_cast<char>(value[0] | 0x20) : '\0';
      if (c != 'y' && c != 'n' && c != 'u') return bad_value("y, n or u");
      record.public_suffix = c;
    } else if (name == "t") {
      if (EqualsIgnoreCase(value, "y")) {
        record.testing = true;
      } else if (!EqualsIgnoreCase(value, "n")) {
        return bad_value("y or n");
      }
    } else if (name == "rua") {
      record.aggregate_reports = ParseUriList(value);
    } else if (name == "ruf") {
      record.failure_reports = ParseUriList(value);
    } else {
      record.unknown_tags.push_back(name);
    }
  }
  return record;
}

RecordKind ClassifyRecord(std::string_view text) {
  if (VersionPrefixLength(text) > 0) return RecordKind::kDmarc;
  std::string lower = AsciiLower(TrimWhitespace(text));
  std::string compact;
  for (char c : lower) {
    if (!IsWsp(c)) compact += c;
  }
  if (compact.starts_with("v=dmarc") || compact.find("v=dmarc1") != std::string::npos) {
    return RecordKind::kLookalike;
  }
  return RecordKind::kOther;
}

}  // namespace mdo::checks::dmarc
