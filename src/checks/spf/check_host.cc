#include "checks/spf/check_host.h"

#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "checks/questions.h"
#include "checks/spf/macro.h"
#include "checks/spf/parser.h"
#include "common/strings.h"

namespace mdo::checks::spf {

namespace {

using dns::Answer;
using dns::RecordType;

enum class Match { kNoMatch, kMatch, kTempError, kPermError };

struct Evaluation {
  SpfResult result = SpfResult::kNeutral;
  std::string explanation;
  std::string mechanism;
  std::string domain;
  std::string detail;
};

Evaluation Make(SpfResult result, std::string_view domain, std::string mechanism,
                std::string detail) {
  Evaluation e;
  e.result = result;
  e.domain = std::string(domain);
  e.mechanism = std::move(mechanism);
  e.detail = std::move(detail);
  return e;
}

SpfResult FromQualifier(Qualifier q) {
  switch (q) {
    case Qualifier::kPass:
      return SpfResult::kPass;
    case Qualifier::kFail:
      return SpfResult::kFail;
    case Qualifier::kSoftFail:
      return SpfResult::kSoftFail;
    case Qualifier::kNeutral:
      return SpfResult::kNeutral;
  }
  return SpfResult::kNeutral;
}

bool EndsWithDomain(std::string_view name, std::string_view domain) {
  if (name.size() == domain.size()) return EqualsIgnoreCase(name, domain);
  if (name.size() < domain.size() + 1) return false;
  return name[name.size() - domain.size() - 1] == '.' &&
         EqualsIgnoreCase(name.substr(name.size() - domain.size()), domain);
}

// Parsing is pure, and fleets share provider records (include:_spf.google.com, ...): keep the
// most recent parses, keyed by the record text. Bounded; cleared wholesale when full.
std::shared_ptr<const SpfRecord> ParseCached(const std::string& text) {
  constexpr std::size_t kMaxEntries = 4096;
  static std::mutex mu;
  static auto* cache = new std::unordered_map<std::string, std::shared_ptr<const SpfRecord>>();
  {
    std::lock_guard lock(mu);
    auto it = cache->find(text);
    if (it != cache->end()) return it->second;
  }
  auto parsed = ParseSpfRecord(text);
  if (!parsed) return nullptr;
  auto record = std::make_shared<const SpfRecord>(std::move(*parsed));
  std::lock_guard lock(mu);
  if (cache->size() >= kMaxEntries) cache->clear();
  cache->emplace(text, record);
  return record;
}

class Evaluator {
 public:
  Evaluator(dns::Resolver& resolver, const CheckHostRequest& request,
            const CheckHostOptions& options)
      : resolver_(resolver), options_(options) {
    env_.ip = request.ip.Unmapped();  // RFC 7208 5: a v4-mapped address is an IPv4 address
    env_.helo = request.helo;
    env_.receiver = options.receiver;
    env_.now = std::time(nullptr);
    // RFC 7208 2.4: an empty MAIL FROM is checked as postmaster@<HELO>; without a HELO either
    // (direct API or CLI use), as postmaster@<domain>.
    std::string sender = request.sender;
    if (sender.empty()) {
      sender = "postmaster@" + (request.helo.empty() ? request.domain : request.helo);
    }
    const std::size_t at = sender.rfind('@');
    if (at == std::string::npos) {
      env_.local = "postmaster";
      env_.sender_domain = sender;
      env_.sender = "postmaster@" + sender;
    } else {
      env_.local = sender.substr(0, at);
      env_.sender_domain = sender.substr(at + 1);
      if (env_.local.empty()) {
        env_.local = "postmaster";
        env_.sender = "postmaster" + sender;
      } else {
        env_.sender = std::move(sender);
      }
    }
    env_.validated_name = [this](std::string_view domain) { return ValidatedName(domain); };
  }

  CheckHostResult Run(std::string_view domain) {
    Evaluation e = CheckDomain(domain);
    CheckHostResult out;
    out.result = e.result;
    out.explanation = std::move(e.explanation);
    out.mechanism = std::move(e.mechanism);
    out.detail = std::move(e.detail);
    out.domain = std::move(e.domain);
    out.dns_lookups = lookups_;
    out.void_lookups = voids_;
    out.dns_queries = queries_;
    return out;
  }

 private:
  Answer Query(std::string_view name, RecordType type) {
    ++queries_;
    return Ask(resolver_, name, type);
  }

  RecordType AddressType() const { return env_.ip.is_v4() ? RecordType::kA : RecordType::kAaaa; }

  // 4.3 / 4.4 / 4.5: find and parse the record at `domain`, then evaluate it.
  Evaluation CheckDomain(std::string_view domain_in) {
    std::string_view domain = domain_in;
    if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
    if (!IsValidDomainName(domain, /*require_multi_label=*/true) || domain.front() == '[') {
      return Make(SpfResult::kNone, domain, "",
                  "domain " + QuoteForMessage(domain) + " is not a valid multi-label name");
    }
    Answer txt = Query(domain, RecordType::kTxt);
    if (dns::IsFailure(txt.outcome)) {
      return Make(SpfResult::kTempError, domain, "",
                  "TXT lookup for " + std::string(domain) +
                      " failed: " + std::string(dns::ToString(txt.outcome)));
    }
    const std::string* found = nullptr;
    int count = 0;
    for (const auto& r : txt.records) {
      if (IsSpfRecord(r)) {
        ++count;
        found = &r;
      }
    }
    if (count == 0) {
      return Make(SpfResult::kNone, domain, "", "no SPF record at " + std::string(domain));
    }
    if (count > 1) {
      return Make(SpfResult::kPermError, domain, "",
                  std::to_string(count) + " SPF records at " + std::string(domain));
    }
    std::shared_ptr<const SpfRecord> record = ParseCached(*found);
    if (!record) {
      auto error = ParseSpfRecord(*found).error();
      return Make(
          SpfResult::kPermError, domain, error.term,
          "syntax error in the SPF record of " + std::string(domain) + ": " + error.ToString());
    }
    return EvaluateRecord(*record, domain);
  }

  bool CountLookup(std::string_view domain, std::string_view term, Evaluation* error) {
    if (++lookups_ > options_.max_dns_lookups) {
      *error = Make(SpfResult::kPermError, domain, std::string(term),
                    "too many DNS lookups (more than " + std::to_string(options_.max_dns_lookups) +
                        ") at " + std::string(term) + " in " + std::string(domain));
      return false;
    }
    return true;
  }

  // Returns false when the void-lookup limit is exceeded.
  bool CountVoid() { return ++voids_ <= options_.max_void_lookups; }

  Evaluation EvaluateRecord(const SpfRecord& record, std::string_view domain) {
    for (const Mechanism& m : record.mechanisms) {
      Evaluation error;
      if (CountsAsDnsLookup(m.kind) && !CountLookup(domain, m.text, &error)) return error;
      std::string detail;
      const Match match = Evaluate(m, domain, &detail);
      switch (match) {
        case Match::kNoMatch:
          continue;
        case Match::kTempError:
          return Make(SpfResult::kTempError, domain, m.text, std::move(detail));
        case Match::kPermError:
          return Make(SpfResult::kPermError, domain, m.text, std::move(detail));
        case Match::kMatch: {
          Evaluation e = Make(FromQualifier(m.qualifier), domain, m.text, "");
          if (e.result == SpfResult::kFail) e.explanation = Explain(record, domain);
          return e;
        }
      }
    }
    if (record.redirect) {
      const std::string& term = record.redirect->text;
      Evaluation error;
      if (!CountLookup(domain, term, &error)) return error;
      auto target = ExpandDomain(record.redirect->value, env_, domain);
      if (!target) {
        return Make(SpfResult::kPermError, domain, term,
                    "cannot expand " + term + ": " + target.error().message);
      }
      Evaluation inner = CheckDomain(*target);
      if (inner.result == SpfResult::kNone) {
        return Make(SpfResult::kPermError, domain, term,
                    "redirect target " + *target + " has no SPF record (" + inner.detail + ")");
      }
      if (inner.mechanism.empty()) inner.mechanism = term;
      return inner;
    }
    return Make(SpfResult::kNeutral, domain, "", "no mechanism matched");
  }

  bool AddressesMatch(const Answer& answer, int cidr) const {
    for (const auto& text : answer.records) {
      auto addr = net::IpAddress::Parse(text);
      if (addr && env_.ip.InNetwork(*addr, cidr)) return true;
    }
    return false;
  }

  // Target of a/mx/ptr/exists/include; the current domain when the term has none.
  Result<std::string> Target(const Mechanism& m, std::string_view domain) {
    if (!m.domain) return std::string(domain);
    return ExpandDomain(*m.domain, env_, domain);
  }

  Match Evaluate(const Mechanism& m, std::string_view domain, std::string* detail) {
    const int cidr = env_.ip.is_v4() ? m.cidr4 : m.cidr6;
    switch (m.kind) {
      case MechanismKind::kAll:
        return Match::kMatch;
      case MechanismKind::kIp4:
      case MechanismKind::kIp6:
        return env_.ip.InNetwork(m.network, cidr) ? Match::kMatch : Match::kNoMatch;
      default:
        break;
    }
    auto target = Target(m, domain);
    if (!target) {
      *detail = "cannot expand " + m.text + ": " + target.error().message;
      return Match::kPermError;
    }
    auto void_lookup = [&](std::string_view why) {
      if (CountVoid()) return Match::kNoMatch;
      *detail = "too many void lookups (more than " + std::to_string(options_.max_void_lookups) +
                "): " + std::string(why);
      return Match::kPermError;
    };
    if (m.kind == MechanismKind::kInclude) {
      Evaluation inner = CheckDomain(*target);
      switch (inner.result) {
        case SpfResult::kPass:
          return Match::kMatch;
        case SpfResult::kFail:
        case SpfResult::kSoftFail:
        case SpfResult::kNeutral:
          return Match::kNoMatch;
        case SpfResult::kTempError:
          *detail = inner.detail;
          return Match::kTempError;
        case SpfResult::kPermError:
          *detail = inner.detail;
          return Match::kPermError;
        case SpfResult::kNone:
          *detail = "included domain " + *target + " has no SPF record (" + inner.detail + ")";
          return Match::kPermError;
      }
    }
    // RFC 7208 4.8 and 5: a name that cannot be queried matches nothing.
    if (!IsValidDomainName(*target, /*require_multi_label=*/false)) {
      return void_lookup(*target + " is not a valid domain name");
    }
    switch (m.kind) {
      case MechanismKind::kA: {
        Answer a = Query(*target, AddressType());
        if (dns::IsFailure(a.outcome)) {
          *detail = std::string(dns::ToString(AddressType())) + " lookup for " + *target +
                    " failed: " + std::string(dns::ToString(a.outcome));
          return Match::kTempError;
        }
        if (!a.ok()) return void_lookup(*target + " has no address records");
        return AddressesMatch(a, cidr) ? Match::kMatch : Match::kNoMatch;
      }
      case MechanismKind::kMx:
        return EvaluateMx(*target, cidr, detail, void_lookup);
      case MechanismKind::kPtr: {
        Answer ptr = Query(env_.ip.ReverseName(), RecordType::kPtr);
        if (dns::IsFailure(ptr.outcome)) return Match::kNoMatch;  // RFC 7208 5.5
        if (!ptr.ok()) return void_lookup("no PTR records for " + env_.ip.ToString());
        std::size_t n = 0;
        for (const auto& name : ptr.records) {
          if (++n > static_cast<std::size_t>(options_.max_names_per_lookup)) break;
          if (!EndsWithDomain(name, *target)) continue;
          Answer addr = Query(name, AddressType());
          if (addr.ok() && AddressesMatch(addr, env_.ip.is_v4() ? 32 : 128)) {
            return Match::kMatch;
          }
        }
        return Match::kNoMatch;
      }
      case MechanismKind::kExists: {
        Answer a = Query(*target, RecordType::kA);
        if (dns::IsFailure(a.outcome)) {
          *detail = "A lookup for " + *target + " failed: " + std::string(dns::ToString(a.outcome));
          return Match::kTempError;
        }
        if (!a.ok()) return void_lookup(*target + " does not exist");
        return Match::kMatch;
      }
      default:
        break;
    }
    return Match::kNoMatch;
  }

  template <typename VoidFn>
  Match EvaluateMx(const std::string& target, int cidr, std::string* detail, VoidFn& void_lookup) {
    Answer mx = Query(target, RecordType::kMx);
    if (dns::IsFailure(mx.outcome)) {
      *detail = "MX lookup for " + target + " failed: " + std::string(dns::ToString(mx.outcome));
      return Match::kTempError;
    }
    if (!mx.ok()) return void_lookup(target + " has no MX records");
    if (mx.mx.size() > static_cast<std::size_t>(options_.max_names_per_lookup)) {
      *detail = target + " has " + std::to_string(mx.mx.size()) + " MX records (limit " +
                std::to_string(options_.max_names_per_lookup) + ")";
      return Match::kPermError;
    }
    // The hosts' address lookups are independent: ask them all at once.
    QuestionBatch pending(resolver_);
    for (const auto& rr : mx.mx) {
      if (rr.exchange.empty() || !IsValidDomainName(rr.exchange, false)) continue;  // null MX
      ++queries_;
      pending.Add(rr.exchange, AddressType());
    }
    bool failed = false;
    bool matched = false;
    std::string failure;
    for (std::size_t i = 0; i < pending.size(); ++i) {
      const Answer& a = pending.Get(i);
      if (dns::IsFailure(a.outcome)) {
        failed = true;
        failure = "address lookup for MX host " + a.name +
                  " failed: " + std::string(dns::ToString(a.outcome));
      } else if (!matched && a.ok() && AddressesMatch(a, cidr)) {
        matched = true;
      }
    }
    if (matched) return Match::kMatch;
    if (failed) {
      *detail = std::move(failure);
      return Match::kTempError;
    }
    return Match::kNoMatch;
  }

  // %{p} (RFC 7208 7.3): a validated name for the client IP, preferring `domain` or one of its
  // subdomains. PTR names are fetched and validated once per evaluation.
  std::string ValidatedName(std::string_view domain) {
    if (!validated_loaded_) {
      validated_loaded_ = true;
      Answer ptr = Query(env_.ip.ReverseName(), RecordType::kPtr);
      if (ptr.ok()) {
        QuestionBatch pending(resolver_);
        std::vector<const std::string*> names;
        for (const auto& name : ptr.records) {
          if (names.size() >= static_cast<std::size_t>(options_.max_names_per_lookup)) break;
          if (!IsValidDomainName(name, false)) continue;
          ++queries_;
          names.push_back(&name);
          pending.Add(name, AddressType());
        }
        for (std::size_t i = 0; i < names.size(); ++i) {
          const Answer& a = pending.Get(i);
          if (a.ok() && AddressesMatch(a, env_.ip.is_v4() ? 32 : 128)) {
            validated_.push_back(*names[i]);
          }
        }
      }
    }
    const std::string* sub = nullptr;
    for (const auto& name : validated_) {
      if (EqualsIgnoreCase(name, domain)) return name;
      if (!sub && EndsWithDomain(name, domain)) sub = &name;
    }
    if (sub) return *sub;
    return validated_.empty() ? "unknown" : validated_.front();
  }

  // 6.2: the explanation for a fail result; problems fall back to the default explanation.
  std::string Explain(const SpfRecord& record, std::string_view domain) {
    if (record.explanation) {
      auto target = ExpandDomain(record.explanation->value, env_, domain);
      if (target && IsValidDomainName(*target, false)) {
        Answer txt = Query(*target, RecordType::kTxt);
        if (txt.ok() && txt.records.size() == 1) {
          auto text = ParseMacroString(txt.records.front(), /*explanation=*/true);
          if (text) {
            auto expanded = ExpandMacroString(*text, env_, domain);
            if (expanded) return std::move(*expanded);
          }
        }
      }
    }
    // The default text is the same for every evaluation: parse it once.
    using Parsed = Result<MacroString, SpfParseError>;
    static const std::string* kDefaultText =
        new std::string(CheckHostOptions{}.default_explanation);
    static const Parsed* kDefault = new Parsed(ParseMacroString(*kDefaultText, true));
    const Parsed* parsed = kDefault;
    std::optional<Parsed> custom;
    if (options_.default_explanation != *kDefaultText) {
      parsed = &custom.emplace(ParseMacroString(options_.default_explanation, true));
    }
    if (!*parsed) return options_.default_explanation;
    auto expanded = ExpandMacroString(**parsed, env_, domain);
    return expanded ? std::move(*expanded) : options_.default_explanation;
  }

  dns::Resolver& resolver_;
  const CheckHostOptions& options_;
  MacroEnvironment env_;
  int lookups_ = 0;
  int voids_ = 0;
  int queries_ = 0;
  bool validated_loaded_ = false;
  std::vector<std::string> validated_;
};

}  // namespace

std::string_view ToString(SpfResult result) {
  switch (result) {
    case SpfResult::kNone:
      return "none";
    case SpfResult::kNeutral:
      return "neutral";
    case SpfResult::kPass:
      return "pass";
    case SpfResult::kFail:
      return "fail";
    case SpfResult::kSoftFail:
      return "softfail";
    case SpfResult::kTempError:
      return "temperror";
    case SpfResult::kPermError:
      return "permerror";
  }
  return "none";
}

CheckHostResult CheckHost(dns::Resolver& resolver, const CheckHostRequest& request) {
  return CheckHost(resolver, request, CheckHostOptions{});
}

CheckHostResult CheckHost(dns::Resolver& resolver, const CheckHostRequest& request,
                          const CheckHostOptions& options) {
  Evaluator evaluator(resolver, request, options);
  return evaluator.Run(request.domain);
}

}  // namespace mdo::checks::spf
