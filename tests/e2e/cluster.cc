#include "e2e/cluster.h"

#include <signal.h>

#include <sstream>
#include <thread>

namespace mdo::e2e {

namespace {

std::string Bin(const std::string& name) { return (testing::BinaryDir() / "bin" / name).string(); }

}  // namespace

bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::string OperatorProcess::Metrics() const {
  auto r = testing::RunProcess({"curl", "-sf", "--max-time", "5",
                                "http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics"},
                               {}, {}, std::chrono::seconds(10));
  return r.exited_ok() ? r.stdout_text : "";
}

double OperatorProcess::MetricValue(const std::string& series) const {
  std::istringstream in(Metrics());
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

std::string OperatorProcess::Log() const { return testing::ReadFileOrEmpty(log_file); }

std::string Cluster::Start() {
  auto knot = testing::KnotServer::Start(
      testing::ZonesFromDirectory(testing::SourceDir() / "demo" / "zones"));
  if (!knot.ok()) return "Knot: " + knot.error().message;
  knot_ = std::move(*knot);

  kubeconfig_ = dir_.path() / "kubeconfig";
  testing::Subprocess::Options options;
  options.stderr_file = dir_.path() / "kube-testserver.log";
  auto server = testing::Subprocess::Start(
      {Bin("kube-testserver"), "--port", "0", "--kubeconfig-out", kubeconfig_.string(), "--tls",
       (dir_.path() / "tls").string(), "--token", "e2e-token"},
      options);
  if (!server.ok()) return "kube-testserver: " + server.error().message;
  apiserver_ = std::move(*server);
  auto line = apiserver_->ReadLine(std::chrono::seconds(20));
  if (!line || line->rfind("listening on ", 0) != 0) {
    return "kube-testserver did not say 'listening on': " +
           testing::ReadFileOrEmpty(options.stderr_file);
  }
  url_ = line->substr(std::string("listening on ").size());

  auto crd = Kubectl(
      {"apply", "-f", (testing::SourceDir() / "crds" / "mailops.dev_maildomains.yaml").string()});
  if (!crd.exited_ok()) return "kubectl apply CRD: " + crd.Describe();
  auto established = Kubectl(
      {"wait", "--for", "condition=Established", "--timeout=30s", "crd/maildomains.mailops.dev"});
  if (!established.exited_ok()) return "CRD not established: " + established.Describe();
  return "";
}

Cluster::~Cluster() {
  if (apiserver_) apiserver_->Stop(std::chrono::seconds(2));
}

testing::ProcessResult Cluster::Kubectl(const std::vector<std::string>& args,
                                        std::string_view stdin_text) {
  std::vector<std::string> argv = {(testing::SourceDir() / ".tools" / "bin" / "kubectl").string(),
                                   "--kubeconfig", kubeconfig_.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::RunProcess(argv, {{"HOME", (dir_.path() / "home").string()}}, stdin_text,
                             std::chrono::seconds(60));
}

json Cluster::Admin(const std::string& method, const std::string& path, const json& body) {
  std::vector<std::string> argv = {"curl", "-s",       "--max-time",
                                   "10",   "--cacert", (dir_.path() / "tls" / "ca.crt").string(),
                                   "-X",   method,     url_ + path};
  if (!body.is_null()) {
    argv.insert(argv.end(), {"-H", "Content-Type: application/json", "-d", body.dump()});
  }
  auto r = testing::RunProcess(argv, {}, {}, std::chrono::seconds(15));
  return json::parse(r.stdout_text, nullptr, false);
}

json Cluster::GetMailDomain(const std::string& name, const std::string& ns) {
  auto r = Kubectl({"get", "maildomain", name, "-n", ns, "-o", "json"});
  if (!r.exited_ok()) return nullptr;
  return json::parse(r.stdout_text, nullptr, false);
}

json Cluster::Condition(const std::string& name, const std::string& type, const std::string& ns) {
  json md = GetMailDomain(name, ns);
  if (!md.is_object()) return nullptr;
  const json conditions = md.value("status", json::object()).value("conditions", json::array());
  for (const json& c : conditions) {
    if (c.value("type", "") == type) return c;
  }
  return nullptr;
}

std::vector<json> Cluster::Events(const std::string& name, const std::string& ns) {
  auto r = Kubectl({"get", "events.v1.events.k8s.io", "-n", ns, "-o", "json"});
  std::vector<json> out;
  if (!r.exited_ok()) return out;
  json list = json::parse(r.stdout_text, nullptr, false);
  if (!list.is_object()) return out;
  for (const json& e : list.value("items", json::array())) {
    const json regarding = e.value("regarding", json::object());
    if (regarding.value("kind", "") == "MailDomain" && regarding.value("name", "") == name) {
      out.push_back(e);
    }
  }
  return out;
}

std::unique_ptr<OperatorProcess> Cluster::StartOperator(const std::vector<std::string>& extra) {
  auto op = std::make_unique<OperatorProcess>();
  op->metrics_port = testing::FreePort();
  op->health_port = testing::FreePort();
  op->log_file = dir_.path() / ("operator-" + std::to_string(++operator_counter_) + ".log");
  std::vector<std::string> argv = {
      Bin("maildomain-operator"),
      "--kubeconfig",
      kubeconfig_.string(),
      "--config",
      (testing::SourceDir() / "demo" / "operator-config.yaml").string(),
      "--dns-server",
      knot_->address(),
      "--metrics-bind-address",
      "127.0.0.1:" + std::to_string(op->metrics_port),
      "--health-probe-bind-address",
      "127.0.0.1:" + std::to_string(op->health_port),
      "--log-level",
      "debug"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  testing::Subprocess::Options options;
  options.stderr_file = op->log_file;
  options.env = {{"POD_NAMESPACE", "default"},
                 {"POD_NAME", "operator-" + std::to_string(operator_counter_)}};
  auto process = testing::Subprocess::Start(argv, options);
  if (!process.ok()) return nullptr;
  op->process = std::move(*process);
  return op;
}

std::string Cluster::ApplyDemoDomains() {
  auto r = Kubectl({"apply", "-f", (testing::SourceDir() / "demo" / "maildomains.yaml").string()});
  if (!r.exited_ok()) return "kubectl apply demo: " + r.Describe();
  const bool checked = Eventually([&] {
    auto list = Kubectl({"get", "maildomains", "-n", "mail", "-o", "json"});
    json j = json::parse(list.stdout_text, nullptr, false);
    if (!j.is_object()) return false;
    int ready = 0;
    for (const json& md : j.value("items", json::array())) {
      for (const json& c : md.value("status", json::object()).value("conditions", json::array())) {
        if (c.value("type", "") == "Ready" && c.value("status", "") != "Unknown") ++ready;
      }
    }
    return ready == 5;
  });
  return checked ? "" : "the demo MailDomains were not all checked within 60 s";
}

void Cluster::Recheck(const std::string& name, const std::string& ns) {
  Kubectl({"annotate", "maildomain", name, "-n", ns, "--overwrite",
           "mailops.dev/recheck=e2e-" + std::to_string(++recheck_counter_)});
}

std::string Cluster::ZoneText(const std::string& zone) const {
  return testing::ReadFileOrEmpty(testing::SourceDir() / "demo" / "zones" / (zone + ".zone"));
}

}  // namespace mdo::e2e
