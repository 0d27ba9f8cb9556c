// The DMARC policy record (RFC 7489 section 6.3, RFC 9989). Parsing is pure: text in, typed
// record or error with a position out. Judging the policy is the check's job.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace mdo::checks::dmarc {

enum class DmarcPolicy { kNone, kQuarantine, kReject };
std::string_view ToString(DmarcPolicy policy);
// "none", "quarantine" or "reject", case-insensitively.
std::optional<DmarcPolicy> ParsePolicy(std::string_view text);

enum class Alignment { kRelaxed, kStrict };

struct ParseError {
  std::string message;
  std::size_t position = 0;  // 0-based byte offset
};
// "... at character N" (1-based) for messages.
std::string DescribeParseError(const ParseError& error);

// One rua= or ruf= entry. A URI that cannot be used keeps its text and says why in `error`:
// receivers skip such entries, the rest of the record stays valid.
struct ReportUri {
  std::string text;                       // as published, trimmed
  std::string scheme;                     // lower-case, "" when there is none
  std::string address;                    // mailto: the percent-decoded address
  std::string domain;                     // mailto: the address's domain, lower-case
  std::optional<std::uint64_t> max_size;  // the "!size" suffix, in bytes
  std::string error;                      // non-empty: why the entry is unusable
  bool is_mailto() const { return scheme == "mailto" && error.empty(); }
};

struct DmarcRecord {
  std::optional<DmarcPolicy> policy;               // p=
  std::optional<DmarcPolicy> subdomain_policy;     // sp=
  std::optional<DmarcPolicy> nonexistent_policy;   // np= (RFC 9989)
  Alignment dkim_alignment = Alignment::kRelaxed;  // adkim=
  Alignment spf_alignment = Alignment::kRelaxed;   // aspf=
  std::optional<int> percent;                      // pct= (RFC 7489; removed in RFC 9989)
  std::vector<ReportUri> aggregate_reports;        // rua=
  std::vector<ReportUri> failure_reports;          // ruf=
  std::vector<std::string> failure_options;        // fo=, lower-case
  std::vector<std::string> report_formats;         // rf=, lower-case
  std::optional<std::uint32_t> report_interval;    // ri=, seconds
  std::optional<char> public_suffix;               // psd= 'y', 'n' or 'u' (RFC 9989)
  bool testing = false;                            // t=y (RFC 9989)
  std::vector<std::string> tags;                   // tag names in order, lower-case
  std::vector<std::string> unknown_tags;           // ignored, as both RFCs require

  bool HasTag(std::string_view name) const;
};

// Parses a record that must start with "v=DMARC1" (DMARC1 is case-sensitive). Rejects tags
// without "=", duplicate tags, and values outside each tag's grammar; unknown tags are kept in
// unknown_tags. Empty tags between ";" are tolerated.
Result<DmarcRecord, ParseError> ParseDmarcRecord(std::string_view text);

// How a TXT record at a _dmarc name is taken by receivers.
enum class RecordKind {
  kDmarc,      // starts with v=DMARC1: a DMARC record
  kLookalike,  // meant as DMARC but ignored: leading whitespace, v=dmarc1, v= not first, ...
  kOther,      // something else (an SPF record reached by wildcard, a verification token, ...)
};
RecordKind ClassifyRecord(std::string_view text);

}  // namespace mdo::checks::dmarc
