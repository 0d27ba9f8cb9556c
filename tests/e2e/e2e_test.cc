// End-to-end tests of the operator: the real kubectl against kube-testserver (HTTPS, token),
// Knot serving the demo zones, and the operator binary. Each test has a cluster of its own.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "api/manifest.h"
#include "e2e/cluster.h"

namespace mdo::e2e {
namespace {

// Sets the serial (the third field after "SOA") of a demo zone file's text.
std::string BumpSerial(std::string zone_text, int serial) {
  std::smatch m;
  if (std::regex_search(zone_text, m, std::regex(R"(SOA\s+\S+\s+\S+\s+(\d+))"))) {
    zone_text.replace(static_cast<size_t>(m.position(1)), static_cast<size_t>(m.length(1)),
                      std::to_string(serial));
  }
  return zone_text;
}

std::string CondStatus(const json& c) { return c.is_object() ? c.value("status", "") : "<none>"; }
std::string CondReason(const json& c) { return c.is_object() ? c.value("reason", "") : "<none>"; }

int CountEvents(const std::vector<json>& events, const std::string& reason) {
  int n = 0;
  for (const json& e : events) {
    if (e.value("reason", "") == reason) ++n;
  }
  return n;
}

class E2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string error = cluster_.Start();
    ASSERT_EQ(error, "");
  }
  // Starts one operator (no leader election) and applies the demo domains.
  void StartWithDemo() {
    op_ = cluster_.StartOperator();
    ASSERT_NE(op_, nullptr);
    const std::string error = cluster_.ApplyDemoDomains();
    ASSERT_EQ(error, "") << op_->Log();
  }

  Cluster cluster_;
  std::unique_ptr<OperatorProcess> op_;
};

TEST_F(E2ETest, ColumnsAndConditionsMatchEachDomainsDefects) {
  StartWithDemo();
  EXPECT_EQ(CondStatus(cluster_.Condition("healthy", "Ready")), "True") << op_->Log();
  EXPECT_EQ(CondReason(cluster_.Condition("too-many-lookups", "SPFValid")), "SPFTooManyLookups");
  EXPECT_EQ(CondStatus(cluster_.Condition("too-many-lookups", "Ready")), "False");
  EXPECT_EQ(CondReason(cluster_.Condition("weak-dkim", "DKIMValid")), "ValidWithWarnings");
  EXPECT_EQ(CondStatus(cluster_.Condition("policy-none", "DMARCValid")), "False");
  EXPECT_EQ(CondReason(cluster_.Condition("listed-mx", "NotBlacklisted")), "Blacklisted");

  auto table = cluster_.Kubectl({"get", "maildomains", "-n", "mail"});
  ASSERT_TRUE(table.exited_ok()) << table.Describe();
  const std::string& out = table.stdout_text;
  for (const char* header :
       {"NAME", "DOMAIN", "SPF", "DKIM", "DMARC", "MX", "RDNS", "BLACKLISTED", "READY", "AGE"}) {
    EXPECT_NE(out.find(header), std::string::npos) << header << "\n" << out;
  }
  EXPECT_TRUE(std::regex_search(
      out,
      std::regex(R"(healthy\s+healthy\.example\s+pass\s+pass\s+pass\s+pass\s+pass\s+0\s+True)")))
      << out;
  EXPECT_TRUE(std::regex_search(
      out,
      std::regex(R"(listed-mx\s+listedmx\.example\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+1\s+False)")))
      << out;

  auto describe = cluster_.Kubectl({"describe", "maildomain", "too-many-lookups", "-n", "mail"});
  ASSERT_TRUE(describe.exited_ok()) << describe.Describe();
  EXPECT_NE(describe.stdout_text.find("SPFTooManyLookups"), std::string::npos)
      << describe.stdout_text;
  EXPECT_NE(describe.stdout_text.find("Warning"), std::string::npos) << describe.stdout_text;
  EXPECT_EQ(CountEvents(cluster_.Events("healthy"), "Checked"), 1);
}

TEST_F(E2ETest, FixingAZoneRecoversWithExactlyOneNormalEvent) {
  StartWithDemo();
  std::string zone = cluster_.ZoneText("toomanylookups.example");
  zone = std::regex_replace(zone, std::regex(R"(v=spf1 a mx include[^"]*)"),
                            "v=spf1 ip4:192.0.2.11 -all");
  auto replaced = cluster_.knot().ReplaceZone("toomanylookups.example", BumpSerial(zone, 2));
  ASSERT_TRUE(replaced.ok()) << replaced.error().message << cluster_.knot().Log();
  cluster_.Recheck("too-many-lookups");
  EXPECT_TRUE(Eventually([&] {
    return CondStatus(cluster_.Condition("too-many-lookups", "SPFValid")) == "True";
  })) << op_->Log();
  EXPECT_TRUE(Eventually(
      [&] { return CountEvents(cluster_.Events("too-many-lookups"), "SPFRecovered") == 1; }));
  // Another recheck finds nothing new: still exactly one recovery event.
  cluster_.Recheck("too-many-lookups");
  EXPECT_TRUE(Eventually([&] {
    return op_->Metrics().find("maildomain_reconcile_total{result=\"checked\"}") !=
           std::string::npos;
  }));
  EXPECT_EQ(CountEvents(cluster_.Events("too-many-lookups"), "SPFRecovered"), 1);
  EXPECT_EQ(CountEvents(cluster_.Events("too-many-lookups"), "SPFTooManyLookups"), 1);
}

TEST_F(E2ETest, ListingAndDelistingASenderEmitEvents) {
  StartWithDemo();
  const std::string bl = cluster_.ZoneText("dnsbl.example");
  ASSERT_TRUE(
      cluster_.knot()
          .ReplaceZone("dnsbl.example",
                       BumpSerial(bl + "10.2.0.192 A 127.0.0.2\n10.2.0.192 TXT \"e2e\"\n", 2))
          .ok());
  cluster_.Recheck("healthy");
  EXPECT_TRUE(Eventually([&] {
    return CondReason(cluster_.Condition("healthy", "NotBlacklisted")) == "Blacklisted";
  })) << op_->Log();
  EXPECT_TRUE(
      Eventually([&] { return CountEvents(cluster_.Events("healthy"), "Blacklisted") == 1; }));
  auto delisted = cluster_.knot().ReplaceZone("dnsbl.example", BumpSerial(bl, 3));
  ASSERT_TRUE(delisted.ok()) << delisted.error().message;
  cluster_.Recheck("healthy");
  EXPECT_TRUE(Eventually(
      [&] { return CondStatus(cluster_.Condition("healthy", "NotBlacklisted")) == "True"; }));
  EXPECT_TRUE(Eventually([&] { return CountEvents(cluster_.Events("healthy"), "Delisted") == 1; }));
}

TEST_F(E2ETest, AnUnchangedRecheckWritesNothing) {
  StartWithDemo();
  const double before = op_->MetricValue("maildomain_reconcile_total{result=\"checked\"}");
  cluster_.Admin("DELETE", "/admin/requests");
  cluster_.Recheck("healthy");
  ASSERT_TRUE(Eventually([&] {
    return op_->MetricValue("maildomain_reconcile_total{result=\"checked\"}") > before;
  })) << op_->Log();
  json writes = cluster_.Admin("GET", "/admin/requests?subresource=status");
  ASSERT_TRUE(writes.is_object());
  EXPECT_EQ(writes.value("total", -1), 0) << writes.dump(2);
}

TEST_F(E2ETest, SpecChangeRechecksAtOnce) {
  StartWithDemo();
  auto patch = cluster_.Kubectl({"patch", "maildomain", "weak-dkim", "-n", "mail", "--type=merge",
                                 "-p", R"({"spec":{"dkim":{"minimumKeyBits":1024}}})"});
  ASSERT_TRUE(patch.exited_ok()) << patch.Describe();
  EXPECT_TRUE(Eventually([&] {
    json c = cluster_.Condition("weak-dkim", "DKIMValid");
    return CondReason(c) == "Valid" && c.value("observedGeneration", 0) == 2;
  })) << op_->Log();
}

TEST_F(E2ETest, InvalidSpecsAreRejectedOrReported) {
  StartWithDemo();
  // The schema rejects a malformed domain: kubectl prints the field path.
  auto rejected = cluster_.Kubectl({"apply", "-f", "-"}, R"(
apiVersion: mailops.dev/v1alpha1
kind: MailDomain
metadata: {name: bad-domain, namespace: mail}
spec: {domain: "not a domain"}
)");
  EXPECT_FALSE(rejected.exited_ok());
  EXPECT_NE(rejected.stderr_text.find("spec.domain"), std::string::npos) << rejected.Describe();
  // Only the operator can tell that 300.1.2.3 is no address: Ready=False, InvalidSpec.
  auto applied = cluster_.Kubectl({"apply", "-f", "-"}, R"(
apiVersion: mailops.dev/v1alpha1
kind: MailDomain
metadata: {name: bad-sender, namespace: mail}
spec: {domain: healthy.example, senders: [300.1.2.3]}
)");
  ASSERT_TRUE(applied.exited_ok()) << applied.Describe();
  EXPECT_TRUE(Eventually([&] {
    return CondReason(cluster_.Condition("bad-sender", "Ready")) == "InvalidSpec";
  })) << op_->Log();
  EXPECT_NE(cluster_.Condition("bad-sender", "Ready").value("message", "").find("spec.senders[0]"),
            std::string::npos);
}

TEST_F(E2ETest, DeletionForgetsTheDomain) {
  StartWithDemo();
  ASSERT_NE(op_->Metrics().find("name=\"listed-mx\""), std::string::npos);
  auto deleted = cluster_.Kubectl({"delete", "maildomain", "listed-mx", "-n", "mail"});
  ASSERT_TRUE(deleted.exited_ok()) << deleted.Describe();
  EXPECT_TRUE(
      Eventually([&] { return op_->Metrics().find("name=\"listed-mx\"") == std::string::npos; }));
}

TEST_F(E2ETest, RecoversFromApiFaultsWithoutLosingUpdates) {
  StartWithDemo();
  // The next status writes fail (409, then 500); watches are dropped; history is compacted so
  // the informer's resume gets 410 and must relist; then the server restarts.
  cluster_.Admin("POST", "/admin/faults",
                 {{"verb", "update"}, {"subresource", "status"}, {"code", 409}, {"count", 1}});
  cluster_.Admin("POST", "/admin/faults",
                 {{"verb", "update"}, {"subresource", "status"}, {"code", 500}, {"count", 1}});
  cluster_.Admin("POST", "/admin/compact");
  cluster_.Admin("POST", "/admin/watches/close");
  auto patch = cluster_.Kubectl({"patch", "maildomain", "policy-none", "-n", "mail", "--type=merge",
                                 "-p", R"({"spec":{"dmarc":{"minimumPolicy":"none"}}})"});
  ASSERT_TRUE(patch.exited_ok()) << patch.Describe();
  EXPECT_TRUE(Eventually([&] {
    json c = cluster_.Condition("policy-none", "DMARCValid");
    return CondStatus(c) == "True" && c.value("observedGeneration", 0) == 2;
  })) << op_->Log();
  cluster_.Admin("POST", "/admin/restart", {{"keepState", true}});
  auto patch2 =
      cluster_.Kubectl({"patch", "maildomain", "policy-none", "-n", "mail", "--type=merge", "-p",
                        R"({"spec":{"dmarc":{"minimumPolicy":"quarantine"}}})"});
  ASSERT_TRUE(patch2.exited_ok()) << patch2.Describe();
  EXPECT_TRUE(Eventually([&] {
    json c = cluster_.Condition("policy-none", "DMARCValid");
    return CondStatus(c) == "False" && c.value("observedGeneration", 0) == 3;
  })) << op_->Log();
}

TEST_F(E2ETest, OnlyTheLeaderWritesAndAKilledLeaderIsReplaced) {
  const std::vector<std::string> election = {"--leader-elect", "--leader-election-namespace",
                                             "default"};
  auto a = cluster_.StartOperator(election);
  auto b = cluster_.StartOperator(election);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(Eventually([&] {
    return a->MetricValue("maildomain_leader") + b->MetricValue("maildomain_leader") == 1;
  })) << a->Log()
      << b->Log();
  OperatorProcess* leader = a->MetricValue("maildomain_leader") == 1 ? a.get() : b.get();
  OperatorProcess* follower = leader == a.get() ? b.get() : a.get();
  ASSERT_EQ(cluster_.ApplyDemoDomains(), "");
  EXPECT_EQ(follower->MetricValue("maildomain_reconcile_total{result=\"written\"}"), -1);
  EXPECT_GT(leader->MetricValue("maildomain_reconcile_total{result=\"written\"}"), 0);

  ::kill(leader->process->pid(), SIGKILL);  // no release: the lease must expire (15 s)
  EXPECT_TRUE(Eventually([&] { return follower->MetricValue("maildomain_leader") == 1; },
                         std::chrono::seconds(40)))
      << follower->Log();
  cluster_.Recheck("healthy");
  EXPECT_TRUE(Eventually([&] {
    return follower->MetricValue("maildomain_reconcile_total{result=\"checked\"}") > 0 ||
           follower->MetricValue("maildomain_reconcile_total{result=\"written\"}") > 0;
  })) << follower->Log();
}

TEST_F(E2ETest, SigtermExitsPromptlyAndReleasesTheLease) {
  auto op = cluster_.StartOperator({"--leader-elect", "--leader-election-namespace", "default"});
  ASSERT_NE(op, nullptr);
  ASSERT_TRUE(Eventually([&] { return op->MetricValue("maildomain_leader") == 1; })) << op->Log();
  ASSERT_EQ(cluster_.ApplyDemoDomains(), "");
  ::kill(op->process->pid(), SIGTERM);
  ASSERT_TRUE(Eventually([&] { return !op->process->Running(); }, std::chrono::seconds(15)));
  const int status = op->process->Stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << "\n" << op->Log();
  auto lease =
      cluster_.Kubectl({"get", "lease", "maildomain-operator", "-n", "default", "-o", "json"});
  ASSERT_TRUE(lease.exited_ok()) << lease.Describe();
  json l = json::parse(lease.stdout_text, nullptr, false);
  EXPECT_EQ(l.value("spec", json::object()).value("holderIdentity", ""), "") << l.dump(2);
}

// The chart's RBAC (rendered by the real helm) against every request the operator really made
// during a run with leader election, events and rechecks (recorded by kube-testserver).
struct Rule {
  std::vector<std::string> groups, resources, verbs, names;
  std::string role_namespace;  // "" for a ClusterRole
};

bool Contains(const std::vector<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

std::vector<std::string> Strings(const json& j) {
  std::vector<std::string> out;
  if (j.is_array()) {
    for (const json& v : j) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  return out;
}

std::string ApiGroupOf(const std::string& path) {
  if (path.rfind("/api/", 0) == 0) return "";
  if (path.rfind("/apis/", 0) == 0) {
    const auto end = path.find('/', 6);
    return path.substr(6, end == std::string::npos ? std::string::npos : end - 6);
  }
  return "<non-resource>";
}

TEST_F(E2ETest, EveryOperatorRequestIsAllowedByTheChartsRbac) {
  auto helm = testing::RunProcess(
      {(testing::SourceDir() / ".tools" / "bin" / "helm").string(), "template", "mdo",
       (testing::SourceDir() / "charts" / "maildomain-operator").string(), "--namespace", "default",
       "--set", "replicaCount=2"},
      {{"HOME", (cluster_.dir() / "helm-home").string()},
       {"XDG_CACHE_HOME", (cluster_.dir() / "helm-cache").string()},
       {"XDG_CONFIG_HOME", (cluster_.dir() / "helm-config").string()},
       {"XDG_DATA_HOME", (cluster_.dir() / "helm-data").string()}});
  ASSERT_TRUE(helm.exited_ok()) << helm.Describe();
  auto docs = api::YamlDocumentsToJson(helm.stdout_text);
  ASSERT_TRUE(docs.ok()) << docs.error().message;
  // Roles bound to the chart's service account.
  std::string service_account;
  std::map<std::string, std::vector<Rule>> roles;  // "Kind/name" -> rules
  std::vector<std::string> bound;
  for (const json& doc : *docs) {
    const std::string kind = doc.value("kind", "");
    const json meta = doc.value("metadata", json::object());
    if (kind == "ServiceAccount") service_account = meta.value("name", "");
    if (kind == "ClusterRole" || kind == "Role") {
      for (const json& r : doc.value("rules", json::array())) {
        roles[kind + "/" + meta.value("name", "")].push_back(
            {Strings(r.value("apiGroups", json::array())),
             Strings(r.value("resources", json::array())), Strings(r.value("verbs", json::array())),
             Strings(r.value("resourceNames", json::array())),
             kind == "Role" ? meta.value("namespace", "default") : ""});
      }
    }
  }
  for (const json& doc : *docs) {
    const std::string kind = doc.value("kind", "");
    if (kind != "ClusterRoleBinding" && kind != "RoleBinding") continue;
    for (const json& subject : doc.value("subjects", json::array())) {
      if (subject.value("kind", "") == "ServiceAccount" &&
          subject.value("name", "") == service_account) {
        const json ref = doc.value("roleRef", json::object());
        bound.push_back(ref.value("kind", "") + "/" + ref.value("name", ""));
      }
    }
  }
  ASSERT_FALSE(service_account.empty());
  ASSERT_FALSE(bound.empty());

  // A run that exercises every code path that talks to the API.
  auto op = cluster_.StartOperator({"--leader-elect", "--leader-election-namespace", "default",
                                    "--leader-election-id", "mdo-maildomain-operator"});
  ASSERT_NE(op, nullptr);
  ASSERT_TRUE(Eventually([&] { return op->MetricValue("maildomain_leader") == 1; })) << op->Log();
  ASSERT_EQ(cluster_.ApplyDemoDomains(), "") << op->Log();
  cluster_.Recheck("healthy");
  cluster_.Admin("POST", "/admin/watches/close");
  ASSERT_TRUE(Eventually(
      [&] { return op->MetricValue("maildomain_reconcile_total{result=\"checked\"}") > 0; }));
  ::kill(op->process->pid(), SIGTERM);  // the lease release is a request too
  ASSERT_TRUE(Eventually([&] { return !op->process->Running(); }, std::chrono::seconds(15)));

  json log = cluster_.Admin("GET", "/admin/requests");
  ASSERT_TRUE(log.is_object());
  int checked = 0;
  std::set<std::string> kinds_seen;
  for (const json& req : log.value("requests", json::array())) {
    if (req.value("userAgent", "").rfind("maildomain-operator", 0) != 0) continue;
    ++checked;
    const std::string path = req.value("path", "");
    const std::string group = ApiGroupOf(path);
    std::string resource = req.value("resource", "");
    if (!req.value("subresource", "").empty()) resource += "/" + req.value("subresource", "");
    const std::string verb = req.value("verb", "");
    const std::string ns = req.value("namespace", "");
    const std::string name = req.value("name", "");
    kinds_seen.insert(verb + " " + group + "/" + resource);
    if (req.value("resource", "").empty()) {
      // Discovery (/api, /apis, /apis/GROUP/VERSION, /version) is open to every authenticated
      // client through the built-in system:discovery ClusterRole; anything else is not.
      const bool discovery = path == "/api" || path == "/apis" || path == "/version" ||
                             path.rfind("/api/", 0) == 0 || path.rfind("/apis/", 0) == 0;
      EXPECT_TRUE(discovery) << "non-resource request outside discovery: " << path;
      continue;
    }
    bool allowed = false;
    for (const std::string& role : bound) {
      for (const Rule& rule : roles[role]) {
        if (!rule.role_namespace.empty() && rule.role_namespace != ns) continue;
        if (!Contains(rule.groups, group) || !Contains(rule.resources, resource) ||
            !Contains(rule.verbs, verb)) {
          continue;
        }
        // resourceNames cannot restrict create, nor list/watch of a collection.
        if (!rule.names.empty() && !Contains(rule.names, name)) continue;
        allowed = true;
      }
    }
    EXPECT_TRUE(allowed) << "not allowed by the chart's RBAC: " << verb << " " << path
                         << " (group \"" << group << "\", resource \"" << resource << "\")";
  }
  EXPECT_GT(checked, 10);
  // The run covered what the operator does: watch, status writes, events, the lease.
  for (const char* expected :
       {"list mailops.dev/maildomains", "watch mailops.dev/maildomains",
        "update mailops.dev/maildomains/status", "create events.k8s.io/events",
        "update coordination.k8s.io/leases"}) {
    EXPECT_TRUE(kinds_seen.count(expected)) << expected;
  }
}

}  // namespace
}  // namespace mdo::e2e
