#include "checks/blacklists/blacklist_check.h"

#include <algorithm>
#include <set>
#include <utility>

#include "checks/questions.h"
#include "common/strings.h"

namespace mdo::checks::blacklists {
namespace {

using checks::Finding;
using checks::Severity;
using dns::Answer;
using dns::RecordType;

// A hostile list can answer with a huge RRset; a listing keeps this many codes.
constexpr std::size_t kMaxCodes = 16;
constexpr std::size_t kMaxReasonBytes = 512;

std::string Describe(const Answer& a) {
  std::string text(dns::ToString(a.outcome));
  if (!a.error.empty()) text += " (" + a.error + ")";
  return text;
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

// What a list's A answer says, codes classified.
struct Classified {
  std::vector<std::string> listed_codes;
  std::vector<std::string> listed_meanings;
  std::string refusal;  // non-empty when some code is a refusal
};

Classified Classify(std::string_view zone, const Answer& answer) {
  Classified c;
  if (!answer.ok()) return c;
  for (const std::string& record : answer.records) {
    std::optional<net::IpAddress> code = net::IpAddress::Parse(record);
    if (!code) continue;
    CodeMeaning m = InterpretCode(zone, *code);
    if (m.verdict == CodeVerdict::kRefused) {
      if (c.refusal.empty()) c.refusal = std::move(m.meaning);
    } else if (m.verdict == CodeVerdict::kListed && c.listed_codes.size() < kMaxCodes) {
      c.listed_codes.push_back(code->ToString());
      if (std::find(c.listed_meanings.begin(), c.listed_meanings.end(), m.meaning) ==
          c.listed_meanings.end()) {
        c.listed_meanings.push_back(std::move(m.meaning));
      }
    }
  }
  return c;
}

std::string SanitizeReason(const Answer& txt) {
  if (!txt.ok()) return "";
  std::string out;
  for (const std::string& r : txt.records) {
    if (!out.empty()) out += " ";
    out += r;
    if (out.size() >= kMaxReasonBytes) break;
  }
  if (out.size() > kMaxReasonBytes) out.resize(kMaxReasonBytes);
  for (char& ch : out) {
    const auto u = static_cast<unsigned char>(ch);
    if (u < 0x20 || u == 0x7f) ch = ' ';
  }
  return std::string(TrimWhitespace(out));
}

enum class ProbeState { kTrusted, kUntrusted, kRefused, kError };

// One zone as used for one kind of target: IPv4, IPv6 or domain test entries.
struct Probe {
  std::string zone;
  enum class Family { kV4, kV6, kDomain } family = Family::kV4;
  std::string key;
  std::optional<ProbeCache::Verdict> cached;
  std::size_t listed = 0, unlisted = 0;  // indexes in the check's QuestionBatch
  std::string listed_name, unlisted_name;
  ProbeState state = ProbeState::kError;
  std::string detail;
};

const char* FamilyWord(Probe::Family f) {
  switch (f) {
    case Probe::Family::kV4:
      return "IPv4";
    case Probe::Family::kV6:
      return "IPv6";
    case Probe::Family::kDomain:
      return "domain";
  }
  return "";
}

void Evaluate(Probe& p, QuestionBatch& batch) {
  if (p.cached) {
    p.state = p.cached->trusted ? ProbeState::kTrusted : ProbeState::kUntrusted;
    p.detail = p.cached->detail;
    return;
  }
  const Answer& listed = batch.Get(p.listed);
  const Answer& unlisted = batch.Get(p.unlisted);
  for (const Answer* a : {&listed, &unlisted}) {
    if (dns::IsFailure(a->outcome)) {
      p.state = ProbeState::kError;
      p.detail = "the test-entry lookup " + a->name + " failed: " + Describe(*a);
      return;
    }
    Classified c = Classify(p.zone, *a);
    if (!c.refusal.empty()) {
      p.state = ProbeState::kRefused;
      p.detail = c.refusal;
      return;
    }
  }
  if (Classify(p.zone, listed).listed_codes.empty()) {
    p.state = ProbeState::kUntrusted;
    p.detail = "it does not list the RFC 5782 test entry " + p.listed_name;
  } else if (!Classify(p.zone, unlisted).listed_codes.empty()) {
    p.state = ProbeState::kUntrusted;
    p.detail = "it lists " + p.unlisted_name +
               ", which RFC 5782 says must never be listed (a wildcard or a lapsed list domain)";
  } else {
    p.state = ProbeState::kTrusted;
  }
}

struct Lookup {
  std::string target;
  Probe* probe = nullptr;
  std::string name;
  std::size_t answer = 0;  // index in the check's QuestionBatch
};

}  // namespace

ProbeCache& ProbeCache::Default() {
  static ProbeCache* cache = new ProbeCache();  // never destroyed: used until exit
  return *cache;
}

std::optional<ProbeCache::Verdict> ProbeCache::Get(const std::string& key,
                                                   Clock::time_point now) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.expires <= now) return std::nullopt;
  return it->second.verdict;
}

void ProbeCache::Put(const std::string& key, Verdict verdict, Clock::time_point expires) {
  std::lock_guard lock(mu_);
  entries_[key] = Entry{std::move(verdict), expires};
}

void ProbeCache::Clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

std::string QueryName(const net::IpAddress& ip, std::string_view zone) {
  return ip.Unmapped().ReversedLabels() + "." + NormalizeDnsName(zone);
}

std::string QueryName(std::string_view domain, std::string_view zone) {
  return NormalizeDnsName(domain) + "." + NormalizeDnsName(zone);
}

BlacklistCheckResult CheckBlacklists(dns::Resolver& resolver,
                                     const BlacklistCheckOptions& options) {
  BlacklistCheckResult result;
  ProbeCache& cache = options.probe_cache ? *options.probe_cache : ProbeCache::Default();
  const auto now = ProbeCache::Clock::now();

  auto unique_names = [](const std::vector<std::string>& in) {
    std::vector<std::string> out;
    for (const std::string& s : in) {
      std::string n = NormalizeDnsName(s);
      if (!n.empty() && std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
    }
    return out;
  };
  const std::vector<std::string> ip_zones = unique_names(options.ip_zones);
  const std::vector<std::string> domain_zones = unique_names(options.domain_zones);
  const std::vector<std::string> domains = unique_names(options.domains);
  std::vector<net::IpAddress> ips;
  for (const net::IpAddress& ip : options.ips) {
    if (std::find(ips.begin(), ips.end(), ip.Unmapped()) == ips.end()) ips.push_back(ip.Unmapped());
  }
  const bool any_v4 = std::any_of(ips.begin(), ips.end(), [](auto& ip) { return ip.is_v4(); });
  const bool any_v6 = std::any_of(ips.begin(), ips.end(), [](auto& ip) { return ip.is_v6(); });

  // Probes first in the queue, but everything goes out at once: answers are only trusted after
  // the probe's verdict, which costs no extra round trip.
  std::vector<std::unique_ptr<Probe>> probes;
  QuestionBatch batch(resolver);
  auto add_probe = [&](const std::string& zone, Probe::Family family) -> Probe* {
    auto p = std::make_unique<Probe>();
    p->zone = zone;
    p->family = family;
    p->key = std::string(FamilyWord(family)) + " " + zone;
    switch (family) {
      case Probe::Family::kV4:
        p->listed_name = QueryName(*net::IpAddress::Parse("127.0.0.2"), zone);
        p->unlisted_name = QueryName(*net::IpAddress::Parse("127.0.0.1"), zone);
        break;
      case Probe::Family::kV6:
        // Not Unmapped(): the IPv6 test entries are the mapped addresses' 32 nibbles.
        p->listed_name = net::IpAddress::Parse("::ffff:7f00:2")->ReversedLabels() + "." + zone;
        p->unlisted_name = net::IpAddress::Parse("::ffff:7f00:1")->ReversedLabels() + "." + zone;
        break;
      case Probe::Family::kDomain:
        p->listed_name = "test." + zone;
        p->unlisted_name = "invalid." + zone;
        break;
    }
    p->cached = cache.Get(p->key, now);
    if (!p->cached) {
      p->listed = batch.Add(p->listed_name, RecordType::kA);
      p->unlisted = batch.Add(p->unlisted_name, RecordType::kA);
    }
    probes.push_back(std::move(p));
    return probes.back().get();
  };

  std::vector<Lookup> lookups;
  for (const std::string& zone : ip_zones) {
    Probe* v4 = any_v4 ? add_probe(zone, Probe::Family::kV4) : nullptr;
    Probe* v6 = any_v6 ? add_probe(zone, Probe::Family::kV6) : nullptr;
    for (const net::IpAddress& ip : ips) {
      Lookup l{ip.ToString(), ip.is_v4() ? v4 : v6, QueryName(ip, zone), {}};
      l.answer = batch.Add(l.name, RecordType::kA);
      lookups.push_back(std::move(l));
    }
  }
  for (const std::string& zone : domain_zones) {
    if (domains.empty()) break;
    Probe* p = add_probe(zone, Probe::Family::kDomain);
    for (const std::string& d : domains) {
      Lookup l{d, p, QueryName(d, zone), {}};
      l.answer = batch.Add(l.name, RecordType::kA);
      lookups.push_back(std::move(l));
    }
  }
  if (lookups.empty()) return result;  // skipped
  result.queries = static_cast<int>(lookups.size());

  for (auto& p : probes) {
    Evaluate(*p, batch);
    if (!p->cached && (p->state == ProbeState::kTrusted || p->state == ProbeState::kUntrusted)) {
      const bool trusted = p->state == ProbeState::kTrusted;
      cache.Put(p->key, {trusted, p->detail},
                now + (trusted ? options.trusted_ttl : options.untrusted_ttl));
    }
    switch (p->state) {
      case ProbeState::kTrusted:
        break;
      case ProbeState::kUntrusted:
        result.findings.push_back(
            {"BlacklistZoneUntrusted", Severity::kWarn,
             p->zone + " is not used for " + FamilyWord(p->family) + " lookups because " +
                 p->detail + "; check the zone name, or remove it from the list of zones."});
        break;
      case ProbeState::kRefused:
        result.findings.push_back(
            {"BlacklistRefused", Severity::kError,
             p->zone + " refused to answer (" + p->detail +
                 "); query it through your own recursive resolver, within the list's terms."});
        break;
      case ProbeState::kError:
        result.findings.push_back({"BlacklistDNSError", Severity::kError,
                                   "Could not verify " + p->zone + ": " + p->detail + "."});
        break;
    }
  }

  // Per zone, failed lookups and refusals become one finding each, not one per target.
  std::map<std::string, std::vector<std::string>> failed_targets;
  std::map<std::string, std::string> refused_zones;
  QuestionBatch reason_batch(resolver);
  std::vector<std::pair<std::size_t, std::size_t>> reasons;  // listing, index in reason_batch
  for (Lookup& l : lookups) {
    const Answer& answer = batch.Get(l.answer);
    if (l.probe->state != ProbeState::kTrusted) continue;
    if (dns::IsFailure(answer.outcome)) {
      failed_targets[l.probe->zone].push_back(l.target + " (" + Describe(answer) + ")");
      continue;
    }
    Classified c = Classify(l.probe->zone, answer);
    if (!c.refusal.empty()) {
      refused_zones.emplace(l.probe->zone, c.refusal);
      continue;
    }
    if (c.listed_codes.empty()) continue;
    result.listings.push_back(
        {l.target, l.probe->zone, std::move(c.listed_codes), Join(c.listed_meanings, "; "), ""});
    reasons.emplace_back(result.listings.size() - 1, reason_batch.Add(l.name, RecordType::kTxt));
  }
  result.queries += static_cast<int>(reasons.size());
  for (auto& [index, asked] : reasons) {
    result.listings[index].reason = SanitizeReason(reason_batch.Get(asked));
  }

  for (const auto& [zone, why] : refused_zones) {
    result.findings.push_back(
        {"BlacklistRefused", Severity::kError,
         zone + " refused to answer (" + why +
             "); query it through your own recursive resolver, within the list's terms."});
  }
  for (const auto& [zone, targets] : failed_targets) {
    result.findings.push_back({"BlacklistDNSError", Severity::kError,
                               "Lookups in " + zone + " failed for " + Join(targets, ", ") +
                                   "; the listing state is unknown."});
  }
  for (const Listing& l : result.listings) {
    std::string text =
        l.target + " is listed on " + l.zone + " (" + Join(l.codes, ", ") + ": " + l.meaning + ")";
    if (!l.reason.empty()) text += ": " + QuoteForMessage(l.reason, 200);
    text += "; fix the cause, then request removal from the list.";
    result.findings.push_back({"Blacklisted", Severity::kFail, std::move(text)});
  }
  // The IPv4 and IPv6 probes of one zone can report the same refusal.
  std::vector<Finding> unique;
  for (Finding& f : result.findings) {
    if (std::find(unique.begin(), unique.end(), f) == unique.end()) unique.push_back(std::move(f));
  }
  result.findings = std::move(unique);
  result.status = checks::StatusFromFindings(result.findings);
  return result;
}

}  // namespace mdo::checks::blacklists
