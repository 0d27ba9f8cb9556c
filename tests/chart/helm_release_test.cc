// helm install, upgrade and uninstall of the chart against kube-testserver, with the real helm:
// objects appear, change and go; the CRD stays after uninstall (crds.keep).
#include <gtest/gtest.h>

#include "chart/chart_support.h"
#include "chart/test_server.h"

namespace mdo::chart_test {
namespace {

std::string Get(const Tools& tools, const std::vector<std::string>& args) {
  auto r = tools.Kubectl(args);
  EXPECT_TRUE(r.exited_ok()) << ::testing::PrintToString(args) << ": " << r.stderr_text;
  return r.stdout_text;
}

bool Exists(const Tools& tools, const std::vector<std::string>& args) {
  std::vector<std::string> full = {"get"};
  full.insert(full.end(), args.begin(), args.end());
  full.insert(full.end(), {"-o", "name"});
  return tools.Kubectl(full).exited_ok();
}

void Helm(const Tools& tools, const std::vector<std::string>& args) {
  auto r = tools.Helm(args);
  ASSERT_TRUE(r.exited_ok()) << ::testing::PrintToString(args) << ": " << r.Describe() << "\n"
                             << r.stdout_text << r.stderr_text;
}

TEST(HelmReleaseTest, InstallUpgradeUninstall) {
  Tools tools;
  TestServer server(tools);
  if (!server.skip_reason().empty()) GTEST_SKIP() << server.skip_reason();
  ASSERT_TRUE(server.running());
  const std::string ns = "maildomain-system";
  const std::string chart = ChartDir().string();
  ASSERT_TRUE(tools
                  .Kubectl({"apply", "-f",
                            tools.dir()
                                .WriteFile("ns.yaml",
                                           "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " +
                                               ns + "\n")
                                .string()})
                  .exited_ok());

  ASSERT_NO_FATAL_FAILURE(Helm(tools, {"install", "maildomain-operator", chart, "-n", ns}));
  EXPECT_EQ(Get(tools, {"get", "deployment", "maildomain-operator", "-n", ns, "-o",
                        "jsonpath={.spec.replicas}"}),
            "1");
  EXPECT_TRUE(Exists(tools, {"crd", "maildomains.mailops.dev"}));
  EXPECT_TRUE(Exists(tools, {"clusterrole", "maildomain-operator-controller"}));
  EXPECT_FALSE(Exists(tools, {"role", "maildomain-operator-leader-election", "-n", ns}));
  auto list = tools.Helm({"list", "-n", ns, "-o", "json"});
  EXPECT_NE(list.stdout_text.find("\"status\":\"deployed\""), std::string::npos)
      << list.stdout_text;

  // Upgrade to two replicas: leader election and its Role appear, the config changes.
  ASSERT_NO_FATAL_FAILURE(Helm(tools, {"upgrade", "maildomain-operator", chart, "-n", ns, "--set",
                                       "replicaCount=2", "--set", "config.workers=8"}));
  EXPECT_EQ(Get(tools, {"get", "deployment", "maildomain-operator", "-n", ns, "-o",
                        "jsonpath={.spec.replicas}"}),
            "2");
  EXPECT_TRUE(Exists(tools, {"role", "maildomain-operator-leader-election", "-n", ns}));
  const std::string config = Get(tools, {"get", "configmap", "maildomain-operator", "-n", ns, "-o",
                                         "jsonpath={.data.config\\.yaml}"});
  EXPECT_NE(config.find("workers: 8"), std::string::npos) << config;
  EXPECT_NE(config.find("enabled: true"), std::string::npos) << config;
  auto history = tools.Helm({"history", "maildomain-operator", "-n", ns, "-o", "json"});
  EXPECT_NE(history.stdout_text.find("\"revision\":2"), std::string::npos) << history.stdout_text;

  // Uninstall: everything goes but the CRD (helm.sh/resource-policy: keep).
  ASSERT_NO_FATAL_FAILURE(Helm(tools, {"uninstall", "maildomain-operator", "-n", ns}));
  EXPECT_FALSE(Exists(tools, {"deployment", "maildomain-operator", "-n", ns}));
  EXPECT_FALSE(Exists(tools, {"clusterrole", "maildomain-operator-controller"}));
  EXPECT_FALSE(Exists(tools, {"role", "maildomain-operator-leader-election", "-n", ns}));
  EXPECT_TRUE(Exists(tools, {"crd", "maildomains.mailops.dev"}));
}

TEST(HelmReleaseTest, EverythingOnInstallsAndUninstalls) {
  Tools tools;
  TestServer server(tools);
  if (!server.skip_reason().empty()) GTEST_SKIP() << server.skip_reason();
  ASSERT_TRUE(server.running());
  std::string setup = testing::ReadFileOrEmpty(testing::SourceDir() / "tests" / "chart" /
                                               "fixtures" / "monitoring-crds.yaml");
  for (const char* ns : {"ops", "mail", "marketing", "mdo-leases"}) {
    setup += std::string("\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ") + ns + "\n";
  }
  auto applied =
      tools.Kubectl({"apply", "-f", tools.dir().WriteFile("setup.yaml", setup).string()});
  ASSERT_TRUE(applied.exited_ok()) << applied.stderr_text;

  ASSERT_NO_FATAL_FAILURE(Helm(tools, {"install", "x", ChartDir().string(), "-n", "ops", "-f",
                                       TestValues("everything-on.yaml").string()}));
  for (const auto& object :
       std::vector<std::vector<std::string>>{{"deployment", "mdo", "-n", "ops"},
                                             {"servicemonitor", "mdo", "-n", "ops"},
                                             {"prometheusrule", "mdo", "-n", "ops"},
                                             {"poddisruptionbudget", "mdo", "-n", "ops"},
                                             {"networkpolicy", "mdo", "-n", "ops"},
                                             {"role", "mdo-controller", "-n", "mail"},
                                             {"rolebinding", "mdo-controller", "-n", "marketing"},
                                             {"role", "mdo-leader-election", "-n", "mdo-leases"}}) {
    EXPECT_TRUE(Exists(tools, object)) << ::testing::PrintToString(object);
  }
  ASSERT_NO_FATAL_FAILURE(Helm(tools, {"uninstall", "x", "-n", "ops"}));
  EXPECT_FALSE(Exists(tools, {"role", "mdo-controller", "-n", "mail"}));
  EXPECT_FALSE(Exists(tools, {"prometheusrule", "mdo", "-n", "ops"}));
}

}  // namespace
}  // namespace mdo::chart_test
