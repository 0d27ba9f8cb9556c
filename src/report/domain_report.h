// The domain report: every enabled check run over one resolver, and the combined status.
// Renderers (JSON per DESIGN section 3, human text) live in report_json.h and report_text.h.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api/maildomain.h"
#include "checks/blacklists/blacklist_check.h"
#include "checks/finding.h"
#include "dns/resolver.h"

namespace mdo::report {

class CheckPool;

// In the order of the JSON report's `checks` object.
enum class CheckKind { kSpf, kDkim, kDmarc, kMx, kRdns, kBlacklists };
inline constexpr std::array<CheckKind, 6> kAllChecks = {CheckKind::kSpf,   CheckKind::kDkim,
                                                        CheckKind::kDmarc, CheckKind::kMx,
                                                        CheckKind::kRdns,  CheckKind::kBlacklists};
// "spf", "dkim", "dmarc", "mx", "rdns", "blacklists": the JSON keys and the --checks words.
std::string_view ToString(CheckKind kind);
std::optional<CheckKind> ParseCheckKind(std::string_view word);

struct CheckBlock {
  checks::CheckStatus status = checks::CheckStatus::kSkipped;
  // Every finding of the check, nested ones included (DKIM selectors'), for people and tests.
  std::vector<checks::Finding> findings;
  // The check's JSON block exactly as the report shows it ({"status", ..., "findings"}).
  nlohmann::json json;
};

struct DomainReport {
  std::string domain;
  std::chrono::system_clock::time_point checked_at;
  checks::CheckStatus status = checks::CheckStatus::kSkipped;  // the worst of the checks
  std::map<CheckKind, CheckBlock> checks;                      // all six, skipped ones included
};

struct ReportOptions {
  std::set<CheckKind> checks{kAllChecks.begin(), kAllChecks.end()};
  // Used when the spec names no zones of its own.
  std::vector<std::string> default_ip_zones = checks::blacklists::DefaultIpZones();
  std::vector<std::string> default_domain_zones = checks::blacklists::DefaultDomainZones();
  checks::blacklists::ProbeCache* probe_cache = nullptr;  // nullptr: the process-wide cache
  // Runs SPF beside the other checks (lower latency for one domain: the CLI); nullptr: every
  // check on the calling thread (the operator, whose workers check many domains at once).
  CheckPool* pool = nullptr;
  std::function<std::chrono::system_clock::time_point()> now;  // empty: the system clock
};

// Runs every check enabled by both the spec and `options.checks` over `resolver` (SPF beside the
// others when `options.pool` is set). The first question of every check is asked in one batch
// before any check starts, and answered to every check that asks it. Reverse DNS gets the senders
// and the MX hosts' addresses; blacklists get those plus the domain.
DomainReport RunChecks(dns::Resolver& resolver, const api::MailDomainSpec& spec,
                       const ReportOptions& options);

// Exit status per DESIGN section 3: 0 when no check failed (warnings allowed), 1 when one
// failed, 3 when nothing failed but some check could not be completed.
int ExitCode(const std::vector<DomainReport>& reports);

// "2026-11-27T10:00:00Z".
std::string FormatRfc3339(std::chrono::system_clock::time_point t);

}  // namespace mdo::report
