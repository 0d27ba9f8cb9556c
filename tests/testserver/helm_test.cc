// The real helm 4 against kube-testserver: install (server-side apply of every kind in the test
// chart, release Secrets written as protobuf), upgrade, uninstall.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testserver_process.h"

namespace mdo::testserver::testing {
namespace {

using ::testing::HasSubstr;

class KtsHelmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tools_ = mdo::testing::SourceDir() / ".tools" / "bin";
    if (!std::filesystem::exists(tools_ / "helm")) GTEST_SKIP() << "helm not installed";
    auto server = TestServer::Start(dir_.path(), {true, "helm-token", {}});
    ASSERT_TRUE(server.ok()) << server.error().message;
    server_ = std::move(*server);
  }

  mdo::testing::ProcessResult Run(const std::string& tool, std::vector<std::string> args) {
    std::vector<std::string> argv = {(tools_ / tool).string()};
    if (tool == "kubectl") {
      argv.push_back("--cache-dir");
      argv.push_back((dir_.path() / "kubectl-cache").string());
    }
    argv.insert(argv.end(), args.begin(), args.end());
    mdo::testing::EnvOverrides env = {{"HOME", dir_.path().string()},
                                      {"KUBECONFIG", server_->kubeconfig().string()},
                                      {"HELM_CACHE_HOME", (dir_.path() / "helm-cache").string()},
                                      {"HELM_CONFIG_HOME", (dir_.path() / "helm-config").string()},
                                      {"HELM_DATA_HOME", (dir_.path() / "helm-data").string()}};
    auto result = mdo::testing::RunProcess(argv, env, {}, std::chrono::seconds(120));
    EXPECT_TRUE(result.exited_ok())
        << tool << " " << ::testing::PrintToString(args) << ": " << result.Describe() << "\n"
        << result.stderr_text;
    return result;
  }

  std::string Chart() const {
    return (mdo::testing::SourceDir() / "tests" / "fixtures" / "kube" / "testchart").string();
  }

  mdo::testing::TempDir dir_{"kts-helm"};
  std::filesystem::path tools_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(KtsHelmTest, InstallUpgradeUninstall) {
  EXPECT_THAT(Run("helm", {"install", "rel", Chart()}).stdout_text, HasSubstr("STATUS: deployed"));
  std::string objects =
      Run("kubectl", {"get", "deploy,cm,sa,svc,pdb,role,rolebinding", "-o", "name"}).stdout_text;
  for (const char* name :
       {"deployment.apps/rel", "configmap/rel-config", "serviceaccount/rel", "service/rel-metrics",
        "poddisruptionbudget.policy/rel", "role.rbac.authorization.k8s.io/rel-leases",
        "rolebinding.rbac.authorization.k8s.io/rel-leases"}) {
    EXPECT_THAT(objects, HasSubstr(name));
  }
  EXPECT_THAT(Run("helm", {"list"}).stdout_text, HasSubstr("deployed"));

  EXPECT_THAT(Run("helm", {"upgrade", "rel", Chart(), "--set", "message=bye"}).stdout_text,
              HasSubstr("REVISION: 2"));
  EXPECT_EQ(
      Run("kubectl", {"get", "cm", "rel-config", "-o", "jsonpath={.data.message}"}).stdout_text,
      "bye");
  std::string history = Run("helm", {"history", "rel"}).stdout_text;
  EXPECT_THAT(history, HasSubstr("superseded"));
  EXPECT_THAT(history, HasSubstr("Upgrade complete"));

  EXPECT_THAT(Run("helm", {"uninstall", "rel"}).stdout_text, HasSubstr("uninstalled"));
  auto left = Run("kubectl", {"get", "deploy,cm,sa,svc,pdb,role,rolebinding,secret", "-o", "name"});
  EXPECT_EQ(left.stdout_text, "");
}

}  // namespace
}  // namespace mdo::testserver::testing
