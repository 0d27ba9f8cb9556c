#include "reliability/operator_fixture.h"

#include <fstream>

namespace mdo::reliability {

namespace {
int launches = 0;
}  // namespace

std::unique_ptr<e2e::OperatorProcess> StartOperator(e2e::Cluster& cluster,
                                                    const OperatorLaunch& launch) {
  auto op = std::make_unique<e2e::OperatorProcess>();
  const int n = ++launches;
  op->metrics_port = testing::FreePort();
  op->health_port = testing::FreePort();
  op->log_file = cluster.dir() / ("reliability-operator-" + std::to_string(n) + ".log");
  std::filesystem::path config = testing::SourceDir() / "demo" / "operator-config.yaml";
  if (!launch.config_yaml.empty()) {
    config = cluster.dir() / ("reliability-config-" + std::to_string(n) + ".yaml");
    std::ofstream(config) << launch.config_yaml;
  }
  const std::filesystem::path kubeconfig =
      launch.kubeconfig.empty() ? cluster.dir() / "kubeconfig" : launch.kubeconfig;
  std::vector<std::string> argv = {(testing::BinaryDir() / "bin" / "maildomain-operator").string(),
                                   "--kubeconfig",
                                   kubeconfig.string(),
                                   "--config",
                                   config.string(),
                                   "--metrics-bind-address",
                                   "127.0.0.1:" + std::to_string(op->metrics_port),
                                   "--health-probe-bind-address",
                                   "127.0.0.1:" + std::to_string(op->health_port),
                                   "--log-level",
                                   launch.log_level,
                                   "--log-format",
                                   launch.log_format};
  if (!launch.dns_server.empty()) {
    argv.push_back("--dns-server");
    argv.push_back(launch.dns_server);
  }
  argv.insert(argv.end(), launch.extra.begin(), launch.extra.end());
  testing::Subprocess::Options options;
  options.stderr_file = op->log_file;
  options.env = {{"POD_NAMESPACE", "default"}, {"POD_NAME", "reliability-" + std::to_string(n)}};
  for (const auto& [k, v] : launch.env) options.env[k] = v;
  auto process = testing::Subprocess::Start(argv, options);
  if (!process.ok()) return nullptr;
  op->process = std::move(*process);
  return op;
}

int ProbeCode(const e2e::OperatorProcess& op, const std::string& path) {
  auto r = testing::RunProcess({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time",
                                "5", "http://127.0.0.1:" + std::to_string(op.health_port) + path},
                               {}, {}, std::chrono::seconds(10));
  try {
    return std::stoi(r.stdout_text);
  } catch (...) {
    return 0;
  }
}

std::string Apply(e2e::Cluster& cluster, const std::string& yaml) {
  auto r = cluster.Kubectl({"apply", "-f", "-"}, yaml);
  return r.exited_ok() ? "" : r.Describe() + "\n" + r.stderr_text;
}

std::string MailDomainYaml(const std::string& name, const std::string& domain,
                           const std::string& extra_spec) {
  return "apiVersion: v1\nkind: Namespace\nmetadata: {name: mail}\n---\n"
         "apiVersion: mailops.dev/v1alpha1\nkind: MailDomain\nmetadata: {name: " +
         name + ", namespace: mail}\nspec:\n  domain: " + domain + "\n" + extra_spec;
}

std::vector<json> OperatorRequests(e2e::Cluster& cluster, const std::string& query) {
  json log = cluster.Admin("GET", "/admin/requests" + (query.empty() ? "" : "?" + query));
  std::vector<json> out;
  if (!log.is_object()) return out;
  for (const json& r : log.value("requests", json::array())) {
    if (r.value("userAgent", "").rfind("maildomain-operator", 0) == 0) out.push_back(r);
  }
  return out;
}

}  // namespace mdo::reliability
