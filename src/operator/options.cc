#include "operator/options.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include "common/duration.h"

namespace mdo::operator_main {

namespace {

// Walks a YAML mapping, rejecting unknown keys so that typos do not pass silently.
class ConfigReader {
 public:
  explicit ConfigReader(std::string file) : file_(std::move(file)) {}

  Status CheckKeys(const YAML::Node& node, const std::string& path,
                   const std::set<std::string>& allowed) {
    if (!node.IsMap()) return Error(path, "expected a mapping");
    for (const auto& kv : node) {
      const std::string key = kv.first.as<std::string>("");
      if (!allowed.count(key)) {
        return Error(path.empty() ? key : path + "." + key, "unknown key");
      }
    }
    return {};
  }

  Status Int(const YAML::Node& node, const std::string& path, int min, int max, int& out) {
    if (!node) return {};
    if (!node.IsScalar()) return Error(path, "expected an integer");
    const std::string text = node.Scalar();
    int value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size()) {
      return Error(path, "expected an integer, got \"" + text + "\"");
    }
    if (value < min || value > max) {
      return Error(path, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    out = value;
    return {};
  }

  Status Bool(const YAML::Node& node, const std::string& path, bool& out) {
    if (!node) return {};
    if (!node.IsScalar()) return Error(path, "expected true or false");
    const std::string text = node.Scalar();
    if (text == "true")
      out = true;
    else if (text == "false")
      out = false;
    else
      return Error(path, "expected true or false, got \"" + text + "\"");
    return {};
  }

  Status String(const YAML::Node& node, const std::string& path, std::string& out) {
    if (!node) return {};
    if (!node.IsScalar()) return Error(path, "expected a string");
    out = node.Scalar();
    return {};
  }

  Status StringList(const YAML::Node& node, const std::string& path,
                    std::vector<std::string>& out) {
    if (!node) return {};
    if (node.IsNull()) {
      out.clear();
      return {};
    }
    if (!node.IsSequence()) return Error(path, "expected a list of strings");
    std::vector<std::string> values;
    for (std::size_t i = 0; i < node.size(); ++i) {
      if (!node[i].IsScalar()) {
        return Error(path + "[" + std::to_string(i) + "]", "expected a string");
      }
      values.push_back(node[i].Scalar());
    }
    out = std::move(values);
    return {};
  }

  template <typename Duration>
  Status DurationValue(const YAML::Node& node, const std::string& path, Duration& out) {
    if (!node) return {};
    if (!node.IsScalar()) return Error(path, "expected a duration such as 30s or 1h");
    auto parsed = ParseDuration(node.Scalar());
    if (!parsed.ok()) return Error(path, parsed.error().message);
    out = std::chrono::duration_cast<Duration>(*parsed);
    return {};
  }

  Unexpected<mdo::Error> Error(const std::string& path, const std::string& what) const {
    return Fail(file_ + ": " + path + ": " + what);
  }

 private:
  std::string file_;
};

#define MDO_RETURN_IF_ERROR(expr)      \
  do {                                 \
    auto status_ = (expr);             \
    if (!status_.ok()) return status_; \
  } while (false)

Result<int> ParseIntFlag(const std::string& flag, const std::string& value, int min, int max) {
  int out = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || ptr != value.data() + value.size() || out < min || out > max) {
    return Fail(flag + ": expected an integer from " + std::to_string(min) + " to " +
                std::to_string(max) + ", got \"" + value + "\"");
  }
  return out;
}

}  // namespace

Status ApplyConfigYaml(const std::string& yaml_text, const std::string& file_name,
                       OperatorOptions& o) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return Fail(file_name + ": not valid YAML: " + e.what());
  }
  if (!root || root.IsNull()) return {};
  ConfigReader r(file_name);
  MDO_RETURN_IF_ERROR(
      r.CheckKeys(root, "",
                  {"dns", "checks", "blacklists", "workers", "domainsPerWorker", "namespaces",
                   "leaderElection", "metricsBindAddress", "healthProbeBindAddress", "log"}));
  if (const YAML::Node dns = root["dns"]) {
    MDO_RETURN_IF_ERROR(r.CheckKeys(dns, "dns", {"servers", "timeoutMs", "attempts", "cache"}));
    MDO_RETURN_IF_ERROR(r.StringList(dns["servers"], "dns.servers", o.dns_servers));
    MDO_RETURN_IF_ERROR(r.Int(dns["timeoutMs"], "dns.timeoutMs", 1, 60000, o.dns_timeout_ms));
    MDO_RETURN_IF_ERROR(r.Int(dns["attempts"], "dns.attempts", 1, 10, o.dns_attempts));
    if (const YAML::Node cache = dns["cache"]) {
      MDO_RETURN_IF_ERROR(
          r.CheckKeys(cache, "dns.cache", {"minTtlSeconds", "maxTtlSeconds", "maxBytes"}));
      MDO_RETURN_IF_ERROR(
          r.Int(cache["minTtlSeconds"], "dns.cache.minTtlSeconds", 0, 86400, o.dns_cache_min_ttl));
      MDO_RETURN_IF_ERROR(
          r.Int(cache["maxTtlSeconds"], "dns.cache.maxTtlSeconds", 0, 604800, o.dns_cache_max_ttl));
      if (cache["maxBytes"]) {
        // Up to 2 GiB - 1 (an int); 0 = unbounded.
        int max_bytes = 0;
        MDO_RETURN_IF_ERROR(
            r.Int(cache["maxBytes"], "dns.cache.maxBytes", 0, 2147483647, max_bytes));
        o.dns_cache_max_bytes = max_bytes;
      }
    }
  }
  if (const YAML::Node checks = root["checks"]) {
    MDO_RETURN_IF_ERROR(r.CheckKeys(checks, "checks", {"defaultInterval"}));
    MDO_RETURN_IF_ERROR(
        r.DurationValue(checks["defaultInterval"], "checks.defaultInterval", o.default_interval));
    if (o.default_interval < std::chrono::minutes(1)) {
      return r.Error("checks.defaultInterval", "must be at least 1m");
    }
  }
  if (const YAML::Node bl = root["blacklists"]) {
    MDO_RETURN_IF_ERROR(r.CheckKeys(bl, "blacklists", {"ipZones", "domainZones"}));
    MDO_RETURN_IF_ERROR(r.StringList(bl["ipZones"], "blacklists.ipZones", o.ip_zones));
    MDO_RETURN_IF_ERROR(r.StringList(bl["domainZones"], "blacklists.domainZones", o.domain_zones));
  }
  MDO_RETURN_IF_ERROR(r.Int(root["workers"], "workers", 1, 256, o.workers));
  MDO_RETURN_IF_ERROR(
      r.Int(root["domainsPerWorker"], "domainsPerWorker", 1, 1024, o.domains_per_worker));
  MDO_RETURN_IF_ERROR(r.StringList(root["namespaces"], "namespaces", o.namespaces));
  if (const YAML::Node le = root["leaderElection"]) {
    MDO_RETURN_IF_ERROR(r.CheckKeys(
        le, "leaderElection",
        {"enabled", "namespace", "id", "leaseDuration", "renewDeadline", "retryPeriod"}));
    auto& l = o.leader_election;
    MDO_RETURN_IF_ERROR(r.Bool(le["enabled"], "leaderElection.enabled", l.enabled));
    MDO_RETURN_IF_ERROR(r.String(le["namespace"], "leaderElection.namespace", l.namespace_name));
    MDO_RETURN_IF_ERROR(r.String(le["id"], "leaderElection.id", l.id));
    MDO_RETURN_IF_ERROR(
        r.DurationValue(le["leaseDuration"], "leaderElection.leaseDuration", l.lease_duration));
    MDO_RETURN_IF_ERROR(
        r.DurationValue(le["renewDeadline"], "leaderElection.renewDeadline", l.renew_deadline));
    MDO_RETURN_IF_ERROR(
        r.DurationValue(le["retryPeriod"], "leaderElection.retryPeriod", l.retry_period));
    // client-go's rule: leaseDuration > renewDeadline > 1.2 * retryPeriod.
    if (!(l.lease_duration > l.renew_deadline && l.renew_deadline * 10 > l.retry_period * 12)) {
      return r.Error("leaderElection", "need leaseDuration > renewDeadline > 1.2 x retryPeriod");
    }
  }
  MDO_RETURN_IF_ERROR(
      r.String(root["metricsBindAddress"], "metricsBindAddress", o.metrics_bind_address));
  MDO_RETURN_IF_ERROR(r.String(root["healthProbeBindAddress"], "healthProbeBindAddress",
                               o.health_probe_bind_address));
  if (const YAML::Node log = root["log"]) {
    MDO_RETURN_IF_ERROR(r.CheckKeys(log, "log", {"level", "format"}));
    MDO_RETURN_IF_ERROR(r.String(log["level"], "log.level", o.log_level));
    MDO_RETURN_IF_ERROR(r.String(log["format"], "log.format", o.log_format));
  }
  return {};
}

Result<OperatorOptions> ParseOptions(const std::vector<std::string>& args) {
  OperatorOptions o;
  // Splits "--flag=value" and "--flag value"; returns the flag's value or an error.
  struct Flag {
    std::string name;
    std::string value;
  };
  std::vector<Flag> flags;
  static const std::set<std::string> kBoolFlags = {"--leader-elect", "--help", "-h"};
  static const std::set<std::string> kValueFlags = {"--kubeconfig",
                                                    "--config",
                                                    "--metrics-bind-address",
                                                    "--health-probe-bind-address",
                                                    "--leader-election-namespace",
                                                    "--leader-election-id",
                                                    "--namespace",
                                                    "--workers",
                                                    "--domains-per-worker",
                                                    "--dns-server",
                                                    "--log-level",
                                                    "--log-format"};
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::string value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos && name.rfind("--", 0) == 0) {
      value = name.substr(eq + 1);
      name.resize(eq);
      has_value = true;
    }
    if (kBoolFlags.count(name)) {
      if (has_value && value != "true" && value != "false") {
        return Fail(name + ": expected true or false, got \"" + value + "\"");
      }
      flags.push_back({name, has_value ? value : "true"});
    } else if (kValueFlags.count(name)) {
      if (!has_value) {
        if (i + 1 >= args.size()) return Fail(name + ": missing value");
        value = args[++i];
      }
      flags.push_back({name, value});
    } else {
      return Fail("unknown argument \"" + args[i] + "\" (see --help)");
    }
  }
  for (const Flag& f : flags) {
    if (f.name == "--config") o.config_file = f.value;
  }
  if (!o.config_file.empty()) {
    std::ifstream in(o.config_file);
    if (!in) return Fail("--config: cannot read \"" + o.config_file + "\"");
    std::stringstream text;
    text << in.rdbuf();
    if (auto s = ApplyConfigYaml(text.str(), o.config_file, o); !s.ok())
      return Fail(s.error().message);
  }
  bool namespaces_from_flags = false;
  bool servers_from_flags = false;
  for (const Flag& f : flags) {
    if (f.name == "--help" || f.name == "-h")
      o.show_help = f.value == "true";
    else if (f.name == "--kubeconfig")
      o.kubeconfig = f.value;
    else if (f.name == "--metrics-bind-address")
      o.metrics_bind_address = f.value;
    else if (f.name == "--health-probe-bind-address")
      o.health_probe_bind_address = f.value;
    else if (f.name == "--leader-elect")
      o.leader_election.enabled = f.value == "true";
    else if (f.name == "--leader-election-namespace")
      o.leader_election.namespace_name = f.value;
    else if (f.name == "--leader-election-id")
      o.leader_election.id = f.value;
    else if (f.name == "--log-level")
      o.log_level = f.value;
    else if (f.name == "--log-format")
      o.log_format = f.value;
    else if (f.name == "--workers") {
      auto n = ParseIntFlag(f.name, f.value, 1, 256);
      if (!n.ok()) return Fail(n.error().message);
      o.workers = *n;
    } else if (f.name == "--domains-per-worker") {
      auto n = ParseIntFlag(f.name, f.value, 1, 1024);
      if (!n.ok()) return Fail(n.error().message);
      o.domains_per_worker = *n;
    } else if (f.name == "--namespace") {
      if (!namespaces_from_flags) o.namespaces.clear();
      namespaces_from_flags = true;
      o.namespaces.push_back(f.value);
    } else if (f.name == "--dns-server") {
      if (!servers_from_flags) o.dns_servers.clear();
      servers_from_flags = true;
      o.dns_servers.push_back(f.value);
    }
  }
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
  if (!kLevels.count(o.log_level)) {
    return Fail("--log-level: expected trace, debug, info, warn or error, got \"" + o.log_level +
                "\"");
  }
  if (o.log_format != "json" && o.log_format != "text") {
    return Fail("--log-format: expected json or text, got \"" + o.log_format + "\"");
  }
  return o;
}

std::string UsageText() {
  return R"(Usage: maildomain-operator [flags]

Keeps MailDomain resources (mailops.dev/v1alpha1) checked: SPF, DKIM, DMARC, MX, reverse DNS and
DNS blacklists, written back as status conditions, events and Prometheus metrics.

Flags (a flag overrides the --config file):
  --kubeconfig FILE                  default: in-cluster, then $KUBECONFIG, then ~/.kube/config
  --config FILE                      YAML configuration (see docs/configuration.md)
  --metrics-bind-address ADDR        default :8080 (0 disables)
  --health-probe-bind-address ADDR   default :8081 (/healthz, /readyz)
  --leader-elect                     take a Lease before reconciling
  --leader-election-namespace NS     default: the pod's namespace
  --leader-election-id NAME          default maildomain-operator
  --namespace NS                     repeatable; default all namespaces
  --workers N                        default 4
  --domains-per-worker N             MailDomains in flight per worker (default 16)
  --dns-server HOST[:PORT]           repeatable; default /etc/resolv.conf
  --log-level LEVEL                  trace|debug|info|warn|error (default info)
  --log-format json|text             default text
  -h, --help                         this text
)";
}

}  // namespace mdo::operator_main
