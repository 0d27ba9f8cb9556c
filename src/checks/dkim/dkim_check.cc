#include "checks/dkim/dkim_check.h"

#include <algorithm>
#include <set>

#include "checks/dkim/key_record.h"
#include "checks/dkim/public_key.h"
#include "checks/questions.h"
#include "common/strings.h"

namespace mdo::checks::dkim {

namespace {

using checks::Finding;
using checks::Severity;

// RFC 8301 section 3.2: verifiers must not accept RSA keys under 1024 bits.
constexpr int kMinimumRsaBits = 1024;

void Add(DkimSelectorResult& result, std::string code, Severity severity, std::string message) {
  result.findings.push_back(Finding{std::move(code), severity, std::move(message)});
}

bool IsValidLabelChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// A selector is one or more DNS labels (RFC 6376 section 3.1).
bool IsValidSelector(std::string_view selector) {
  if (selector.empty()) return false;
  for (std::string_view label : Split(selector, '.')) {
    if (label.empty() || label.size() > 63) return false;
    if (!std::all_of(label.begin(), label.end(), IsValidLabelChar)) return false;
  }
  return true;
}

std::string DescribeOutcome(const dns::Answer& answer) {
  std::string text(dns::ToString(answer.outcome));
  if (!answer.error.empty()) text += " (" + answer.error + ")";
  return text;
}

std::string JoinChain(const std::vector<std::string>& chain) {
  std::string out;
  for (const std::string& name : chain) {
    if (!out.empty()) out += " -> ";
    out += name;
  }
  return out;
}

void JudgeAnswer(const dns::Answer& answer, const DkimCheckOptions& options,
                 DkimSelectorResult& result) {
  result.cname_chain = answer.cname_chain;
  if (!answer.cname_chain.empty()) {
    Add(result, "DKIMKeyDelegated", Severity::kInfo,
        "DKIM key for selector " + result.selector + " is delegated by CNAME: " + result.name +
            " -> " + JoinChain(answer.cname_chain) + ".");
  }
  if (dns::IsFailure(answer.outcome)) {
    Add(result, "DKIMDNSError", Severity::kError,
        "Could not look up the DKIM key at " + result.name + ": " + DescribeOutcome(answer) +
            "; the selector's state is unknown until the DNS answers.");
    return;
  }
  const std::string where = answer.cname_chain.empty()
                                ? result.name
                                : result.name + " (alias of " + answer.canonical_name() + ")";
  if (dns::IsNegative(answer.outcome)) {
    Add(result, "DKIMKeyMissing", Severity::kFail,
        "No DKIM key record at " + where + " (" +
            (answer.outcome == dns::Outcome::kNxDomain ? "the name does not exist"
                                                       : "no TXT record") +
            "); publish selector " + result.selector + "'s public key there as a TXT record.");
    return;
  }
  std::vector<const std::string*> keys;
  for (const std::string& text : answer.records) {
    if (LooksLikeKeyRecord(text)) keys.push_back(&text);
  }
  if (keys.empty()) {
    Add(result, "DKIMKeyMissing", Severity::kFail,
        "None of the " + std::to_string(answer.records.size()) + " TXT records at " + where +
            " is a DKIM key record; publish selector " + result.selector + "'s public key there.");
    return;
  }
  if (keys.size() > 1) {
    result.record = *keys.front();
    Add(result, "DKIMMultipleRecords", Severity::kFail,
        std::to_string(keys.size()) + " DKIM key records at " + where +
            "; verifiers pick one at random, so keep exactly one key record per selector.");
    return;
  }
  result.record = *keys.front();
  JudgeKeyRecord(result.record, options, result);
}

}  // namespace

void JudgeKeyRecord(std::string_view text, const DkimCheckOptions& options,
                    DkimSelectorResult& result) {
  const std::string& sel = result.selector;
  const std::string name = result.name.empty() ? sel : result.name;
  auto parsed = ParseKeyRecord(text);
  if (!parsed.ok()) {
    Add(result, "DKIMSyntaxError", Severity::kFail,
        "DKIM key record at " + name + " is invalid: " + DescribeParseError(parsed.error()) +
            " in " + QuoteForMessage(text, 120) + ".");
    return;
  }
  const KeyRecord& key = *parsed;
  result.key_type = key.key_type;
  if (key.revoked()) {
    Add(result, "DKIMKeyRevoked", Severity::kFail,
        "DKIM key for selector " + sel + " at " + name +
            " is revoked (empty p=); sign with another selector or publish a new key.");
    return;
  }
  if (key.key_type != "rsa" && key.key_type != "ed25519") {
    Add(result, "DKIMKeyInvalid", Severity::kFail,
        "DKIM key at " + name + " has unsupported key type k=" + QuoteForMessage(key.key_type, 40) +
            "; use k=rsa or k=ed25519.");
    return;
  }
  if (!key.AllowsService("email")) {
    std::string services;
    for (const std::string& s : key.service_types) services += (services.empty() ? "" : ":") + s;
    Add(result, "DKIMServiceNotEmail", Severity::kFail,
        "DKIM key at " + name + " is restricted to s=" + services +
            ", so it cannot verify email; use s=email or remove the s= tag.");
  }
  if (!key.hash_algorithms.empty()) {
    auto has = [&](std::string_view alg) {
      return std::find(key.hash_algorithms.begin(), key.hash_algorithms.end(), alg) !=
             key.hash_algorithms.end();
    };
    if (!has("sha256")) {
      if (has("sha1")) {
        Add(result, "DKIMSha1Only", Severity::kWarn,
            "DKIM key at " + name +
                " allows only SHA-1 (h=sha1), which verifiers reject (RFC 8301); use h=sha256 "
                "or remove the h= tag.");
      } else {
        Add(result, "DKIMKeyInvalid", Severity::kFail,
            "DKIM key at " + name +
                " lists no hash algorithm verifiers support in h=; use h=sha256 or remove the h= "
                "tag.");
      }
    }
  }
  if (key.HasFlag("y")) {
    result.testing = true;
    Add(result, "DKIMTestingMode", Severity::kWarn,
        "DKIM key at " + name +
            " is in testing mode (t=y), so verifiers may treat its signatures as unsigned; "
            "remove y from t= once signing works.");
  }
  auto decoded = DecodePublicKey(key.key_type, key.public_key);
  if (!decoded.ok()) {
    Add(result, "DKIMKeyInvalid", Severity::kFail,
        "DKIM key at " + name + " cannot be used: " + decoded.error().message +
            "; republish the public key from the signing key pair.");
    return;
  }
  result.key_bits = decoded->bits;
  if (key.key_type == "rsa") {
    const std::string bits = std::to_string(decoded->bits);
    if (decoded->bits < kMinimumRsaBits) {
      Add(result, "DKIMKeyWeak", Severity::kFail,
          "DKIM key at " + name + " is RSA " + bits +
              " bits; verifiers reject keys under 1024 bits (RFC 8301): rotate to a 2048-bit "
              "key.");
    } else if (decoded->bits < options.minimum_key_bits) {
      Add(result, "DKIMKeyWeak", Severity::kWarn,
          "DKIM key at " + name + " is RSA " + bits + " bits, below the required " +
              std::to_string(options.minimum_key_bits) + "; rotate to a key of at least " +
              std::to_string(options.minimum_key_bits) + " bits.");
    }
  }
}

std::optional<std::string> SelectorName(std::string_view selector, std::string_view domain) {
  std::string name = AsciiLower(selector) + "._domainkey." + NormalizeDnsName(domain);
  if (!IsValidSelector(selector) || name.size() > 253) return std::nullopt;
  return name;
}

DkimCheckResult CheckDkim(dns::Resolver& resolver, std::string_view domain,
                          const DkimCheckOptions& options) {
  DkimCheckResult result;
  const std::string zone = NormalizeDnsName(domain);
  if (options.selectors.empty()) {
    result.findings.push_back(Finding{
        "DKIMNoSelectors", Severity::kWarn,
        "No DKIM selectors are declared for " + zone +
            "; declare the selectors your mail services sign with so their keys are checked."});
    result.status = checks::StatusFromFindings(result.findings);
    return result;
  }

  // Every selector is an independent name: ask all questions at once.
  std::set<std::string> seen;
  QuestionBatch batch(resolver);
  constexpr std::size_t kNotAsked = static_cast<std::size_t>(-1);
  std::vector<std::size_t> asked;
  for (const std::string& selector : options.selectors) {
    std::string key = AsciiLower(selector);
    if (!seen.insert(key).second) continue;
    DkimSelectorResult& sel = result.selectors.emplace_back();
    sel.selector = selector;
    sel.name = key + "._domainkey." + zone;
    if (!IsValidSelector(selector) || sel.name.size() > 253) {
      Add(sel, "DKIMSyntaxError", Severity::kFail,
          "Selector " + QuoteForMessage(selector, 80) +
              " is not a valid DNS name; a selector is one or more labels of letters, digits "
              "and hyphens.");
      asked.push_back(kNotAsked);
      continue;
    }
    asked.push_back(batch.Add(sel.name, dns::RecordType::kTxt));
  }
  for (std::size_t i = 0; i < result.selectors.size(); ++i) {
    DkimSelectorResult& sel = result.selectors[i];
    if (asked[i] != kNotAsked) JudgeAnswer(batch.Get(asked[i]), options, sel);
    sel.status = checks::StatusFromFindings(sel.findings);
    result.status = checks::Worst(result.status, sel.status);
  }
  result.status = checks::Worst(result.status, checks::StatusFromFindings(result.findings));
  return result;
}

}  // namespace mdo::checks::dkim
