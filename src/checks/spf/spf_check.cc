#include "checks/spf/spf_check.h"

#include <map>
#include <utility>

#include "checks/questions.h"
#include "checks/spf/macro.h"
#include "checks/spf/parser.h"
#include "common/strings.h"

namespace mdo::checks::spf {

namespace {

using checks::Finding;
using checks::Severity;
using dns::Answer;
using dns::RecordType;

constexpr int kLookupLimit = 10;
constexpr int kVoidLimit = 2;
constexpr std::size_t kMaxRecommendedLength = 450;  // RFC 7208 3.4: fit a 512-byte UDP answer
constexpr int kMaxNodes = 64;                       // records fetched per analysis
constexpr int kMaxDepth = 16;
// Questions one analysis may ask, whatever the records say (1,024 terms x 64 records would
// otherwise be allowed); beyond it, void checks and includes are no longer followed.
constexpr int kMaxAnalysisQueries = 400;

struct TermCost {
  std::string term;
  int lookups = 0;
};

struct Pending {
  std::string target;
  std::size_t first = 0;   // TXT for include/redirect, A or MX otherwise (index in the batch)
  std::size_t second = 0;  // AAAA for a
  bool active = false;
};

class Analyzer {
 public:
  Analyzer(dns::Resolver& resolver, std::vector<Finding>& findings)
      : resolver_(resolver), findings_(findings) {}

  // Root: returns the node, or nullopt with findings when there is no usable record.
  std::optional<SpfTreeNode> AnalyzeRoot(const std::string& domain, std::string* record,
                                         bool* dns_error) {
    Answer txt = Ask(resolver_, domain, RecordType::kTxt);
    if (dns::IsFailure(txt.outcome)) {
      *dns_error = true;
      Add("SPFDNSError", Severity::kError,
          "The TXT lookup for " + domain + " failed (" + Describe(txt) +
              "), so its SPF record could not be checked.");
      return std::nullopt;
    }
    std::vector<const std::string*> spf;
    for (const auto& r : txt.records) {
      if (IsSpfRecord(r)) spf.push_back(&r);
    }
    if (spf.empty()) {
      Add("SPFMissing", Severity::kFail,
          domain + " publishes no SPF record (a TXT record starting with \"v=spf1\"); receivers " +
              "treat its mail as unauthenticated.");
      return std::nullopt;
    }
    if (spf.size() > 1) {
      std::string list;
      for (const auto* r : spf) list += (list.empty() ? "" : ", ") + QuoteForMessage(*r, 80);
      Add("SPFMultipleRecords", Severity::kFail,
          domain + " publishes " + std::to_string(spf.size()) + " SPF records (" + list +
              "); RFC 7208 4.5 makes that a permerror: merge them into one.");
      return std::nullopt;
    }
    *record = *spf.front();
    std::vector<std::string> path{AsciiLower(domain)};
    SpfTreeNode root = AnalyzeRecord(domain, "", "", *record, path, 0);
    if (!root.error.empty() && root.record.empty()) return std::nullopt;
    return root;
  }

  void Add(std::string code, Severity severity, std::string message) {
    for (const auto& f : findings_) {
      if (f.code == code && f.message == message) return;
    }
    findings_.push_back(Finding{std::move(code), severity, std::move(message)});
  }

  std::vector<std::string> void_names;
  bool syntax_error = false;

 private:
  static std::string Describe(const Answer& a) {
    std::string s(dns::ToString(a.outcome));
    if (!a.error.empty()) s += ": " + a.error;
    return s;
  }

  // A child reached through include/redirect: fetch, then analyse.
  SpfTreeNode AnalyzeChild(const std::string& target, const std::string& via,
                           const std::string& term, const std::string& parent, const Answer& txt,
                           std::vector<std::string>& path, int depth) {
    SpfTreeNode node;
    node.domain = target;
    node.via = via;
    node.term = term;
    if (dns::IsFailure(txt.outcome)) {
      node.error = "TXT lookup failed: " + Describe(txt);
      Add("SPFDNSError", Severity::kError,
          "The TXT lookup for " + target + " (" + term + " in the record of " + parent +
              ") failed (" + Describe(txt) + "); senders relying on it get temperror.");
      return node;
    }
    std::vector<const std::string*> spf;
    for (const auto& r : txt.records) {
      if (IsSpfRecord(r)) spf.push_back(&r);
    }
    if (spf.size() != 1) {
      if (dns::IsNegative(txt.outcome)) {
        ++node.void_lookups;
        void_names.push_back(target);
      }
      node.error = spf.empty() ? "no SPF record" : "multiple SPF records";
      if (spf.empty()) {
        Add("SPFIncludeMissing", Severity::kFail,
            term + " in the record of " + parent + " points to " + target +
                ", which has no SPF record: every check_host() that reaches it ends in permerror.");
      } else {
        Add("SPFMultipleRecords", Severity::kFail,
            target + " (reached by " + term + " from " + parent + ") publishes " +
                std::to_string(spf.size()) + " SPF records, a permerror for every sender.");
      }
      return node;
    }
    return AnalyzeRecord(target, via, term, *spf.front(), path, depth);
  }

  SpfTreeNode AnalyzeRecord(const std::string& domain, const std::string& via,
                            const std::string& term, const std::string& text,
                            std::vector<std::string>& path, int depth) {
    SpfTreeNode node;
    node.domain = domain;
    node.via = via;
    node.term = term;
    node.record = text;
    ++nodes_;
    if (text.size() > kMaxRecommendedLength) {
      Add("SPFRecordTooLong", Severity::kWarn,
          "The SPF record of " + domain + " is " + std::to_string(text.size()) + " bytes; above " +
              std::to_string(kMaxRecommendedLength) +
              " the DNS answer may not fit in 512 bytes of UDP (RFC 7208 3.4), so split it " +
              "with include:.");
    }
    auto parsed = ParseSpfRecord(text);
    if (!parsed) {
      node.error = "syntax error: " + parsed.error().ToString();
      syntax_error = true;
      Add("SPFSyntaxError", Severity::kFail,
          "The SPF record of " + domain + (via.empty() ? "" : " (reached by " + term + ")") +
              " has a syntax error at " + parsed.error().ToString() +
              "; every check_host() that reaches it ends in permerror.");
      return node;
    }
    const SpfRecord& record = *parsed;

    // Ask every independent question of this record at once, then walk the terms in order.
    std::vector<Pending> pending(record.mechanisms.size() + 1);
    QuestionBatch batch(resolver_);
    const bool follow = nodes_ < kMaxNodes && depth < kMaxDepth;
    auto launch = [&](std::size_t index, const MacroString* spec, MechanismKind kind) {
      Pending& p = pending[index];
      if (spec && spec->has_macros()) return;
      p.target = spec ? NormalizeDnsName(spec->text) : AsciiLower(domain);
      if (!IsValidDomainName(p.target, false)) return;
      const int cost = kind == MechanismKind::kA ? 2 : 1;
      if (queries_ + cost > kMaxAnalysisQueries) {
        truncated_ = true;
        return;
      }
      queries_ += cost;
      p.active = true;
      switch (kind) {
        case MechanismKind::kInclude:
          if (!follow) {
            p.active = false;
            truncated_ = true;
          }
          if (p.active) p.first = batch.Add(p.target, RecordType::kTxt);
          break;
        case MechanismKind::kA:
          p.first = batch.Add(p.target, RecordType::kA);
          p.second = batch.Add(p.target, RecordType::kAaaa);
          break;
        case MechanismKind::kMx:
          p.first = batch.Add(p.target, RecordType::kMx);
          break;
        case MechanismKind::kExists:
          p.first = batch.Add(p.target, RecordType::kA);
          break;
        default:
          p.active = false;
          break;
      }
    };
    for (std::size_t i = 0; i < record.mechanisms.size(); ++i) {
      const Mechanism& m = record.mechanisms[i];
      if (m.kind == MechanismKind::kInclude || m.kind == MechanismKind::kA ||
          m.kind == MechanismKind::kMx || m.kind == MechanismKind::kExists) {
        launch(i, m.domain ? &*m.domain : nullptr, m.kind);
      }
    }
    const bool redirect_used = record.redirect && !record.HasAll();
    const std::size_t redirect_index = record.mechanisms.size();
    if (redirect_used) launch(redirect_index, &record.redirect->value, MechanismKind::kInclude);

    for (std::size_t i = 0; i < record.mechanisms.size(); ++i) {
      const Mechanism& m = record.mechanisms[i];
      if (CountsAsDnsLookup(m.kind)) ++node.own_lookups;
      if (m.kind == MechanismKind::kPtr) {
        Add("SPFPtrUsed", Severity::kWarn,
            "The SPF record of " + domain + " uses " + m.text +
                ", which RFC 7208 5.5 says not to use: it is slow, unreliable and costs a " +
                "lookup; list the addresses with ip4:/ip6: instead.");
      }
      // "+all" in an included record authorizes everyone only when the include itself passes.
      const bool include_passes =
          via == "include" && !term.empty() && term[0] != '-' && term[0] != '~' && term[0] != '?';
      if (m.kind == MechanismKind::kAll && m.qualifier == Qualifier::kPass && include_passes) {
        Add("SPFPassAll", Severity::kFail,
            "The record of " + domain + ", included by " + term + ", ends in " + m.text +
                ", so that include authorizes every IP address on the internet.");
      }
      Pending& p = pending[i];
      if (m.domain && m.domain->has_macros()) continue;
      if (!p.active) continue;
      if (m.kind == MechanismKind::kInclude) {
        FollowChild(node, p, batch, "include", m.text, path, depth);
      } else if (m.kind == MechanismKind::kA) {
        const Answer& a = batch.Get(p.first);
        const Answer& aaaa = batch.Get(p.second);
        if (dns::IsNegative(a.outcome) && dns::IsNegative(aaaa.outcome)) {
          ++node.void_lookups;
          void_names.push_back(m.text + " in " + domain);
        }
      } else if (m.kind == MechanismKind::kExists) {
        if (dns::IsNegative(batch.Get(p.first).outcome)) {
          ++node.void_lookups;
          void_names.push_back(m.text + " in " + domain);
        }
      } else if (m.kind == MechanismKind::kMx) {
        const Answer& mx = batch.Get(p.first);
        if (dns::IsNegative(mx.outcome)) {
          ++node.void_lookups;
          void_names.push_back(m.text + " in " + domain);
        } else if (mx.mx.size() > 10) {
          Add("SPFTooManyMXRecords", Severity::kFail,
              m.text + " in the record of " + domain + " finds " + std::to_string(mx.mx.size()) +
                  " MX records at " + p.target + "; more than 10 is a permerror (RFC 7208 4.6.4).");
        }
      }
    }
    if (record.redirect) {
      if (redirect_used) {
        ++node.own_lookups;
        if (pending[redirect_index].active) {
          FollowChild(node, pending[redirect_index], batch, "redirect", record.redirect->text, path,
                      depth);
        }
      } else {
        Add("SPFRedirectIgnored", Severity::kInfo,
            "The record of " + domain + " has both an \"all\" mechanism and " +
                record.redirect->text + "; the redirect is never used (RFC 7208 6.1).");
      }
    }
    node.lookups += node.own_lookups;
    return node;
  }

  void FollowChild(SpfTreeNode& node, Pending& p, QuestionBatch& batch, const std::string& via,
                   const std::string& term, std::vector<std::string>& path, int depth) {
    const std::string key = AsciiLower(p.target);
    for (const auto& seen : path) {
      if (seen != key) continue;
      std::string chain;
      for (const auto& d : path) chain += d + " -> ";
      chain += key;
      SpfTreeNode loop;
      loop.domain = p.target;
      loop.via = via;
      loop.term = term;
      loop.error = "loop: " + chain;
      node.children.push_back(std::move(loop));
      Add("SPFIncludeLoop", Severity::kFail,
          term + " in the record of " + node.domain + " leads back to " + p.target + " (" + chain +
              "), an endless loop: every check_host() that reaches it ends in permerror.");
      return;
    }
    path.push_back(key);
    SpfTreeNode child =
        AnalyzeChild(p.target, via, term, node.domain, batch.Get(p.first), path, depth + 1);
    path.pop_back();
    node.lookups += child.lookups;
    node.void_lookups += child.void_lookups;
    node.children.push_back(std::move(child));
  }

  dns::Resolver& resolver_;
  std::vector<Finding>& findings_;
  int nodes_ = 0;
  int queries_ = 1;  // the root TXT lookup

 public:
  bool truncated_ = false;
};

// Cost of each DNS-lookup term of a record, in evaluation order: 1, plus the subtree for
// include and redirect.
std::vector<TermCost> TermCosts(const SpfTreeNode& node) {
  std::vector<TermCost> costs;
  auto parsed = ParseSpfRecord(node.record);
  if (!parsed) return costs;
  auto child_cost = [&](const std::string& term) {
    for (const auto& c : node.children) {
      if (c.term == term) return c.lookups;
    }
    return 0;
  };
  for (const auto& m : parsed->mechanisms) {
    if (!CountsAsDnsLookup(m.kind)) continue;
    costs.push_back({m.text, 1 + (m.kind == MechanismKind::kInclude ? child_cost(m.text) : 0)});
  }
  if (parsed->redirect && !parsed->HasAll()) {
    costs.push_back({parsed->redirect->text, 1 + child_cost(parsed->redirect->text)});
  }
  return costs;
}

// The "all" that ends evaluation of `node`: its first all, else its redirect target's.
std::optional<std::pair<Mechanism, std::string>> EffectiveAll(const SpfTreeNode& node,
                                                              int depth = 0) {
  auto parsed = ParseSpfRecord(node.record);
  if (!parsed || depth > kMaxDepth) return std::nullopt;
  for (const auto& m : parsed->mechanisms) {
    if (m.kind == MechanismKind::kAll) return std::make_pair(m, node.domain);
  }
  for (const auto& c : node.children) {
    if (c.via == "redirect") return EffectiveAll(c, depth + 1);
  }
  return std::nullopt;
}

std::string Plural(int n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

}  // namespace

SpfCheckResult CheckSpf(dns::Resolver& resolver, std::string_view domain_in,
                        const SpfCheckOptions& options) {
  SpfCheckResult result;
  const std::string domain = NormalizeDnsName(domain_in);
  result.domain = domain;
  Analyzer analyzer(resolver, result.findings);
  bool dns_error = false;
  std::optional<SpfTreeNode> tree = analyzer.AnalyzeRoot(domain, &result.record, &dns_error);
  if (tree) {
    result.lookups = tree->lookups;
    result.void_lookups = tree->void_lookups;
    if (tree->lookups > kLookupLimit) {
      std::string culprit;
      int running = 0;
      for (const auto& cost : TermCosts(*tree)) {
        if (running + cost.lookups > kLookupLimit) {
          culprit = ": " + cost.term + " (" + Plural(cost.lookups, "lookup") +
                    ") takes the count from " + std::to_string(running) + " to " +
                    std::to_string(running + cost.lookups);
          break;
        }
        running += cost.lookups;
      }
      analyzer.Add("SPFTooManyLookups", Severity::kFail,
                   "The SPF record of " + domain + " needs " + std::to_string(tree->lookups) +
                       " DNS lookups, over the limit of 10 (RFC 7208 4.6.4)" + culprit +
                       "; receivers return permerror once evaluation gets that far.");
    }
    if (tree->void_lookups > kVoidLimit) {
      std::string names;
      for (const auto& n : analyzer.void_names) names += (names.empty() ? "" : ", ") + n;
      analyzer.Add("SPFTooManyVoidLookups", Severity::kFail,
                   "The SPF record of " + domain + " has " + std::to_string(tree->void_lookups) +
                       " void lookups (names with no records), over the limit of 2 " +
                       "(RFC 7208 4.6.4): " + names + "; remove them.");
    }
    if (tree->error.empty()) {
      auto all = EffectiveAll(*tree);
      auto parsed = ParseSpfRecord(tree->record);
      const bool has_redirect = parsed && parsed->redirect;
      if (!all && !has_redirect) {
        analyzer.Add("SPFNoAll", Severity::kWarn,
                     "The SPF record of " + domain + " has no \"all\" mechanism, so mail from " +
                         "unlisted IP addresses gets neutral; end it with -all or ~all.");
      } else if (all) {
        const auto& [m, where] = *all;
        const std::string source = where == domain ? "" : " (from " + where + ")";
        switch (m.qualifier) {
          case Qualifier::kPass:
            analyzer.Add("SPFPassAll", Severity::kFail,
                         "The SPF record of " + domain + " ends in " + m.text + source +
                             ", which authorizes every IP address on the internet; use -all.");
            break;
          case Qualifier::kNeutral:
            analyzer.Add("SPFNeutralAll", Severity::kWarn,
                         "The SPF record of " + domain + " ends in " + m.text + source +
                             ", which makes no statement about unlisted senders; use -all or "
                             "~all.");
            break;
          case Qualifier::kSoftFail:
            if (options.require_hard_fail) {
              analyzer.Add("SPFSoftFailAll", Severity::kFail,
                           "The SPF record of " + domain + " ends in " + m.text + source +
                               " but this MailDomain requires a hard fail; end it with -all.");
            }
            break;
          case Qualifier::kFail:
            break;
        }
      }
    }
    if (analyzer.truncated_) {
      analyzer.Add("SPFAnalysisIncomplete", Severity::kInfo,
                   "The SPF tree of " + domain + " is too large to analyse completely (over " +
                       std::to_string(kMaxAnalysisQueries) + " DNS questions, " +
                       std::to_string(kMaxNodes) + " records or " + std::to_string(kMaxDepth) +
                       " levels); counts cover the part that was walked.");
    }
    result.tree = std::move(tree);
  }
  if (!dns_error) {
    for (const auto& ip : options.senders) {
      CheckHostRequest request{ip, domain, "postmaster@" + domain, domain};
      CheckHostResult r = CheckHost(resolver, request);
      SpfSenderResult sender{ip, r.result, r.mechanism, r.explanation, r.detail};
      if (r.result == SpfResult::kTempError) {
        analyzer.Add("SPFDNSError", Severity::kError,
                     "check_host() for sender " + ip.ToString() + " at " + domain +
                         " ended in temperror (" + r.detail + ").");
      } else if (r.result != SpfResult::kPass) {
        std::string why;
        if (r.result == SpfResult::kNone || r.result == SpfResult::kPermError) {
          why = r.detail;
        } else if (r.mechanism.empty()) {
          why = "no mechanism matched";
        } else {
          why = "decided by " + r.mechanism + (r.domain == domain ? "" : " in " + r.domain);
        }
        analyzer.Add("SPFSenderNotAuthorized", Severity::kFail,
                     "Sender " + ip.ToString() + " gets " + std::string(ToString(r.result)) +
                         " from the SPF record of " + domain + " (" + why +
                         "); add it with ip4:/ip6: or an include.");
      }
      result.senders.push_back(std::move(sender));
    }
  }
  result.status = checks::StatusFromFindings(result.findings);
  return result;
}

}  // namespace mdo::checks::spf
