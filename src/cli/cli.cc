#include "cli/cli.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "api/maildomain.h"
#include "api/manifest.h"
#include "common/strings.h"
#include "dns/server_address.h"
#include "net/ip_address.h"
#include "report/check_pool.h"
#include "report/domain_report.h"
#include "report/interleaved.h"
#include "report/report_json.h"
#include "report/report_text.h"
#if MDO_HAVE_SPF
#include "checks/spf/check_host.h"
#endif

namespace mdo::cli {
namespace {

constexpr std::size_t kMaxManifestBytes = 16 << 20;

struct Flags {
  bool spf_mode = false;
  bool json = false;
  bool help = false;
  std::vector<std::string> selectors;
  std::vector<net::IpAddress> sender_ips;
  std::vector<std::string> ip_zones;
  std::vector<std::string> domain_zones;
  std::vector<std::string> dns_servers;
  std::optional<std::set<report::CheckKind>> checks;
  std::optional<int> timeout_ms;
  std::optional<int> attempts;
  std::optional<std::string> file;
  std::vector<std::string> positionals;
  // spf subcommand
  std::optional<net::IpAddress> ip;
  std::string sender;
  std::string helo;
};

Result<int> ParseInt(std::string_view flag, std::string_view text, int min, int max) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return Fail(std::string(flag) + " expects a whole number from " + std::to_string(min) + " to " +
                std::to_string(max) + ", got " + QuoteForMessage(text, 40));
  }
  return value;
}

Result<net::IpAddress> ParseIp(std::string_view flag, std::string_view text) {
  std::optional<net::IpAddress> ip = net::IpAddress::Parse(text);
  if (!ip) {
    return Fail(std::string(flag) + ": " + QuoteForMessage(text, 60) +
                " is not an IPv4 or IPv6 address");
  }
  return *ip;
}

Result<std::string> ParseZone(std::string_view flag, std::string_view text) {
  Result<std::string> zone = api::NormalizeDomain(text, 2);
  if (!zone.ok()) return Fail(std::string(flag) + ": " + zone.error().message);
  return zone;
}

Result<std::set<report::CheckKind>> ParseChecks(std::string_view text) {
  std::set<report::CheckKind> out;
  for (std::string_view word : Split(text, ',')) {
    word = TrimWhitespace(word);
    std::optional<report::CheckKind> kind = report::ParseCheckKind(AsciiLower(word));
    if (!kind) {
      return Fail("--checks: unknown check " + QuoteForMessage(word, 40) +
                  "; use a comma list of spf,dkim,dmarc,mx,rdns,blacklists");
    }
    out.insert(*kind);
  }
  return out;
}

// Options that take a value, and whether the spf subcommand accepts them.
struct OptionSpec {
  std::string_view name;
  bool takes_value;
  bool in_check_mode;
  bool in_spf_mode;
};
constexpr OptionSpec kOptions[] = {
    {"--dkim-selector", true, true, false}, {"--sender-ip", true, true, false},
    {"--ip-blacklist", true, true, false},  {"--domain-blacklist", true, true, false},
    {"--checks", true, true, false},        {"--dns-server", true, true, true},
    {"--timeout", true, true, true},        {"--attempts", true, true, true},
    {"--json", false, true, true},          {"--file", true, true, false},
    {"--help", false, true, true},          {"--ip", true, false, true},
    {"--sender", true, false, true},        {"--helo", true, false, true},
};

Status Apply(Flags& f, std::string_view name, std::string_view value) {
  if (name == "--json") {
    f.json = true;
  } else if (name == "--help") {
    f.help = true;
  } else if (name == "--dkim-selector") {
    if (!api::IsValidSelector(value)) {
      return Fail("--dkim-selector: " + QuoteForMessage(value, 60) +
                  " is not a DKIM selector (letters, digits, '_' and '-', dot-separated)");
    }
    f.selectors.push_back(AsciiLower(value));
  } else if (name == "--sender-ip") {
    Result<net::IpAddress> ip = ParseIp(name, value);
    if (!ip.ok()) return MakeUnexpected(ip.error());
    f.sender_ips.push_back(*ip);
  } else if (name == "--ip") {
    Result<net::IpAddress> ip = ParseIp(name, value);
    if (!ip.ok()) return MakeUnexpected(ip.error());
    f.ip = *ip;
  } else if (name == "--ip-blacklist" || name == "--domain-blacklist") {
    Result<std::string> zone = ParseZone(name, value);
    if (!zone.ok()) return MakeUnexpected(zone.error());
    (name == "--ip-blacklist" ? f.ip_zones : f.domain_zones).push_back(*zone);
  } else if (name == "--checks") {
    Result<std::set<report::CheckKind>> checks = ParseChecks(value);
    if (!checks.ok()) return MakeUnexpected(checks.error());
    f.checks = *checks;
  } else if (name == "--dns-server") {
    Result<dns::ServerAddress> server = dns::ParseServerAddress(value);
    if (!server.ok()) return Fail("--dns-server: " + server.error().message);
    f.dns_servers.emplace_back(value);
  } else if (name == "--timeout") {
    Result<int> ms = ParseInt(name, value, 1, 600000);
    if (!ms.ok()) return MakeUnexpected(ms.error());
    f.timeout_ms = *ms;
  } else if (name == "--attempts") {
    Result<int> n = ParseInt(name, value, 1, 10);
    if (!n.ok()) return MakeUnexpected(n.error());
    f.attempts = *n;
  } else if (name == "--file") {
    if (value.empty()) return Fail("--file needs a manifest path");
    f.file = std::string(value);
  } else if (name == "--sender") {
    if (value.empty() || value.size() > 320 ||
        value.find_first_of(" \t\r\n") != std::string_view::npos) {
      return Fail("--sender: " + QuoteForMessage(value, 60) + " is not a mail address");
    }
    f.sender = std::string(value);
  } else if (name == "--helo") {
    Result<std::string> helo = api::NormalizeDomain(value, 1);
    if (!helo.ok()) return Fail("--helo: " + helo.error().message);
    f.helo = *helo;
  }
  return {};
}

Result<Flags> ParseArgs(const std::vector<std::string>& args) {
  Flags f;
  std::size_t i = 0;
  if (!args.empty() && args[0] == "spf") {
    f.spf_mode = true;
    i = 1;
  }
  bool only_positionals = false;
  for (; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (only_positionals || arg.size() < 2 || arg[0] != '-') {
      f.positionals.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positionals = true;
      continue;
    }
    std::string name(arg);
    std::optional<std::string> value;
    if (arg == "-f") name = "--file";
    if (arg == "-h") name = "--help";
    if (const auto eq = name.find('='); name.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    const OptionSpec* spec = nullptr;
    for (const OptionSpec& o : kOptions) {
      if (o.name == name) spec = &o;
    }
    if (!spec) return Fail("unknown option " + QuoteForMessage(arg, 60));
    if (f.spf_mode ? !spec->in_spf_mode : !spec->in_check_mode) {
      return Fail("option " + name +
                  (f.spf_mode ? " is not valid with the spf subcommand"
                              : " is only valid with the spf subcommand"));
    }
    if (spec->takes_value && !value) {
      if (i + 1 >= args.size()) return Fail("option " + name + " needs a value");
      value = args[++i];
    } else if (!spec->takes_value && value) {
      return Fail("option " + name + " takes no value");
    }
    Status applied = Apply(f, name, value.value_or(""));
    if (!applied.ok()) return MakeUnexpected(applied.error());
  }
  return f;
}

dns::ResolverOptions ResolverOptionsOf(const Flags& f) {
  dns::ResolverOptions o;
  o.servers = f.dns_servers;
  if (f.timeout_ms) o.timeout_ms = *f.timeout_ms;
  if (f.attempts) o.attempts = *f.attempts;
  return o;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail("cannot read the manifest " + QuoteForMessage(path, 200));
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxManifestBytes) {
      return Fail("the manifest " + QuoteForMessage(path, 200) + " is larger than 16 MiB");
    }
  }
  return text;
}

int UsageError(const CliContext& c, const std::string& message) {
  c.err << "maildomain-check: " << message << "\n"
        << "Try 'maildomain-check --help' for usage.\n";
  return kExitUsage;
}

int RunSpf(const Flags& f, const CliContext& c) {
  if (!f.ip) return UsageError(c, "the spf subcommand needs --ip IP");
  if (f.positionals.size() != 1) {
    return UsageError(c, f.positionals.empty() ? "the spf subcommand needs a DOMAIN"
                                               : "the spf subcommand takes one DOMAIN");
  }
  Result<std::string> domain = api::NormalizeDomain(f.positionals[0], 1);
  if (!domain.ok()) return UsageError(c, "invalid domain: " + domain.error().message);
#if MDO_HAVE_SPF
  Result<std::shared_ptr<dns::Resolver>> resolver = c.make_resolver(ResolverOptionsOf(f));
  if (!resolver.ok()) {
    c.err << "maildomain-check: " << resolver.error().message << "\n";
    return kExitIncomplete;
  }
  checks::spf::CheckHostRequest request;
  request.ip = *f.ip;
  request.domain = *domain;
  request.sender = f.sender.empty() ? "postmaster@" + *domain : f.sender;
  request.helo = f.helo;
  const checks::spf::CheckHostResult result = checks::spf::CheckHost(**resolver, request);
  const std::string word(checks::spf::ToString(result.result));
  if (f.json) {
    nlohmann::json j{
        {"result", word}, {"explanation", result.explanation}, {"mechanism", result.mechanism}};
    c.out << report::DumpJson(j) << "\n";
  } else {
    c.out << word << "\n";
  }
  switch (result.result) {
    case checks::spf::SpfResult::kPass:
      return kExitOk;
    case checks::spf::SpfResult::kTempError:
      return kExitIncomplete;
    default:
      return kExitFailed;
  }
#else
  c.err << "maildomain-check: the SPF engine is not built into this binary\n";
  return kExitIncomplete;
#endif
}

int RunCheck(const Flags& f, const CliContext& c) {
  std::vector<api::MailDomainSpec> specs;
  if (f.file) {
    if (!f.positionals.empty()) {
      return UsageError(c, "give either DOMAIN or -f MANIFEST, not both");
    }
    if (!f.sender_ips.empty() || !f.selectors.empty()) {
      return UsageError(c,
                        "--sender-ip and --dkim-selector cannot be combined with -f: the "
                        "manifest declares senders and selectors");
    }
    Result<std::string> text = ReadFile(*f.file);
    if (!text.ok()) return UsageError(c, text.error().message);
    Result<std::vector<api::MailDomain>> domains = api::ReadMailDomains(*text);
    if (!domains.ok()) return UsageError(c, *f.file + ": " + domains.error().message);
    for (api::MailDomain& md : *domains) specs.push_back(std::move(md.spec));
  } else {
    if (f.positionals.size() != 1) {
      return UsageError(c, f.positionals.empty() ? "missing DOMAIN (or -f MANIFEST)"
                                                 : "only one DOMAIN per run (or use -f)");
    }
    Result<std::string> domain = api::NormalizeDomain(f.positionals[0]);
    if (!domain.ok()) return UsageError(c, "invalid domain: " + domain.error().message);
    api::MailDomainSpec spec;
    spec.domain = *domain;
    for (const net::IpAddress& ip : f.sender_ips) {
      if (std::find(spec.senders.begin(), spec.senders.end(), ip) == spec.senders.end()) {
        spec.senders.push_back(ip);
      }
    }
    spec.dkim.selectors = f.selectors;
    specs.push_back(std::move(spec));
  }

  Result<std::shared_ptr<dns::Resolver>> resolver = c.make_resolver(ResolverOptionsOf(f));
  if (!resolver.ok()) {
    c.err << "maildomain-check: " << resolver.error().message << "\n";
    return kExitIncomplete;
  }
  report::ReportOptions options;
  // One domain: SPF's own round trips overlap the other checks'.
  options.pool = &report::CheckPool::Default();
  if (f.checks) options.checks = *f.checks;
  if (!f.ip_zones.empty()) options.default_ip_zones = f.ip_zones;
  if (!f.domain_zones.empty()) options.default_domain_zones = f.domain_zones;

  std::vector<report::DomainReport> reports(specs.size());
  if (specs.size() == 1) {
    reports.front() = report::RunChecks(**resolver, specs.front(), options);
  } else {
    // Many domains (--file): checked together on this thread, their questions in shared
    // batches; printed in the file's order.
    std::size_t next = 0;
    report::RunChecksInterleaved(
        **resolver,
        [&]() -> const api::MailDomainSpec* {
          return next < specs.size() ? &specs[next++] : nullptr;
        },
        options, {},
        [&](const api::MailDomainSpec& spec, report::DomainReport report) {
          reports[static_cast<std::size_t>(&spec - specs.data())] = std::move(report);
        });
  }
  if (f.json) {
    nlohmann::json out;
    if (f.file) {
      out = nlohmann::json::array();
      for (const report::DomainReport& r : reports) out.push_back(report::ToJson(r));
    } else {
      out = report::ToJson(reports.front());
    }
    c.out << report::DumpJson(out) << "\n";
  } else {
    for (std::size_t i = 0; i < reports.size(); ++i) {
      if (i > 0) c.out << "\n";
      c.out << report::RenderText(reports[i], {.color = c.color});
    }
  }
  return report::ExitCode(reports);
}

}  // namespace

Result<std::shared_ptr<dns::Resolver>> MakeWireResolver(const dns::ResolverOptions& options) {
  auto resolver = dns::MakeResolver(options);
  if (!resolver.ok()) return MakeUnexpected(resolver.error());
  return std::shared_ptr<dns::Resolver>(std::move(resolver).value());
}

std::string Usage() {
  return R"(Usage:
  maildomain-check [options] DOMAIN
  maildomain-check [options] -f MANIFEST.yaml
  maildomain-check spf --ip IP [--sender ADDR] [--helo NAME] [--dns-server ...] [--json] DOMAIN

Checks an email domain's SPF, DKIM, DMARC, MX, reverse DNS and DNS blacklist listings.

Options:
  --dkim-selector NAME        DKIM selector to check (repeatable)
  --sender-ip IP              sending IP, IPv4 or IPv6 (repeatable): SPF check_host, reverse DNS,
                              blacklists
  --ip-blacklist ZONE         IP-based DNSBL zone (repeatable; replaces the default IP zones)
  --domain-blacklist ZONE     domain-based list zone (repeatable; replaces the default domain zones)
  --checks LIST               comma list of spf,dkim,dmarc,mx,rdns,blacklists (default: all)
  --dns-server HOST[:PORT]    DNS server, an IP address (repeatable; default: /etc/resolv.conf)
  --timeout MS                per-query DNS timeout in milliseconds (default 2000)
  --attempts N                tries per DNS query (default 2)
  --json                      machine-readable report (one object; an array with -f)
  -f, --file MANIFEST.yaml    check every MailDomain in a (multi-document) manifest
  -h, --help                  this help

spf subcommand: RFC 7208 check_host() for one IP; prints the result word (pass, fail, softfail,
neutral, none, temperror, permerror), or with --json {"result","explanation","mechanism"}.
  --ip IP                     the connecting IP (required)
  --sender ADDR               MAIL FROM address (default postmaster@DOMAIN)
  --helo NAME                 HELO/EHLO name

Exit status: 0 no check failed (warnings allowed); 1 at least one check failed (spf: the result
is not pass); 2 usage or input error; 3 nothing failed but some check could not be completed
(DNS errors; spf: temperror).
)";
}

int RunMailDomainCheck(const std::vector<std::string>& args, const CliContext& context) {
  Result<Flags> flags = ParseArgs(args);
  if (!flags.ok()) return UsageError(context, flags.error().message);
  if (flags->help) {
    context.out << Usage();
    return kExitOk;
  }
  return flags->spf_mode ? RunSpf(*flags, context) : RunCheck(*flags, context);
}

}  // namespace mdo::cli
