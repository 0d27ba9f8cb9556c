#include "report/report_text.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>

#include "common/strings.h"

namespace mdo::report {
namespace {

using checks::CheckStatus;
using checks::Finding;
using checks::Severity;

struct Hint {
  std::string_view code;
  std::string_view fix;
};

constexpr std::array kHints = std::to_array<Hint>({
    {"SPFMissing",
     "Publish one TXT record at the domain starting with \"v=spf1\" that lists your "
     "senders and ends in \"-all\" or \"~all\"."},
    {"SPFMultipleRecords",
     "Merge the SPF records into one: receivers treat several as a "
     "permanent error."},
    {"SPFSyntaxError",
     "Correct the record's syntax at the position the message names "
     "(RFC 7208 section 4.6)."},
    {"SPFTooManyLookups",
     "Cut DNS-querying terms (include, a, mx, ptr, exists, redirect) to 10 or "
     "fewer, e.g. replace includes with ip4:/ip6: ranges."},
    {"SPFTooManyVoidLookups", "Remove terms whose names no longer exist or have no records."},
    {"SPFIncludeLoop",
     "Remove the include or redirect that leads back to a record already "
     "being evaluated."},
    {"SPFIncludeMissing", "Fix or remove the include whose domain publishes no SPF record."},
    {"SPFPassAll", "Replace \"+all\" (anyone may send) with \"-all\" or \"~all\"."},
    {"SPFNeutralAll",
     "Replace \"?all\" with \"-all\" or \"~all\" so receivers can reject "
     "forgeries."},
    {"SPFNoAll", "End the record with \"-all\" (or \"~all\" while rolling out)."},
    {"SPFSoftFailAll", "Switch \"~all\" to \"-all\" once every sender is listed."},
    {"SPFPtrUsed", "Replace the ptr mechanism with ip4:/ip6: or a: terms (RFC 7208 5.5)."},
    {"SPFRecordTooLong",
     "Shorten the record below 450 bytes, e.g. by moving ranges into an "
     "included record."},
    {"SPFSenderNotAuthorized",
     "Add the sending IP (ip4:/ip6: or the provider's include) to the "
     "SPF record, or stop sending from it."},
    {"SPFDNSError",
     "Check the domain's name servers; the SPF result is unknown until they "
     "answer."},
    {"DKIMKeyMissing",
     "Publish the selector's public key as TXT at SELECTOR._domainkey.DOMAIN, "
     "or remove the selector from the spec."},
    {"DKIMKeyRevoked",
     "Publish a new key under a new selector and sign with it; the empty p= "
     "revokes this one."},
    {"DKIMKeyInvalid", "Republish the key: p= must be the base64 public key of the k= type."},
    {"DKIMKeyWeak",
     "Generate a 2048-bit RSA (or Ed25519) key, publish it under a new selector "
     "and rotate signing to it."},
    {"DKIMSyntaxError", "Fix the key record's tag=value syntax (RFC 6376 3.6.1)."},
    {"SPFTooManyMXRecords",
     "Point the mx term at a domain with at most 10 MX records, or use "
     "ip4:/ip6: ranges instead."},
    {"SPFRedirectIgnored", "Remove redirect= (it is never used after \"all\") or the all term."},
    {"SPFAnalysisIncomplete", "Simplify the include tree; only part of it could be analysed."},
    {"DKIMServiceNotEmail", "Use s=email or remove s= from the key record."},
    {"DKIMKeyDelegated", "Nothing to do: the selector is delegated (CNAME) to another name."},
    {"DMARCRecordAtApex", "Move the v=DMARC1 record from the domain to _dmarc.DOMAIN."},
    {"DMARCTestingMode", "Remove t=y so receivers apply the full policy."},
    {"DMARCDiscoveryMismatch",
     "Publish a DMARC record at _dmarc.DOMAIN itself, so every receiver "
     "finds the same one."},
    {"DMARCUnknownTag", "Remove or correct the tags receivers ignore."},
    {"DMARCTooManyReportDestinations",
     "List fewer report destinations; receivers use at most "
     "two."},
    {"CheckSkipped", "Enable or select the check to run it."},
    {"DKIMMultipleRecords", "Keep exactly one TXT record at the selector's name."},
    {"DKIMTestingMode", "Remove t=y once signing works, so receivers enforce DKIM."},
    {"DKIMSha1Only", "Allow sha256 in h= (or drop h=) and sign with rsa-sha256 (RFC 8301)."},
    {"DKIMNoSelectors",
     "List the DKIM selectors your senders sign with in spec.dkim.selectors "
     "(or --dkim-selector)."},
    {"DKIMDNSError", "Check the domain's name servers; the key could not be read."},
    {"DMARCMissing",
     "Publish TXT \"v=DMARC1; p=none; rua=mailto:...\" at _dmarc.DOMAIN, then "
     "tighten the policy."},
    {"DMARCMultipleRecords", "Keep exactly one v=DMARC1 record at _dmarc.DOMAIN."},
    {"DMARCSyntaxError",
     "Fix the record: \"v=DMARC1\" first, then tag=value pairs separated by "
     "semicolons."},
    {"DMARCPolicyNone",
     "Move p= to quarantine, then reject, once reports show your mail "
     "aligns."},
    {"DMARCPolicyBelowMinimum", "Raise p= to at least the spec's minimumPolicy."},
    {"DMARCPartialPercentage", "Set pct=100 (or remove pct) so the policy covers all mail."},
    {"DMARCNoReports", "Add rua=mailto:ADDRESS to receive aggregate reports."},
    {"DMARCInvalidReportURI", "Use mailto: URIs with a valid address in rua=/ruf=."},
    {"DMARCExternalReportUnauthorized",
     "Have the report domain publish TXT \"v=DMARC1\" at "
     "DOMAIN._report._dmarc.REPORTDOMAIN (RFC 7489 7.1)."},
    {"DMARCInherited", "Publish a record at _dmarc.DOMAIN if this domain needs its own policy."},
    {"DMARCDNSError", "Check the domain's name servers; the DMARC record could not be read."},
    {"MXMissing",
     "Publish MX records naming your mail servers, or a null MX (\"0 .\") with "
     "spec.mx.required false for send-only domains."},
    {"MXNull",
     "Publish real MX records if the domain receives mail; otherwise set "
     "spec.mx.required to false (and never mix a null MX with other MX records)."},
    {"MXTargetUnresolvable", "Give the MX target an A/AAAA record or remove that MX record."},
    {"MXTargetCNAME", "Point the MX record at the canonical host name, not an alias."},
    {"MXTargetIPLiteral",
     "Point the MX record at a host name that has the address as its A/AAAA "
     "record."},
    {"MXTooManyHosts", "Publish a handful of MX hosts; senders try only a few."},
    {"MXDNSError", "Check the domain's name servers; the MX hosts could not be read."},
    {"ReverseDNSMissing",
     "Ask whoever owns the address block (hosting provider, ISP) to set the "
     "PTR record to the host's name."},
    {"ReverseDNSMismatch",
     "Make the PTR name resolve back: publish an A/AAAA record for it with "
     "this address, or change the PTR."},
    {"ReverseDNSError", "Check the reverse zone's name servers; the PTR could not be read."},
    {"Blacklisted",
     "Fix the cause (compromised account, open relay, bad list hygiene), then "
     "request removal on the list's website."},
    {"BlacklistRefused",
     "Query blacklists through your own recursive resolver (not a public "
     "one) and stay within the list's free-use terms."},
    {"BlacklistZoneUntrusted",
     "Check the zone name; remove zones that fail the RFC 5782 test "
     "entries."},
    {"BlacklistDNSError", "Check the resolver's connectivity to the list's name servers."},
});

std::string_view Color(CheckStatus s) {
  switch (s) {
    case CheckStatus::kFail:
      return "\x1b[1;31m";
    case CheckStatus::kError:
      return "\x1b[1;35m";
    case CheckStatus::kWarn:
      return "\x1b[1;33m";
    case CheckStatus::kPass:
      return "\x1b[1;32m";
    case CheckStatus::kSkipped:
      return "\x1b[2m";
  }
  return "";
}

CheckStatus AsStatus(Severity s) {
  switch (s) {
    case Severity::kFail:
      return CheckStatus::kFail;
    case Severity::kError:
      return CheckStatus::kError;
    case Severity::kWarn:
      return CheckStatus::kWarn;
    case Severity::kInfo:
      return CheckStatus::kSkipped;
  }
  return CheckStatus::kSkipped;
}

int Rank(Severity s) {
  switch (s) {
    case Severity::kFail:
      return 3;
    case Severity::kError:
      return 2;
    case Severity::kWarn:
      return 1;
    case Severity::kInfo:
      return 0;
  }
  return 0;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return out;
}

std::string Pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

// DNS data can carry control bytes; a terminal must never receive them raw (an escape sequence
// in a TXT record could rewrite the screen). Quotes and UTF-8 stay as they are.
std::string Printable(std::string_view s, std::size_t max_len = 300) {
  std::string out;
  for (unsigned char c : s.substr(0, max_len)) {
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > max_len) out += "...";
  return out;
}

std::string StringField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// One line summarising what the check looked at.
std::string Summary(CheckKind kind, const nlohmann::json& j) {
  switch (kind) {
    case CheckKind::kSpf:
    case CheckKind::kDmarc:
      return Printable(StringField(j, "record"), 120);
    case CheckKind::kDkim: {
      std::string out;
      if (auto it = j.find("selectors"); it != j.end() && it->is_array()) {
        for (const auto& s : *it) {
          if (!s.is_object()) continue;
          out += (out.empty() ? "" : ", ") + Printable(StringField(s, "selector"), 60);
          if (auto bits = s.find("keyBits"); bits != s.end() && bits->is_number() && *bits > 0) {
            out += " (" + StringField(s, "keyType") + " " + bits->dump() + ")";
          }
        }
      }
      return out;
    }
    case CheckKind::kMx: {
      std::string out;
      if (auto it = j.find("hosts"); it != j.end() && it->is_array()) {
        for (const auto& h : *it) {
          out += (out.empty() ? "" : ", ") + Printable(StringField(h, "host"), 80);
        }
      }
      return out;
    }
    case CheckKind::kRdns: {
      std::string out;
      if (auto it = j.find("addresses"); it != j.end() && it->is_array()) {
        for (const auto& a : *it) {
          out += (out.empty() ? "" : ", ") + StringField(a, "ip");
          if (auto p = a.find("ptr"); p != a.end() && p->is_array() && !p->empty()) {
            out += " -> " + Printable(p->at(0).is_string() ? p->at(0).get<std::string>() : "", 80);
          }
        }
      }
      return out;
    }
    case CheckKind::kBlacklists: {
      if (!j.contains("queries")) return "";
      const auto listings = j.contains("listings") ? j["listings"].size() : 0;
      return std::to_string(listings) + " listing" + (listings == 1 ? "" : "s") + " in " +
             j["queries"].dump() + " queries";
    }
  }
  return "";
}

}  // namespace

std::string_view FixHint(std::string_view code) {
  for (const Hint& h : kHints) {
    if (h.code == code) return h.fix;
  }
  return "";
}

std::string RenderText(const DomainReport& report, const TextOptions& options) {
  auto paint = [&](CheckStatus s, std::string text) {
    if (!options.color) return text;
    return std::string(Color(s)) + text + "\x1b[0m";
  };
  std::string out = paint(report.status, Upper(checks::ToString(report.status))) + "  " +
                    report.domain + "  (checked " + FormatRfc3339(report.checked_at) + ")\n";

  std::vector<std::pair<CheckKind, const CheckBlock*>> blocks;
  for (const auto& [kind, block] : report.checks) blocks.emplace_back(kind, &block);
  // Worst first; ties keep the report's order.
  std::stable_sort(blocks.begin(), blocks.end(), [](const auto& a, const auto& b) {
    return a.second->status > b.second->status;
  });

  for (const auto& [kind, block] : blocks) {
    out += "\n  " + paint(block->status, Pad(Upper(checks::ToString(block->status)), 8)) +
           Pad(std::string(ToString(kind)), 11);
    if (block->status == CheckStatus::kSkipped) {
      // One line: why it was skipped.
      std::string why;
      for (const Finding& f : block->findings) why += (why.empty() ? "" : " ") + f.message;
      out += Printable(why, 1000) + "\n";
      continue;
    }
    out += Summary(kind, block->json) + "\n";
    std::vector<const Finding*> findings;
    for (const Finding& f : block->findings) findings.push_back(&f);
    std::stable_sort(findings.begin(), findings.end(), [](const Finding* a, const Finding* b) {
      return Rank(a->severity) > Rank(b->severity);
    });
    for (const Finding* f : findings) {
      out += "          " +
             paint(AsStatus(f->severity), Pad(std::string(ToString(f->severity)), 6)) + f->code +
             ": " + Printable(f->message, 1000) + "\n";
      const std::string_view hint = FixHint(f->code);
      if (!hint.empty() && f->severity != Severity::kInfo) {
        out += "                fix: " + std::string(hint) + "\n";
      }
    }
  }
  return out;
}

}  // namespace mdo::report
