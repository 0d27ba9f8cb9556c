#include "checks/mx/mx_check.h"

#include <algorithm>
#include <set>
#include <utility>

#include "checks/questions.h"
#include "common/strings.h"
#include "net/ip_address.h"

namespace mdo::checks::mx {
namespace {

using checks::Finding;
using checks::Severity;
using dns::Answer;
using dns::Outcome;
using dns::RecordType;

std::string Describe(const Answer& a) {
  std::string text(dns::ToString(a.outcome));
  if (!a.error.empty()) text += " (" + a.error + ")";
  return text;
}

// An MX target written as an address: "192.0.2.1", or bracketed address literals some people
// try to publish ("[192.0.2.1]" cannot be a DNS label, but a zone file can still carry it).
bool LooksLikeIpLiteral(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return net::IpAddress::Parse(host).has_value();
}

}  // namespace

MxCheckResult CheckMx(dns::Resolver& resolver, std::string_view domain_in,
                      const MxCheckOptions& options) {
  MxCheckResult result;
  const std::string domain = NormalizeDnsName(domain_in);
  const Answer mx = Ask(resolver, domain, RecordType::kMx);

  if (dns::IsFailure(mx.outcome)) {
    result.findings.push_back({"MXDNSError", Severity::kError,
                               "The MX lookup for " + domain + " failed: " + Describe(mx) +
                                   "; check the domain's name servers."});
    result.status = checks::StatusFromFindings(result.findings);
    return result;
  }
  if (mx.outcome != Outcome::kData || mx.mx.empty()) {
    const std::string why = mx.outcome == Outcome::kNxDomain ? " (the domain does not exist)" : "";
    if (options.required) {
      result.findings.push_back(
          {"MXMissing", Severity::kFail,
           domain + " publishes no MX record" + why +
               ", so mail to it is refused or falls back to its A record; publish MX records "
               "naming the mail servers."});
    } else {
      result.findings.push_back(
          {"MXMissing", Severity::kInfo,
           domain + " publishes no MX record" + why +
               "; for a send-only domain publish a null MX (\"MX 0 .\", RFC 7505) so senders "
               "fail fast instead of trying its A record."});
    }
    result.status = checks::StatusFromFindings(result.findings);
    return result;
  }

  std::vector<dns::MxRecord> records = mx.mx;
  const bool has_null = std::any_of(records.begin(), records.end(),
                                    [](const dns::MxRecord& r) { return r.exchange.empty(); });
  if (has_null) {
    if (records.size() > 1) {
      result.findings.push_back(
          {"MXNull", Severity::kFail,
           domain + " publishes a null MX (\"0 .\") together with other MX records; RFC 7505 "
                    "forbids the mix: remove the null MX, or the other records if the domain "
                    "accepts no mail."});
    } else {
      result.null_mx = true;
      if (options.required) {
        result.findings.push_back(
            {"MXNull", Severity::kFail,
             domain + " publishes a null MX (RFC 7505) and accepts no mail, but its spec "
                      "requires MX; publish real MX records or set spec.mx.required to false."});
      } else {
        result.findings.push_back({"MXNull", Severity::kInfo,
                                   domain + " publishes a null MX (RFC 7505): it accepts no mail, "
                                            "as a send-only domain should."});
      }
      result.status = checks::StatusFromFindings(result.findings);
      return result;
    }
  }
  std::erase_if(records, [](const dns::MxRecord& r) { return r.exchange.empty(); });
  std::sort(records.begin(), records.end(), [](const dns::MxRecord& a, const dns::MxRecord& b) {
    return std::tie(a.preference, a.exchange) < std::tie(b.preference, b.exchange);
  });
  // The same host under two preferences is pointless; keep its best preference.
  std::set<std::string> seen;
  std::erase_if(records, [&](const dns::MxRecord& r) { return !seen.insert(r.exchange).second; });
  if (records.size() > kMaxMxHosts) {
    result.findings.push_back({"MXTooManyHosts", Severity::kWarn,
                               domain + " publishes " + std::to_string(records.size()) +
                                   " MX hosts; only the first " + std::to_string(kMaxMxHosts) +
                                   " were checked, and senders try few of them."});
    records.resize(kMaxMxHosts);
  }

  // Every target's A and AAAA questions go out at once.
  struct Pending {
    dns::MxRecord record;
    bool literal = false;
    std::size_t a = 0, aaaa = 0;  // indexes in `batch`
  };
  QuestionBatch batch(resolver);
  std::vector<Pending> pending;
  pending.reserve(records.size());
  for (const dns::MxRecord& r : records) {
    Pending p{r, LooksLikeIpLiteral(r.exchange)};
    if (!p.literal) {
      p.a = batch.Add(r.exchange, RecordType::kA);
      p.aaaa = batch.Add(r.exchange, RecordType::kAaaa);
    }
    pending.push_back(std::move(p));
  }

  std::size_t resolved = 0;
  std::vector<Finding> unresolvable;
  for (Pending& p : pending) {
    MxHost host{p.record.exchange, p.record.preference, {}};
    if (p.literal) {
      result.findings.push_back(
          {"MXTargetIPLiteral", Severity::kFail,
           "The MX record of " + domain + " points at the address " + p.record.exchange +
               "; MX targets must be host names (RFC 5321 5.1): name the host and give it "
               "an A/AAAA record."});
      result.hosts.push_back(std::move(host));
      continue;
    }
    const Answer& a = batch.Get(p.a);
    const Answer& aaaa = batch.Get(p.aaaa);
    for (const Answer* ans : {&a, &aaaa}) {
      if (ans->ok()) {
        host.addresses.insert(host.addresses.end(), ans->records.begin(), ans->records.end());
      }
    }
    const bool alias = !a.cname_chain.empty() || !aaaa.cname_chain.empty();
    if (alias) {
      const std::string& target =
          !a.cname_chain.empty() ? a.canonical_name() : aaaa.canonical_name();
      result.findings.push_back(
          {"MXTargetCNAME", Severity::kWarn,
           "MX target " + p.record.exchange + " of " + domain + " is an alias (CNAME to " + target +
               "); RFC 5321 5.1 and RFC 2181 10.3 require the MX to name the host "
               "itself: point the MX at " +
               target + "."});
    }
    if (!host.addresses.empty()) {
      ++resolved;
    } else if (dns::IsFailure(a.outcome) || dns::IsFailure(aaaa.outcome)) {
      const Answer& failed = dns::IsFailure(a.outcome) ? a : aaaa;
      result.findings.push_back({"MXDNSError", Severity::kError,
                                 "Resolving MX target " + p.record.exchange + " of " + domain +
                                     " failed: " + Describe(failed) + "."});
    } else {
      unresolvable.push_back(
          {"MXTargetUnresolvable", Severity::kFail,
           "MX target " + p.record.exchange + " of " + domain +
               " has no A or AAAA record, so mail cannot be delivered to it; publish its "
               "addresses or remove the MX record."});
    }
    result.hosts.push_back(std::move(host));
  }
  // A dead backup MX delays mail but does not stop it while another host resolves.
  for (Finding& f : unresolvable) {
    if (resolved > 0) f.severity = Severity::kWarn;
    result.findings.push_back(std::move(f));
  }
  result.status = checks::StatusFromFindings(result.findings);
  return result;
}

}  // namespace mdo::checks::mx
