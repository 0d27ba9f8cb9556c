#include "report/domain_report.h"

#include <condition_variable>
#include <ctime>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <utility>

#include "checks/blacklists/blacklist_json.h"
#include "checks/finding_json.h"
#include "checks/mx/mx_check.h"
#include "checks/mx/mx_json.h"
#include "checks/rdns/rdns_check.h"
#include "checks/rdns/rdns_json.h"
#include "common/strings.h"
#include "report/check_pool.h"
#if MDO_HAVE_SPF
#include "checks/spf/spf_check.h"
#include "checks/spf/spf_json.h"
#endif
#if MDO_HAVE_DKIM
#include "checks/dkim/dkim_check.h"
#include "checks/dkim/dkim_json.h"
#endif
#if MDO_HAVE_DMARC
#include "checks/dmarc/dmarc_check.h"
#include "checks/dmarc/dmarc_json.h"
#endif

namespace mdo::report {
namespace {

using checks::CheckStatus;
using checks::Finding;
using checks::Severity;

CheckBlock Skipped(std::string why) {
  CheckBlock block;
  block.status = CheckStatus::kSkipped;
  block.findings.push_back({"CheckSkipped", Severity::kInfo, std::move(why)});
  block.json = {{"status", "skipped"}, {"findings", checks::ToJson(block.findings)}};
  return block;
}

template <typename R>
CheckBlock FromResult(const R& result, nlohmann::json json) {
  CheckBlock block;
  block.status = result.status;
  block.findings = result.findings;
  block.json = std::move(json);
  return block;
}

[[maybe_unused]] CheckBlock NotBuilt(CheckKind kind) {
  return Skipped(std::string(ToString(kind)) + " is not built into this binary.");
}

// The checks' first questions, asked together before any check runs: their answers then come
// back in one burst (one round trip, one wake-up) instead of one per check, and a question several
// checks ask (the SPF record, once for the analysis and once per sender) is answered from here.
// Questions queued with Ask() go out with the next batch anyone asks through this resolver (or
// Flush()), so reverse DNS's first questions ride along with the blacklist lookups. Every other
// question passes straight through.
class FirstQuestions : public dns::Resolver {
 public:
  explicit FirstQuestions(dns::Resolver& next) : next_(next) {}

  // Queues the question, unless it was already asked.
  void Ask(std::string name, dns::RecordType type) {
    std::lock_guard lock(mu_);
    if (Find(name, type)) return;
    Entry& entry = entries_.emplace_back();
    entry.name = std::move(name);
    entry.type = type;
  }

  // Asks every queued question now and waits for the answers.
  void Flush() { ResolveAll({}); }

  // Answered here once answered; otherwise passed on (the cache joins a question on the wire).
  void Query(std::string_view name, dns::RecordType type, Callback done) override {
    std::optional<dns::Answer> answer;
    {
      std::lock_guard lock(mu_);
      if (Entry* entry = Find(name, type); entry && entry->state == State::kAnswered) {
        answer = entry->answer;
      }
    }
    if (answer) {
      done(*answer);
    } else {
      next_.Query(name, type, std::move(done));
    }
  }

  dns::Answer Resolve(std::string_view name, dns::RecordType type) override {
    const dns::Question question{name, type};
    return std::move(ResolveAll(std::span(&question, 1)).front());
  }

  // The questions, with every queued one, in one batch to the next resolver; those another
  // thread is asking now are waited for.
  std::vector<dns::Answer> ResolveAll(std::span<const dns::Question> questions) override {
    constexpr std::size_t kQueuedOnly = static_cast<std::size_t>(-1);
    std::vector<dns::Answer> answers(questions.size());
    std::vector<dns::Question> asked;
    std::vector<Entry*> asked_entries;   // null: not an up-front question
    std::vector<std::size_t> asked_for;  // index in `questions`, or kQueuedOnly
    std::vector<std::pair<std::size_t, Entry*>> awaited;
    {
      std::lock_guard lock(mu_);
      auto ask = [&](Entry* entry, dns::Question question, std::size_t index) {
        if (entry) entry->state = State::kAsking;
        asked.push_back(question);
        asked_entries.push_back(entry);
        asked_for.push_back(index);
      };
      for (std::size_t i = 0; i < questions.size(); ++i) {
        Entry* entry = Find(questions[i].name, questions[i].type);
        if (entry == nullptr) {
          ask(nullptr, questions[i], i);
        } else if (entry->state == State::kAnswered) {
          answers[i] = entry->answer;
        } else if (entry->state == State::kAsking) {
          awaited.emplace_back(i, entry);  // by another thread, or earlier in this batch
        } else {
          ask(entry, {entry->name, entry->type}, i);
        }
      }
      for (Entry& entry : entries_) {
        if (entry.state == State::kQueued) ask(&entry, {entry.name, entry.type}, kQueuedOnly);
      }
    }
    if (!asked.empty()) {
      std::vector<dns::Answer> got = next_.ResolveAll(asked);
      {
        std::lock_guard lock(mu_);
        for (std::size_t k = 0; k < asked.size(); ++k) {
          if (asked_entries[k] == nullptr) continue;
          asked_entries[k]->answer = got[k];
          asked_entries[k]->state = State::kAnswered;
        }
      }
      cv_.notify_all();
      for (std::size_t k = 0; k < asked.size(); ++k) {
        if (asked_for[k] != kQueuedOnly) answers[asked_for[k]] = std::move(got[k]);
      }
    }
    if (!awaited.empty()) {
      std::unique_lock lock(mu_);
      for (auto& [index, entry] : awaited) {
        cv_.wait(lock, [entry = entry] { return entry->state == State::kAnswered; });
        answers[index] = entry->answer;
      }
    }
    return answers;
  }

 private:
  enum class State { kQueued, kAsking, kAnswered };
  struct Entry {
    std::string name;
    dns::RecordType type = dns::RecordType::kA;
    State state = State::kQueued;
    dns::Answer answer;
  };
  Entry* Find(std::string_view name, dns::RecordType type) {
    for (Entry& e : entries_) {
      if (e.type == type && e.name == name) return &e;
    }
    return nullptr;
  }

  dns::Resolver& next_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Entry> entries_;  // a deque: entries keep their address while more are added
};

std::vector<net::IpAddress> Addresses(const checks::mx::MxCheckResult& mx) {
  std::vector<net::IpAddress> out;
  for (const checks::mx::MxHost& host : mx.hosts) {
    for (const std::string& a : host.addresses) {
      if (auto ip = net::IpAddress::Parse(a)) out.push_back(*ip);
    }
  }
  return out;
}

}  // namespace

std::string_view ToString(CheckKind kind) {
  switch (kind) {
    case CheckKind::kSpf:
      return "spf";
    case CheckKind::kDkim:
      return "dkim";
    case CheckKind::kDmarc:
      return "dmarc";
    case CheckKind::kMx:
      return "mx";
    case CheckKind::kRdns:
      return "rdns";
    case CheckKind::kBlacklists:
      return "blacklists";
  }
  return "";
}

std::optional<CheckKind> ParseCheckKind(std::string_view word) {
  for (CheckKind kind : kAllChecks) {
    if (ToString(kind) == word) return kind;
  }
  return std::nullopt;
}

DomainReport RunChecks(dns::Resolver& upstream, const api::MailDomainSpec& spec,
                       const ReportOptions& options) {
  DomainReport report;
  report.domain = spec.domain;
  report.checked_at = options.now ? options.now() : std::chrono::system_clock::now();
  auto selected = [&](CheckKind k) { return options.checks.count(k) > 0; };
  const std::string& domain = spec.domain;
  const bool want_rdns = selected(CheckKind::kRdns) && spec.reverse_dns.enabled;
  const bool want_bl = selected(CheckKind::kBlacklists) && spec.blacklists.enabled;

  // Declared before the jobs: they use it until they are waited for below.
  FirstQuestions resolver(upstream);
  {
    const std::string name = NormalizeDnsName(domain);
#if MDO_HAVE_SPF
    if (selected(CheckKind::kSpf) && spec.spf.enabled) resolver.Ask(name, dns::RecordType::kTxt);
#endif
#if MDO_HAVE_DKIM
    if (selected(CheckKind::kDkim)) {
      for (const std::string& selector : spec.dkim.selectors) {
        if (auto txt = checks::dkim::SelectorName(selector, name)) {
          resolver.Ask(std::move(*txt), dns::RecordType::kTxt);
        }
      }
    }
#endif
#if MDO_HAVE_DMARC
    if (selected(CheckKind::kDmarc) && spec.dmarc.enabled) {
      resolver.Ask("_dmarc." + name, dns::RecordType::kTxt);
    }
#endif
    if (selected(CheckKind::kMx) || want_rdns || want_bl) resolver.Ask(name, dns::RecordType::kMx);
    resolver.Flush();
  }

  // With a pool, SPF runs there beside the rest, which saves one domain's latency when its
  // include chain takes round trips of its own; without, everything runs here (fewer hand-offs
  // between threads: the operator's workers already check many domains at once).
  std::shared_ptr<CheckPool::Job> spf;
  CheckBlock spf_block;
  // Should this thread's part throw, the job still refers to the locals above: wait for it.
  struct WaitForJob {
    std::shared_ptr<CheckPool::Job>* job;
    ~WaitForJob() {
      if (!*job) return;
      try {
        (*job)->Wait();
      } catch (...) {  // already unwinding
      }
    }
  } wait_for_job{&spf};
  if (!selected(CheckKind::kSpf)) {
    report.checks[CheckKind::kSpf] = Skipped("spf was not selected.");
  } else if (!spec.spf.enabled) {
    report.checks[CheckKind::kSpf] = Skipped("spf is disabled by spec.spf.enabled.");
  } else {
#if MDO_HAVE_SPF
    auto check_spf = [&] {
      checks::spf::SpfCheckOptions o;
      o.senders = spec.senders;
      o.require_hard_fail = spec.spf.require_hard_fail;
      auto r = checks::spf::CheckSpf(resolver, domain, o);
      spf_block = FromResult(r, checks::spf::ToJson(r));
    };
    if (options.pool) {
      spf = options.pool->Post(check_spf);
    } else {
      check_spf();
      report.checks[CheckKind::kSpf] = std::move(spf_block);
    }
#else
    report.checks[CheckKind::kSpf] = NotBuilt(CheckKind::kSpf);
#endif
  }

  if (!selected(CheckKind::kDkim)) {
    report.checks[CheckKind::kDkim] = Skipped("dkim was not selected.");
  } else {
#if MDO_HAVE_DKIM
    // On this thread even with a pool, as DMARC below: their answers came with the first batch,
    // so on a pool thread they would only add two hand-offs between threads.
    {
      checks::dkim::DkimCheckOptions o;
      o.selectors = spec.dkim.selectors;
      o.minimum_key_bits = spec.dkim.minimum_key_bits;
      auto r = checks::dkim::CheckDkim(resolver, domain, o);
      CheckBlock block = FromResult(r, checks::dkim::ToJson(r));
      for (const auto& s : r.selectors) {
        block.findings.insert(block.findings.end(), s.findings.begin(), s.findings.end());
      }
      report.checks[CheckKind::kDkim] = std::move(block);
    }
#else
    report.checks[CheckKind::kDkim] = NotBuilt(CheckKind::kDkim);
#endif
  }

  if (!selected(CheckKind::kDmarc)) {
    report.checks[CheckKind::kDmarc] = Skipped("dmarc was not selected.");
  } else if (!spec.dmarc.enabled) {
    report.checks[CheckKind::kDmarc] = Skipped("dmarc is disabled by spec.dmarc.enabled.");
  } else {
#if MDO_HAVE_DMARC
    {
      checks::dmarc::DmarcCheckOptions o;
      switch (spec.dmarc.minimum_policy) {
        case api::DmarcPolicy::kNone:
          o.minimum_policy = checks::dmarc::DmarcPolicy::kNone;
          break;
        case api::DmarcPolicy::kQuarantine:
          o.minimum_policy = checks::dmarc::DmarcPolicy::kQuarantine;
          break;
        case api::DmarcPolicy::kReject:
          o.minimum_policy = checks::dmarc::DmarcPolicy::kReject;
          break;
      }
      o.require_reports = spec.dmarc.require_reports;
      auto r = checks::dmarc::CheckDmarc(resolver, domain, o);
      report.checks[CheckKind::kDmarc] = FromResult(r, checks::dmarc::ToJson(r));
    }
#else
    report.checks[CheckKind::kDmarc] = NotBuilt(CheckKind::kDmarc);
#endif
  }

  // MX runs on this thread: reverse DNS and blacklists need its addresses. It also runs when
  // only those two were selected, but is then reported as skipped.
  checks::mx::MxCheckResult mx;
  if (selected(CheckKind::kMx) || want_rdns || want_bl) {
    mx = checks::mx::CheckMx(resolver, domain, {.required = spec.mx.required});
  }
  if (selected(CheckKind::kMx)) {
    report.checks[CheckKind::kMx] = FromResult(mx, checks::mx::ToJson(mx));
  } else {
    report.checks[CheckKind::kMx] = Skipped("mx was not selected.");
  }

  std::vector<net::IpAddress> addresses = spec.senders;
  for (const net::IpAddress& ip : Addresses(mx)) addresses.push_back(ip);
  // Reverse DNS's first questions go out with the blacklist lookups, so that the two checks,
  // run one after the other here, cost two round trips rather than three.
  if (want_rdns && want_bl) {
    for (const net::IpAddress& ip : addresses) {
      resolver.Ask(ip.Unmapped().ReverseName(), dns::RecordType::kPtr);
    }
  }

  if (!selected(CheckKind::kBlacklists)) {
    report.checks[CheckKind::kBlacklists] = Skipped("blacklists was not selected.");
  } else if (!spec.blacklists.enabled) {
    report.checks[CheckKind::kBlacklists] =
        Skipped("blacklists is disabled by spec.blacklists.enabled.");
  } else {
    checks::blacklists::BlacklistCheckOptions o;
    o.ips = addresses;
    o.domains = {domain};
    o.ip_zones =
        spec.blacklists.ip_zones.empty() ? options.default_ip_zones : spec.blacklists.ip_zones;
    o.domain_zones = spec.blacklists.domain_zones.empty() ? options.default_domain_zones
                                                          : spec.blacklists.domain_zones;
    o.probe_cache = options.probe_cache;
    auto r = checks::blacklists::CheckBlacklists(resolver, o);
    if (r.status == CheckStatus::kSkipped) {
      report.checks[CheckKind::kBlacklists] = Skipped("no blacklist zones to query.");
    } else {
      CheckBlock block = FromResult(r, checks::blacklists::ToJson(r));
      // The status' printer column counts listings (crds/: .status.blacklists.listingCount).
      block.json["listingCount"] = r.listings.size();
      report.checks[CheckKind::kBlacklists] = std::move(block);
    }
  }

  if (!selected(CheckKind::kRdns)) {
    report.checks[CheckKind::kRdns] = Skipped("rdns was not selected.");
  } else if (!spec.reverse_dns.enabled) {
    report.checks[CheckKind::kRdns] = Skipped("rdns is disabled by spec.reverseDNS.enabled.");
  } else {
    auto r = checks::rdns::CheckReverseDns(resolver, addresses);
    if (r.status == CheckStatus::kSkipped) {
      CheckBlock block = Skipped(
          "no addresses to check: declare the sending IPs (spec.senders or --sender-ip) and "
          "publish MX hosts with addresses.");
      block.json["addresses"] = nlohmann::json::array();
      report.checks[CheckKind::kRdns] = std::move(block);
    } else {
      report.checks[CheckKind::kRdns] = FromResult(r, checks::rdns::ToJson(r));
    }
  }

  if (spf) {
    std::shared_ptr<CheckPool::Job> waited = std::move(spf);
    waited->Wait();
    report.checks[CheckKind::kSpf] = std::move(spf_block);
  }
  report.status = CheckStatus::kSkipped;
  for (const auto& [kind, block] : report.checks) {
    report.status = checks::Worst(report.status, block.status);
  }
  return report;
}

int ExitCode(const std::vector<DomainReport>& reports) {
  CheckStatus worst = CheckStatus::kSkipped;
  for (const DomainReport& r : reports) worst = checks::Worst(worst, r.status);
  if (worst == CheckStatus::kFail) return 1;
  if (worst == CheckStatus::kError) return 3;
  return 0;
}

std::string FormatRfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace mdo::report
