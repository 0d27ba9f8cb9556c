#include "report/domain_report.h"

#include <ctime>
#include <future>
#include <utility>

#include "checks/blacklists/blacklist_json.h"
#include "checks/finding_json.h"
#include "checks/mx/mx_check.h"
#include "checks/mx/mx_json.h"
#include "checks/rdns/rdns_check.h"
#include "checks/rdns/rdns_json.h"
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

DomainReport RunChecks(dns::Resolver& resolver, const api::MailDomainSpec& spec,
                       const ReportOptions& options) {
  DomainReport report;
  report.domain = spec.domain;
  report.checked_at = options.now ? options.now() : std::chrono::system_clock::now();
  auto selected = [&](CheckKind k) { return options.checks.count(k) > 0; };
  const std::string& domain = spec.domain;

  std::future<CheckBlock> spf, dkim, dmarc;
  if (!selected(CheckKind::kSpf)) {
    report.checks[CheckKind::kSpf] = Skipped("spf was not selected.");
  } else if (!spec.spf.enabled) {
    report.checks[CheckKind::kSpf] = Skipped("spf is disabled by spec.spf.enabled.");
  } else {
#if MDO_HAVE_SPF
    spf = std::async(std::launch::async, [&] {
      checks::spf::SpfCheckOptions o;
      o.senders = spec.senders;
      o.require_hard_fail = spec.spf.require_hard_fail;
      auto r = checks::spf::CheckSpf(resolver, domain, o);
      return FromResult(r, checks::spf::ToJson(r));
    });
#else
    report.checks[CheckKind::kSpf] = NotBuilt(CheckKind::kSpf);
#endif
  }

  if (!selected(CheckKind::kDkim)) {
    report.checks[CheckKind::kDkim] = Skipped("dkim was not selected.");
  } else {
#if MDO_HAVE_DKIM
    dkim = std::async(std::launch::async, [&] {
      checks::dkim::DkimCheckOptions o;
      o.selectors = spec.dkim.selectors;
      o.minimum_key_bits = spec.dkim.minimum_key_bits;
      auto r = checks::dkim::CheckDkim(resolver, domain, o);
      CheckBlock block = FromResult(r, checks::dkim::ToJson(r));
      for (const auto& s : r.selectors) {
        block.findings.insert(block.findings.end(), s.findings.begin(), s.findings.end());
      }
      return block;
    });
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
    dmarc = std::async(std::launch::async, [&] {
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
      return FromResult(r, checks::dmarc::ToJson(r));
    });
#else
    report.checks[CheckKind::kDmarc] = NotBuilt(CheckKind::kDmarc);
#endif
  }

  // MX runs on this thread: reverse DNS and blacklists need its addresses. It also runs when
  // only those two were selected, but is then reported as skipped.
  const bool want_rdns = selected(CheckKind::kRdns) && spec.reverse_dns.enabled;
  const bool want_bl = selected(CheckKind::kBlacklists) && spec.blacklists.enabled;
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

  std::future<CheckBlock> bl;
  if (!selected(CheckKind::kBlacklists)) {
    report.checks[CheckKind::kBlacklists] = Skipped("blacklists was not selected.");
  } else if (!spec.blacklists.enabled) {
    report.checks[CheckKind::kBlacklists] =
        Skipped("blacklists is disabled by spec.blacklists.enabled.");
  } else {
    bl = std::async(std::launch::async, [&] {
      checks::blacklists::BlacklistCheckOptions o;
      o.ips = addresses;
      o.domains = {domain};
      o.ip_zones =
          spec.blacklists.ip_zones.empty() ? options.default_ip_zones : spec.blacklists.ip_zones;
      o.domain_zones = spec.blacklists.domain_zones.empty() ? options.default_domain_zones
                                                            : spec.blacklists.domain_zones;
      o.probe_cache = options.probe_cache;
      auto r = checks::blacklists::CheckBlacklists(resolver, o);
      if (r.status == CheckStatus::kSkipped) return Skipped("no blacklist zones to query.");
      CheckBlock block = FromResult(r, checks::blacklists::ToJson(r));
      // The status' printer column counts listings (crds/: .status.blacklists.listingCount).
      block.json["listingCount"] = r.listings.size();
      return block;
    });
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

  for (auto [kind, future] :
       {std::pair{CheckKind::kSpf, &spf}, std::pair{CheckKind::kDkim, &dkim},
        std::pair{CheckKind::kDmarc, &dmarc}, std::pair{CheckKind::kBlacklists, &bl}}) {
    if (future->valid()) report.checks[kind] = future->get();
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
