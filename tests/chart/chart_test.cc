// The Helm chart, rendered and linted by the real helm 4: lint, objects, the CRD copy, the values
// schema, and the ConfigMap and flags as the operator's own option parser reads them.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "chart/chart_support.h"
#include "operator/options.h"

namespace mdo::chart_test {
namespace {

using testing::ReadFileOrEmpty;

std::set<std::pair<std::string, std::string>> KindsAndNames(const std::vector<YAML::Node>& objs) {
  std::set<std::pair<std::string, std::string>> out;
  for (const YAML::Node& o : objs) {
    std::string name = o["metadata"]["name"].as<std::string>("");
    if (o["metadata"]["namespace"])
      name = o["metadata"]["namespace"].as<std::string>() + "/" + name;
    out.insert({o["kind"].as<std::string>(""), name});
  }
  return out;
}

YAML::Node OperatorContainer(const std::vector<YAML::Node>& objects) {
  auto deployments = FindAll(objects, "Deployment");
  if (deployments.size() != 1) {
    ADD_FAILURE() << "expected one Deployment, got " << deployments.size();
    return {};
  }
  return deployments[0]["spec"]["template"]["spec"]["containers"][0];
}

std::string RenderedConfig(const std::vector<YAML::Node>& objects) {
  auto maps = FindAll(objects, "ConfigMap");
  if (maps.size() != 1) {
    ADD_FAILURE() << "expected one ConfigMap, got " << maps.size();
    return "";
  }
  return maps[0]["data"]["config.yaml"].as<std::string>("");
}

std::vector<std::string> Args(const YAML::Node& container) {
  std::vector<std::string> out;
  for (const auto& a : container["args"]) out.push_back(a.as<std::string>());
  return out;
}

bool HasArg(const std::vector<std::string>& args, const std::string& arg) {
  return std::find(args.begin(), args.end(), arg) != args.end();
}

// --- lint -------------------------------------------------------------------------------------

TEST(ChartLintTest, StrictLintIsCleanWithDefaultValues) {
  Tools tools;
  auto r = tools.Helm({"lint", "--strict", ChartDir().string()});
  EXPECT_TRUE(r.exited_ok()) << r.Describe() << "\n" << r.stdout_text << r.stderr_text;
  EXPECT_NE(r.stdout_text.find("0 chart(s) failed"), std::string::npos) << r.stdout_text;
  EXPECT_EQ(r.stdout_text.find("[WARNING]"), std::string::npos) << r.stdout_text;
  EXPECT_EQ(r.stdout_text.find("[ERROR]"), std::string::npos) << r.stdout_text;
}

TEST(ChartLintTest, StrictLintIsCleanWithEverythingOn) {
  Tools tools;
  auto r = tools.Helm({"lint", "--strict", ChartDir().string(), "--namespace", "ops", "-f",
                       TestValues("everything-on.yaml").string()});
  EXPECT_TRUE(r.exited_ok()) << r.Describe() << "\n" << r.stdout_text << r.stderr_text;
  EXPECT_EQ(r.stdout_text.find("[WARNING]"), std::string::npos) << r.stdout_text;
  EXPECT_EQ(r.stdout_text.find("[ERROR]"), std::string::npos) << r.stdout_text;
}

// --- rendered objects -------------------------------------------------------------------------

TEST(ChartRenderTest, DefaultValuesRenderExactlyTheCoreObjects) {
  Tools tools;
  auto objects = tools.Template();
  std::set<std::pair<std::string, std::string>> expected = {
      {"CustomResourceDefinition", "maildomains.mailops.dev"},
      {"ServiceAccount", "maildomain-system/maildomain-operator"},
      {"ConfigMap", "maildomain-system/maildomain-operator"},
      {"ClusterRole", "maildomain-operator-controller"},
      {"ClusterRoleBinding", "maildomain-operator-controller"},
      {"ClusterRole", "maildomain-operator-view"},
      {"ClusterRole", "maildomain-operator-edit"},
      {"Service", "maildomain-system/maildomain-operator-metrics"},
      {"Deployment", "maildomain-system/maildomain-operator"},
  };
  EXPECT_EQ(KindsAndNames(objects), expected);
  for (const YAML::Node& o : objects) {
    EXPECT_EQ(o["metadata"]["labels"]["app.kubernetes.io/instance"].as<std::string>(""),
              "maildomain-operator")
        << o["kind"];
  }
}

TEST(ChartRenderTest, EverythingOnRendersTheOptionalObjects) {
  Tools tools;
  auto objects = tools.Template({"-f", TestValues("everything-on.yaml").string()}, "x", "ops");
  auto names = KindsAndNames(objects);
  for (const auto& want : std::vector<std::pair<std::string, std::string>>{
           {"ServiceMonitor", "ops/mdo"},
           {"PrometheusRule", "ops/mdo"},
           {"PodDisruptionBudget", "ops/mdo"},
           {"NetworkPolicy", "ops/mdo"},
           {"Role", "mail/mdo-controller"},
           {"Role", "marketing/mdo-controller"},
           {"RoleBinding", "mail/mdo-controller"},
           {"RoleBinding", "marketing/mdo-controller"},
           {"Role", "mdo-leases/mdo-leader-election"},
           {"RoleBinding", "mdo-leases/mdo-leader-election"}}) {
    EXPECT_TRUE(names.count(want)) << want.first << " " << want.second;
  }
  EXPECT_FALSE(names.count({"ClusterRole", "mdo-controller"}));

  // The alerts use the metric names the operator exports.
  auto rules = FindAll(objects, "PrometheusRule");
  ASSERT_EQ(rules.size(), 1u);
  std::map<std::string, std::string> alerts;
  for (const auto& rule : rules[0]["spec"]["groups"][0]["rules"]) {
    alerts[rule["alert"].as<std::string>()] = rule["expr"].as<std::string>();
    EXPECT_TRUE(rule["labels"]["severity"]) << rule["alert"];
  }
  EXPECT_EQ(alerts.size(), 5u);
  EXPECT_NE(alerts["MailDomainNotReady"].find("maildomain_ready"), std::string::npos);
  EXPECT_NE(alerts["MailDomainBlacklisted"].find("maildomain_blacklist_listings"),
            std::string::npos);
  EXPECT_NE(alerts["MailDomainCheckErrors"].find("maildomain_check_status{status=\"error\"}"),
            std::string::npos);
  EXPECT_NE(alerts["MailDomainOperatorNoLeader"].find("maildomain_leader"), std::string::npos);
  EXPECT_TRUE(alerts.count("MailDomainOperatorSlowReconciles"));

  auto monitors = FindAll(objects, "ServiceMonitor");
  ASSERT_EQ(monitors.size(), 1u);
  EXPECT_EQ(monitors[0]["metadata"]["labels"]["release"].as<std::string>(""),
            "kube-prometheus-stack");
  EXPECT_EQ(monitors[0]["spec"]["endpoints"][0]["port"].as<std::string>(""), "metrics");

  // DNS egress on 53 and on the port of "10.0.1.53:5353" from config.dns.servers.
  auto policies = FindAll(objects, "NetworkPolicy");
  ASSERT_EQ(policies.size(), 1u);
  std::set<std::string> dns_ports;
  for (const auto& p : policies[0]["spec"]["egress"][0]["ports"]) {
    dns_ports.insert(p["port"].as<std::string>() + "/" + p["protocol"].as<std::string>());
  }
  EXPECT_EQ(dns_ports, (std::set<std::string>{"53/UDP", "53/TCP", "5353/UDP", "5353/TCP"}));

  auto container = OperatorContainer(objects);
  EXPECT_EQ(container["image"].as<std::string>(""),
            "registry.example.com/mail/maildomain-operator@sha256:"
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
}

TEST(ChartRenderTest, DeploymentHasProbesPortsAndDownwardApiEnv) {
  Tools tools;
  auto objects = tools.Template();
  auto container = OperatorContainer(objects);
  ASSERT_TRUE(container);
  std::map<std::string, int> ports;
  for (const auto& p : container["ports"])
    ports[p["name"].as<std::string>()] = p["containerPort"].as<int>();
  EXPECT_EQ(ports["metrics"], 8080);
  EXPECT_EQ(ports["health"], 8081);
  EXPECT_EQ(container["livenessProbe"]["httpGet"]["path"].as<std::string>(""), "/healthz");
  EXPECT_EQ(container["livenessProbe"]["httpGet"]["port"].as<std::string>(""), "health");
  EXPECT_EQ(container["readinessProbe"]["httpGet"]["path"].as<std::string>(""), "/readyz");
  std::map<std::string, std::string> env;
  for (const auto& e : container["env"]) {
    env[e["name"].as<std::string>()] = e["valueFrom"]["fieldRef"]["fieldPath"].as<std::string>("");
  }
  EXPECT_EQ(env["POD_NAME"], "metadata.name");
  EXPECT_EQ(env["POD_NAMESPACE"], "metadata.namespace");
  EXPECT_TRUE(container["resources"]["requests"]["memory"]);

  auto services = FindAll(objects, "Service");
  ASSERT_EQ(services.size(), 1u);
  EXPECT_EQ(services[0]["spec"]["ports"][0]["name"].as<std::string>(""), "metrics");
  EXPECT_EQ(services[0]["spec"]["ports"][0]["targetPort"].as<std::string>(""), "metrics");
}

TEST(ChartRenderTest, LeaderElectionTurnsOnWithMoreThanOneReplica) {
  struct Case {
    std::vector<std::string> sets;
    bool leader_elect;
  };
  const std::vector<Case> cases = {
      {{}, false},
      {{"--set", "replicaCount=2"}, true},
      {{"--set", "replicaCount=2", "--set", "leaderElection.enabled=false"}, false},
      {{"--set", "leaderElection.enabled=true"}, true},
  };
  Tools tools;
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.sets));
    auto objects = tools.Template(c.sets);
    auto args = Args(OperatorContainer(objects));
    EXPECT_EQ(HasArg(args, "--leader-elect"), c.leader_elect);
    EXPECT_EQ(FindAll(objects, "Role", "maildomain-operator-leader-election").size(),
              c.leader_elect ? 1u : 0u);
    auto deployment = FindAll(objects, "Deployment")[0];
    EXPECT_EQ(deployment["spec"]["strategy"]["type"].as<std::string>(""),
              c.leader_elect ? "RollingUpdate" : "Recreate");
    YAML::Node config = YAML::Load(RenderedConfig(objects));
    EXPECT_EQ(config["leaderElection"]["enabled"].as<bool>(), c.leader_elect);
  }
}

// --- the CRD ------------------------------------------------------------------------------------

TEST(ChartCrdTest, ChartCarriesAByteForByteCopyOfTheCrd) {
  const std::string source = ReadFileOrEmpty(CrdSource());
  const std::string copy =
      ReadFileOrEmpty(ChartDir() / "files" / "crds" / "mailops.dev_maildomains.yaml");
  ASSERT_FALSE(source.empty());
  EXPECT_TRUE(source == copy)
      << "the chart's CRD differs from crds/; run: cp crds/mailops.dev_maildomains.yaml "
         "charts/maildomain-operator/files/crds/";
}

TEST(ChartCrdTest, RenderedCrdIsTheSourceWithChartLabelsAndKeepPolicy) {
  Tools tools;
  auto crds = FindAll(tools.Template(), "CustomResourceDefinition");
  ASSERT_EQ(crds.size(), 1u);
  nlohmann::json rendered = ToJson(crds[0]);
  nlohmann::json source = ToJson(YAML::LoadFile(CrdSource().string()));

  EXPECT_EQ(rendered["metadata"]["annotations"]["helm.sh/resource-policy"], "keep");
  for (const auto& [key, value] : source["metadata"]["labels"].items()) {
    EXPECT_EQ(rendered["metadata"]["labels"][key], value) << key;
  }
  EXPECT_EQ(rendered["metadata"]["labels"]["app.kubernetes.io/managed-by"], "Helm");
  rendered["metadata"].erase("labels");
  rendered["metadata"].erase("annotations");
  source["metadata"].erase("labels");
  source["metadata"].erase("annotations");
  EXPECT_EQ(rendered, source) << "diff: " << nlohmann::json::diff(source, rendered).dump(2);
}

TEST(ChartCrdTest, CrdValuesControlInstallAndKeep) {
  Tools tools;
  auto no_keep = FindAll(tools.Template({"--set", "crds.keep=false"}), "CustomResourceDefinition");
  ASSERT_EQ(no_keep.size(), 1u);
  EXPECT_FALSE(no_keep[0]["metadata"]["annotations"]["helm.sh/resource-policy"]);
  EXPECT_TRUE(
      FindAll(tools.Template({"--set", "crds.enabled=false"}), "CustomResourceDefinition").empty());
}

// --- values.schema.json -------------------------------------------------------------------------

TEST(ChartSchemaTest, RejectsBadValuesNamingThem) {
  struct Case {
    std::string set;
    std::string named;
  };
  const std::vector<Case> cases = {
      {"replicaCount=-1", "/replicaCount"},
      {"image.pullPolicy=Sometimes", "/image/pullPolicy"},
      {"config.dns.timeoutMs=fast", "/config/dns/timeoutMs"},
      {"config.workers=0", "/config/workers"},
      {"config.checks.defaultInterval=hourly", "/config/checks/defaultInterval"},
      {"config.blacklists.ipZones[0]=not a zone", "/config/blacklists/ipZones/0"},
      {"log.format=xml", "/log/format"},
      {"leaderElection.enabled=maybe", "/leaderElection/enabled"},
      {"watchNamespaces[0]=Not_A_Namespace", "/watchNamespaces/0"},
      {"ports.metrics=70000", "/ports/metrics"},
      {"config.dns.servers[0]=resolver:dns", "/config/dns/servers/0"},
      {"unknownKey=1", "unknownKey"},
  };
  Tools tools;
  for (const Case& c : cases) {
    auto r = tools.Helm({"template", "x", ChartDir().string(), "--set", c.set});
    EXPECT_FALSE(r.exited_ok()) << c.set << " was accepted";
    EXPECT_NE(r.stderr_text.find(c.named), std::string::npos) << c.set << ": " << r.stderr_text;
  }
  auto lint = tools.Helm({"lint", "--strict", ChartDir().string(), "--set", "replicaCount=-1"});
  EXPECT_FALSE(lint.exited_ok());
  EXPECT_NE(lint.stdout_text.find("/replicaCount"), std::string::npos) << lint.stdout_text;
}

// --- the configuration file and flags, as the operator reads them -------------------------------

// The YAML block of docs/configuration.md "## The configuration file".
YAML::Node DocumentedConfig() {
  const std::string doc = ReadFileOrEmpty(testing::SourceDir() / "docs" / "configuration.md");
  const auto section = doc.find("## The configuration file");
  const auto begin = doc.find("```yaml\n", section);
  const auto end = doc.find("```", begin + 8);
  if (section == std::string::npos || begin == std::string::npos || end == std::string::npos) {
    ADD_FAILURE() << "no configuration example in docs/configuration.md";
    return {};
  }
  return YAML::Load(doc.substr(begin + 8, end - begin - 8));
}

// Every key path of a YAML map tree ("dns.cache.minTtlSeconds").
void KeyPaths(const YAML::Node& node, const std::string& prefix, std::set<std::string>& out) {
  if (!node.IsMap()) return;
  for (const auto& kv : node) {
    const std::string path = prefix + kv.first.Scalar();
    out.insert(path);
    KeyPaths(kv.second, path + ".", out);
  }
}

TEST(ChartConfigTest, ConfigMapHasEveryDocumentedKeyAndTheDocumentedDefaults) {
  Tools tools;
  YAML::Node rendered = YAML::Load(RenderedConfig(tools.Template()));
  YAML::Node documented = DocumentedConfig();
  ASSERT_TRUE(documented.IsMap());
  std::set<std::string> rendered_keys, documented_keys;
  KeyPaths(rendered, "", rendered_keys);
  KeyPaths(documented, "", documented_keys);
  EXPECT_EQ(rendered_keys, documented_keys);
  for (const char* section :
       {"dns", "checks", "blacklists", "workers", "domainsPerWorker", "namespaces"}) {
    EXPECT_EQ(ToJson(rendered[section]), ToJson(documented[section])) << section;
  }
  // The chart's own choices: the Lease named after the release, JSON logs for collectors.
  EXPECT_EQ(rendered["leaderElection"]["id"].as<std::string>(""), "maildomain-operator");
  EXPECT_EQ(rendered["leaderElection"]["namespace"].as<std::string>(""), "maildomain-system");
  EXPECT_EQ(rendered["log"]["format"].as<std::string>(""), "json");
}

TEST(ChartConfigTest, OperatorAcceptsTheRenderedConfigAndFlags) {
  Tools tools;
  struct Case {
    std::vector<std::string> values;
    bool leader_elect;
    std::vector<std::string> namespaces;
    int workers;
  };
  const std::vector<Case> cases = {
      {{}, false, {}, 4},
      {{"-f", TestValues("everything-on.yaml").string()}, true, {"mail", "marketing"}, 8},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.values));
    auto objects = tools.Template(c.values);
    const std::string config_text = RenderedConfig(objects);
    operator_main::OperatorOptions from_file;
    auto applied = operator_main::ApplyConfigYaml(config_text, "config.yaml", from_file);
    ASSERT_TRUE(applied.ok()) << applied.error().message;
    EXPECT_EQ(from_file.workers, c.workers);
    EXPECT_EQ(from_file.namespaces, c.namespaces);
    EXPECT_EQ(from_file.leader_election.enabled, c.leader_elect);

    // The Deployment's flags, with --config pointing at the rendered file.
    const auto config_path = tools.dir().WriteFile("config.yaml", config_text);
    auto args = Args(OperatorContainer(objects));
    auto it = std::find(args.begin(), args.end(), "--config");
    ASSERT_NE(it, args.end());
    ASSERT_NE(it + 1, args.end());
    EXPECT_EQ(*(it + 1), "/etc/maildomain-operator/config.yaml");
    *(it + 1) = config_path.string();
    auto options = operator_main::ParseOptions(args);
    ASSERT_TRUE(options.ok()) << options.error().message;
    EXPECT_EQ(options->leader_election.enabled, c.leader_elect);
    EXPECT_EQ(options->namespaces, c.namespaces);
    EXPECT_EQ(options->metrics_bind_address, ":8080");
    EXPECT_EQ(options->health_probe_bind_address, ":8081");
  }
}

}  // namespace
}  // namespace mdo::chart_test

namespace mdo::chart_test {
namespace {

// Leaf paths of values.yaml: scalars, lists, and maps the schema leaves free-form (no
// "properties"), such as resources or podAnnotations.
void ValuePaths(const YAML::Node& value, const nlohmann::json& schema, const std::string& path,
                std::vector<std::string>& out) {
  if (value.IsMap() && schema.contains("properties")) {
    for (const auto& kv : value) {
      const std::string key = kv.first.Scalar();
      const nlohmann::json& sub =
          schema["properties"].contains(key) ? schema["properties"][key] : nlohmann::json::object();
      ValuePaths(kv.second, sub, path.empty() ? key : path + "." + key, out);
    }
    return;
  }
  out.push_back(path);
}

TEST(ChartDocsTest, ReadmeDocumentsEveryValue) {
  const YAML::Node values = YAML::LoadFile((ChartDir() / "values.yaml").string());
  const nlohmann::json schema =
      nlohmann::json::parse(ReadFileOrEmpty(ChartDir() / "values.schema.json"));
  const std::string readme = ReadFileOrEmpty(ChartDir() / "README.md");
  std::vector<std::string> paths;
  ValuePaths(values, schema, "", paths);
  EXPECT_GE(paths.size(), 60u);
  for (const std::string& p : paths) {
    EXPECT_NE(readme.find("| `" + p + "` |"), std::string::npos) << p << " is not in README.md";
  }
}

}  // namespace
}  // namespace mdo::chart_test

namespace mdo::chart_test {
namespace {

// NOTES.txt as `helm install --dry-run=client` prints it (no cluster needed).
std::string Notes(const Tools& tools, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"install",     "x",   ChartDir().string(),
                                   "--namespace", "ops", "--dry-run=client"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = tools.Helm(args);
  EXPECT_TRUE(r.exited_ok()) << r.stderr_text;
  const auto notes = r.stdout_text.find("NOTES:");
  EXPECT_NE(notes, std::string::npos) << r.stdout_text;
  return notes == std::string::npos ? "" : r.stdout_text.substr(notes);
}

TEST(ChartNotesTest, WarnAboutResolverAndReplicasWithoutLeaderElection) {
  Tools tools;
  const std::string defaults = Notes(tools, {});
  EXPECT_NE(defaults.find("config.dns.servers"), std::string::npos) << defaults;
  EXPECT_NE(defaults.find("leader election off"), std::string::npos) << defaults;
  EXPECT_EQ(defaults.find("WARNING"), std::string::npos) << defaults;

  const std::string configured =
      Notes(tools, {"--set", "config.dns.servers={10.0.0.53}", "--set", "replicaCount=2"});
  EXPECT_EQ(configured.find("config.dns.servers"), std::string::npos) << configured;
  EXPECT_NE(configured.find("leader election on (Lease ops/x-maildomain-operator)"),
            std::string::npos)
      << configured;

  const std::string unsafe =
      Notes(tools, {"--set", "replicaCount=3", "--set", "leaderElection.enabled=false"});
  EXPECT_NE(unsafe.find("WARNING: 3 replicas without leader election"), std::string::npos)
      << unsafe;
}

}  // namespace
}  // namespace mdo::chart_test
