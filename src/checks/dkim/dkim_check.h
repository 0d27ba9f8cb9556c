// The DKIM check: each declared selector's key record at SELECTOR._domainkey.DOMAIN is present,
// unique, well formed, not revoked, a usable key of an accepted type and size (RFC 6376,
// RFC 8301, RFC 8463). Codes and severities are documented in docs/dkim.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/finding.h"
#include "dns/resolver.h"

namespace mdo::checks::dkim {

struct DkimCheckOptions {
  std::vector<std::string> selectors;
  // Keys below this size warn (DKIMKeyWeak, warn); below 1024 bits they fail (RFC 8301).
  int minimum_key_bits = 2048;
};

struct DkimSelectorResult {
  std::string selector;
  checks::CheckStatus status = checks::CheckStatus::kPass;
  std::string key_type;  // "rsa", "ed25519", or k= as published; "" when no record was read
  int key_bits = 0;      // 0 when the key could not be decoded
  std::string record;    // the key record's text ("" when none was found)
  std::vector<checks::Finding> findings;
  std::string name;                      // the name queried: SELECTOR._domainkey.DOMAIN
  std::vector<std::string> cname_chain;  // aliases followed to reach the record, in order
  bool testing = false;                  // t=y
};

struct DkimCheckResult {
  checks::CheckStatus status = checks::CheckStatus::kPass;
  std::vector<DkimSelectorResult> selectors;
  std::vector<checks::Finding> findings;  // findings about the check as a whole
};

// Queries every selector concurrently and judges each record. `domain` is the A-label form.
DkimCheckResult CheckDkim(dns::Resolver& resolver, std::string_view domain,
                          const DkimCheckOptions& options);

// The TXT name CheckDkim asks for `selector` ("<selector>._domainkey.<domain>", lower-case), or
// nullopt when the selector is not a valid name (then nothing is asked).
std::optional<std::string> SelectorName(std::string_view selector, std::string_view domain);

// Judges one key record's text (the part of the check that needs no DNS). Appends findings to
// `result` and fills key_type, key_bits and testing. Exposed for tests.
void JudgeKeyRecord(std::string_view text, const DkimCheckOptions& options,
                    DkimSelectorResult& result);

}  // namespace mdo::checks::dkim
