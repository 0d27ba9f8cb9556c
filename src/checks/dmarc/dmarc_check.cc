#include "checks/dmarc/dmarc_check.h"

#include <algorithm>
#include <map>
#include <optional>

#include "checks/dmarc/discovery.h"
#include "checks/questions.h"
#include "common/strings.h"

namespace mdo::checks::dmarc {

namespace {

using checks::Finding;
using checks::Severity;

// Hostile records may list any number of report URIs; each external one costs a query.
constexpr std::size_t kMaxVerifiedDestinations = 8;

// What receivers make of the TXT records at one _dmarc name.
struct NameVerdict {
  enum class State { kNone, kFound, kMultiple, kFailure };
  State state = State::kNone;
  std::string record;                   // kFound: the record; kMultiple: the first one
  std::size_t count = 0;                // DMARC records at the name
  std::vector<std::string> lookalikes;  // records meant as DMARC that receivers ignore
  std::string error;                    // kFailure: what went wrong
};

NameVerdict Judge(const dns::Answer& answer) {
  NameVerdict v;
  if (dns::IsFailure(answer.outcome)) {
    v.state = NameVerdict::State::kFailure;
    v.error = std::string(dns::ToString(answer.outcome));
    if (!answer.error.empty()) v.error += " (" + answer.error + ")";
    return v;
  }
  for (const std::string& text : answer.records) {
    switch (ClassifyRecord(text)) {
      case RecordKind::kDmarc:
        if (v.count++ == 0) v.record = text;
        break;
      case RecordKind::kLookalike:
        v.lookalikes.push_back(text);
        break;
      case RecordKind::kOther:
        break;
    }
  }
  if (v.count == 1) v.state = NameVerdict::State::kFound;
  if (v.count > 1) v.state = NameVerdict::State::kMultiple;
  return v;
}

struct Located {
  std::string domain;  // the name below "_dmarc."
  NameVerdict verdict;
};

std::string DmarcName(std::string_view domain) { return "_dmarc." + std::string(domain); }

class Checker {
 public:
  Checker(dns::Resolver& resolver, std::string domain, const DmarcCheckOptions& options)
      : resolver_(resolver), domain_(std::move(domain)), options_(options) {}

  DmarcCheckResult Run();

 private:
  void Add(std::string code, Severity severity, std::string message) {
    result_.findings.push_back(Finding{std::move(code), severity, std::move(message)});
  }
  void ReportLookalikes(const std::string& domain, const NameVerdict& verdict);
  void Discover();
  void JudgeRecord(const Located& where);
  void JudgePolicy(const DmarcRecord& record, const std::string& policy_domain);
  void JudgeReports(const DmarcRecord& record, const std::string& policy_domain);

  dns::Resolver& resolver_;
  std::string domain_;
  const DmarcCheckOptions& options_;
  DmarcCheckResult result_;
  std::optional<Located> found_;
};

void Checker::ReportLookalikes(const std::string& domain, const NameVerdict& verdict) {
  for (const std::string& text : verdict.lookalikes) {
    std::string why = !text.empty() && (text[0] == ' ' || text[0] == '\t')
                          ? "it starts with whitespace"
                          : "it does not start exactly with \"v=DMARC1\"";
    Add("DMARCSyntaxError", Severity::kFail,
        "Receivers ignore the record " + QuoteForMessage(text, 120) + " at " + DmarcName(domain) +
            " because " + why + "; publish it starting with \"v=DMARC1;\".");
  }
}

void Checker::Discover() {
  DmarcDiscovery& d = result_.discovery;
  const std::string& org = d.organizational_domain;
  d.queried.push_back(DmarcName(domain_));
  NameVerdict own = Judge(Ask(resolver_, DmarcName(domain_), dns::RecordType::kTxt));
  std::optional<Located> by9989;
  std::optional<Located> by7489;
  if (own.state != NameVerdict::State::kNone) {
    by9989 = by7489 = Located{domain_, own};
  } else {
    ReportLookalikes(domain_, own);
    // The rest of the walk, the organizational domain (normally part of the walk) and the
    // domain's own TXT (for a record published at the wrong name) are independent: ask at once.
    std::vector<std::string> parents = TreeWalkParents(domain_);
    QuestionBatch batch(resolver_);
    std::map<std::string, std::size_t> pending;  // name -> index in `batch`
    for (const std::string& parent : parents) {
      if (pending.contains(parent)) continue;
      pending.emplace(parent, batch.Add(DmarcName(parent), dns::RecordType::kTxt));
    }
    if (!org.empty() && org != domain_ && !pending.contains(org)) {
      pending.emplace(org, batch.Add(DmarcName(org), dns::RecordType::kTxt));
    }
    const std::size_t apex = batch.Add(domain_, dns::RecordType::kTxt);
    std::map<std::string, NameVerdict> verdicts;
    for (auto& [name, asked] : pending) verdicts.emplace(name, Judge(batch.Get(asked)));

    for (const std::string& parent : parents) {
      d.queried.push_back(DmarcName(parent));
      const NameVerdict& v = verdicts.at(parent);
      // Above the organizational domain sit public suffixes (RFC 9091 PSD DMARC): a failure
      // there does not hide the domain owner's own record, so it is noted, not an error.
      const bool above_org = org.empty() || !IsSameOrBelow(parent, org);
      if (v.state == NameVerdict::State::kFailure && above_org) {
        Add("DMARCDNSError", Severity::kInfo,
            "Could not look up " + DmarcName(parent) + ": " + v.error +
                "; a public-suffix DMARC policy there, if any, was not considered.");
        continue;
      }
      if (v.state != NameVerdict::State::kNone) {
        by9989 = Located{parent, v};
        break;
      }
      if (!above_org) ReportLookalikes(parent, v);
    }
    if (!org.empty() && org != domain_) {
      const NameVerdict& v = verdicts.at(org);
      if (v.state != NameVerdict::State::kNone) by7489 = Located{org, v};
    }
    const dns::Answer& apex_answer = batch.Get(apex);
    if (!by9989 && !by7489 && apex_answer.ok()) {
      for (const std::string& text : apex_answer.records) {
        if (ClassifyRecord(text) != RecordKind::kOther) {
          Add("DMARCRecordAtApex", Severity::kWarn,
              "A DMARC record is published at " + domain_ + " itself (" +
                  QuoteForMessage(text, 80) + "), where receivers never look; move it to " +
                  DmarcName(domain_) + ".");
          break;
        }
      }
    }
  }

  auto is_record = [](const std::optional<Located>& l) {
    return l && l->verdict.state != NameVerdict::State::kNone &&
           l->verdict.state != NameVerdict::State::kFailure;
  };
  if (is_record(by7489)) d.rfc7489_source = DmarcName(by7489->domain);
  if (is_record(by9989)) d.rfc9989_source = DmarcName(by9989->domain);
  found_ = by9989 ? by9989 : by7489;
  if (!is_record(found_)) return;
  if (is_record(by9989) && by9989->domain == found_->domain) d.found_by.push_back("rfc9989");
  if (is_record(by7489) && by7489->domain == found_->domain) d.found_by.push_back("rfc7489");
  if (!d.rfc9989_source.empty() && d.rfc9989_source != d.rfc7489_source) {
    Add("DMARCDiscoveryMismatch", Severity::kWarn,
        "RFC 9989 receivers apply the record at " + d.rfc9989_source + " but RFC 7489 receivers " +
            (d.rfc7489_source.empty()
                 ? "find no record (organizational domain " + (org.empty() ? domain_ : org) + ")"
                 : "apply " + d.rfc7489_source) +
            "; publish a record at " + DmarcName(domain_) + " so both agree.");
  }
}

void Checker::JudgeRecord(const Located& where) {
  const std::string source = DmarcName(where.domain);
  result_.source = source;
  const NameVerdict& v = where.verdict;
  if (v.state == NameVerdict::State::kFailure) {
    Add("DMARCDNSError", Severity::kError,
        "Could not look up the DMARC record at " + source + ": " + v.error +
            "; the policy is unknown until the DNS answers.");
    return;
  }
  if (v.state == NameVerdict::State::kMultiple) {
    Add("DMARCMultipleRecords", Severity::kFail,
        std::to_string(v.count) + " DMARC records at " + source +
            "; receivers then apply none of them: keep exactly one.");
    return;
  }
  result_.record = v.record;
  auto parsed = ParseDmarcRecord(v.record);
  if (!parsed.ok()) {
    Add("DMARCSyntaxError", Severity::kFail,
        "DMARC record at " + source + " is invalid: " + DescribeParseError(parsed.error()) +
            " in " + QuoteForMessage(v.record, 120) + ".");
    return;
  }
  JudgePolicy(*parsed, where.domain);
  JudgeReports(*parsed, where.domain);
}

void Checker::JudgePolicy(const DmarcRecord& record, const std::string& policy_domain) {
  const std::string source = DmarcName(policy_domain);
  const DmarcPolicy p = record.policy.value_or(DmarcPolicy::kNone);
  const DmarcPolicy sp = record.subdomain_policy.value_or(p);
  result_.policy = std::string(ToString(p));
  result_.subdomain_policy = std::string(ToString(sp));
  const bool inherited = policy_domain != domain_;
  if (inherited) {
    const std::string& org = result_.discovery.organizational_domain;
    std::string what = policy_domain == org ? "its organizational domain"
                       : IsSameOrBelow(policy_domain, org.empty() ? domain_ : org)
                           ? "a parent domain"
                           : "a public suffix";
    Add("DMARCInherited", Severity::kInfo,
        "No DMARC record at " + DmarcName(domain_) + "; " + domain_ +
            " inherits sp=" + result_.subdomain_policy + " from " + what + " (" + source + ").");
  }
  const DmarcPolicy effective = inherited ? sp : p;
  const std::string effective_text(ToString(effective));
  const std::string minimum(ToString(options_.minimum_policy));
  const std::string tag = inherited ? "sp" : "p";
  if (effective < options_.minimum_policy) {
    Add("DMARCPolicyBelowMinimum", Severity::kFail,
        "DMARC policy for " + domain_ + " is " + tag + "=" + effective_text + " (" + source +
            "), below the required " + minimum + "; set " + tag + "=" + minimum + " or stricter.");
  } else if (effective == DmarcPolicy::kNone) {
    Add("DMARCPolicyNone", Severity::kWarn,
        !record.policy ? "DMARC record at " + source +
                             " has no p= tag, so receivers treat it as p=none (monitoring only); "
                             "add p=quarantine or p=reject once reports look clean."
                       : "DMARC policy for " + domain_ + " is " + tag + "=none (" + source +
                             "): monitoring only, spoofed mail is still delivered; move to "
                             "p=quarantine or p=reject once reports look clean.");
  }
  if (!inherited) {
    for (const auto& [name, value] :
         {std::pair{"sp", record.subdomain_policy}, std::pair{"np", record.nonexistent_policy}}) {
      if (value && *value < options_.minimum_policy) {
        Add("DMARCPolicyBelowMinimum", Severity::kWarn,
            "DMARC record at " + source + " sets " + name + "=" + std::string(ToString(*value)) +
                " for subdomains, below the required " + minimum + "; raise " + name +
                "= or remove it.");
      }
    }
  }
  if (record.percent && *record.percent < 100) {
    Add("DMARCPartialPercentage", Severity::kWarn,
        "DMARC record at " + source + " applies its policy to only pct=" +
            std::to_string(*record.percent) + "% of failing mail; set pct=100 or remove pct=.");
  }
  if (record.testing) {
    Add("DMARCTestingMode", Severity::kWarn,
        "DMARC record at " + source +
            " is in testing mode (t=y), so receivers apply a weaker policy; remove t=y.");
  }
  if (!record.unknown_tags.empty()) {
    std::string names;
    for (const std::string& t : record.unknown_tags) names += (names.empty() ? "" : ", ") + t;
    Add("DMARCUnknownTag", Severity::kInfo,
        "DMARC record at " + source + " has tags receivers ignore: " + names + ".");
  }
}

void Checker::JudgeReports(const DmarcRecord& record, const std::string& policy_domain) {
  const std::string source = DmarcName(policy_domain);
  const std::string policy_org = OrganizationalDomain(policy_domain);
  struct Entry {
    const char* tag;
    const ReportUri* uri;
  };
  std::vector<Entry> entries;
  for (const ReportUri& u : record.aggregate_reports) entries.push_back({"rua", &u});
  for (const ReportUri& u : record.failure_reports) entries.push_back({"ruf", &u});

  QuestionBatch batch(resolver_);
  std::map<std::string, std::size_t> pending;  // destination domain -> index in `batch`
  std::size_t skipped = 0;
  for (const Entry& e : entries) {
    const ReportUri& u = *e.uri;
    if (!u.error.empty()) {
      Add("DMARCInvalidReportURI", Severity::kFail,
          std::string(e.tag) + "= entry " + QuoteForMessage(u.text, 80) + " at " + source +
              " is unusable (" + u.error + "); receivers skip it: use mailto:address@domain.");
      continue;
    }
    if (u.scheme != "mailto") {
      Add("DMARCInvalidReportURI", Severity::kWarn,
          std::string(e.tag) + "= entry " + QuoteForMessage(u.text, 80) + " at " + source +
              " uses " + u.scheme + ":, but receivers send reports only to mailto: addresses.");
      continue;
    }
    ReportDestination dest{u.text, u.domain, false, true};
    const std::string dest_org = OrganizationalDomain(u.domain);
    dest.external = (dest_org.empty() || policy_org.empty()) ? u.domain != policy_domain
                                                             : dest_org != policy_org;
    if (dest.external && !pending.contains(u.domain)) {
      const std::string name = policy_domain + "._report._dmarc." + u.domain;
      if (pending.size() < kMaxVerifiedDestinations && name.size() <= 253) {
        pending.emplace(u.domain, batch.Add(name, dns::RecordType::kTxt));
      } else {
        ++skipped;
      }
    }
    dest.authorized = !dest.external;
    result_.report_destinations.push_back(std::move(dest));
  }

  std::map<std::string, bool> authorized;
  for (auto& [dest_domain, asked] : pending) {
    const dns::Answer& answer = batch.Get(asked);
    const std::string name = policy_domain + "._report._dmarc." + dest_domain;
    if (dns::IsFailure(answer.outcome)) {
      Add("DMARCDNSError", Severity::kError,
          "Could not verify that " + dest_domain + " accepts DMARC reports for " + policy_domain +
              ": " + std::string(dns::ToString(answer.outcome)) + " looking up " + name + ".");
      continue;
    }
    bool ok = std::any_of(answer.records.begin(), answer.records.end(), [](const std::string& t) {
      return ClassifyRecord(t) == RecordKind::kDmarc;
    });
    authorized[dest_domain] = ok;
    if (!ok) {
      Add("DMARCExternalReportUnauthorized", Severity::kWarn,
          "Report destination " + dest_domain + " has not authorised reports for " + policy_domain +
              " (no \"v=DMARC1\" TXT record at " + name +
              "), so receivers will not send them; ask its operator to publish one.");
    }
  }
  if (skipped > 0) {
    Add("DMARCTooManyReportDestinations", Severity::kInfo,
        "DMARC record at " + source +
            " lists more external report destinations than are "
            "verified (" +
            std::to_string(kMaxVerifiedDestinations) + "); " + std::to_string(skipped) +
            " were not checked.");
  }
  for (ReportDestination& d : result_.report_destinations) {
    if (d.external) {
      auto it = authorized.find(d.domain);
      d.authorized = it != authorized.end() && it->second;
    }
  }

  std::size_t usable_rua = 0;
  for (std::size_t i = 0; i < result_.report_destinations.size(); ++i) {
    const ReportDestination& d = result_.report_destinations[i];
    bool is_rua = std::any_of(record.aggregate_reports.begin(), record.aggregate_reports.end(),
                              [&](const ReportUri& u) { return u.text == d.uri; });
    if (is_rua && d.authorized) ++usable_rua;
  }
  const Severity severity = options_.require_reports ? Severity::kFail : Severity::kWarn;
  if (record.aggregate_reports.empty()) {
    Add("DMARCNoReports", severity,
        "DMARC record at " + source +
            " has no rua= address, so nobody receives aggregate reports about mail sent as " +
            domain_ + "; add rua=mailto:dmarc-reports@" + policy_domain + ".");
  } else if (usable_rua == 0 && options_.require_reports) {
    Add("DMARCNoReports", Severity::kFail,
        "None of the rua= addresses at " + source +
            " can receive aggregate reports (invalid or unauthorised); fix them.");
  }
}

DmarcCheckResult Checker::Run() {
  if (domain_.empty() || domain_.size() > 240) {
    Add("DMARCSyntaxError", Severity::kFail,
        "The domain " + QuoteForMessage(domain_, 80) + " is not a valid DNS name.");
  } else {
    result_.discovery.organizational_domain = OrganizationalDomain(domain_);
    Discover();
    if (found_) {
      JudgeRecord(*found_);
    } else {
      Add("DMARCMissing", Severity::kFail,
          "No DMARC record for " + domain_ + " at " + DmarcName(domain_) +
              " or its parent domains; publish \"v=DMARC1; p=none; rua=mailto:...\" at " +
              DmarcName(domain_) + " to start.");
    }
  }
  result_.status = checks::StatusFromFindings(result_.findings);
  return std::move(result_);
}

}  // namespace

DmarcCheckResult CheckDmarc(dns::Resolver& resolver, std::string_view domain,
                            const DmarcCheckOptions& options) {
  return Checker(resolver, NormalizeDnsName(domain), options).Run();
}

}  // namespace mdo::checks::dmarc
