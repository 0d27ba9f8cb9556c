// The DKIM public key record published at SELECTOR._domainkey.DOMAIN (RFC 6376 section 3.6.1,
// RFC 8463 for ed25519). Parsing is pure: text in, typed record or error with a position out;
// judging the record (key type allowed, key size, flags) is the check's job.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "checks/dkim/tag_list.h"
#include "common/result.h"

namespace mdo::checks::dkim {

struct KeyRecord {
  bool has_version = false;                     // v=DKIM1 was present (it is optional)
  std::string key_type = "rsa";                 // k=, lower-case; RFC 6376 default "rsa"
  std::vector<std::string> hash_algorithms;     // h=, lower-case; empty means "all allowed"
  std::vector<std::string> service_types{"*"};  // s=, lower-case; default "*"
  std::vector<std::string> flags;               // t=, lower-case ("y" testing, "s" strict)
  std::string notes;                            // n=
  std::string public_key_base64;          // p= with folding whitespace removed; empty = revoked
  std::vector<std::uint8_t> public_key;   // p= decoded
  std::vector<std::string> unknown_tags;  // ignored, as RFC 6376 requires

  bool revoked() const { return public_key_base64.empty(); }
  bool HasFlag(std::string_view flag) const;
  bool AllowsService(std::string_view service) const;  // "*" or the service itself
};

// Parses a key record: the tag list, v= first and exactly "DKIM1" when present, p= required and
// valid base64 (folding whitespace allowed), colon lists in h=, s=, t= well formed.
Result<KeyRecord, ParseError> ParseKeyRecord(std::string_view text);

// True when a TXT record claims to be a DKIM key record: it starts with "v=DKIM" or has a p= tag
// (even if the rest does not parse). Tells key records from unrelated TXT records at one name.
bool LooksLikeKeyRecord(std::string_view text);

// Strict base64 (RFC 4648 alphabet, "=" padding optional, whitespace skipped). Error positions
// are offsets into `text`.
Result<std::vector<std::uint8_t>, ParseError> DecodeBase64(std::string_view text);

}  // namespace mdo::checks::dkim
