// The chart's and the kustomize manifests' objects, applied with the real kubectl to
// kube-testserver (docs/kube-testserver.md): the API server accepts every one of them.
#include <gtest/gtest.h>

#include "chart/chart_support.h"
#include "chart/test_server.h"

namespace mdo::chart_test {
namespace {

namespace fs = std::filesystem;

#define START_SERVER(tools, server)                                        \
  TestServer server(tools);                                                \
  if (!server.skip_reason().empty()) GTEST_SKIP() << server.skip_reason(); \
  ASSERT_TRUE(server.running())

// kubectl apply -f of `text` (written to a file), asserting success.
void Apply(const Tools& tools, const std::string& text, const std::string& file_name) {
  const fs::path file = tools.dir().WriteFile(file_name, text);
  auto r = tools.Kubectl({"apply", "-f", file.string()});
  EXPECT_TRUE(r.exited_ok()) << "kubectl apply -f " << file_name << ": " << r.Describe() << "\n"
                             << r.stdout_text << r.stderr_text;
}

void CreateNamespaces(const Tools& tools, const std::vector<std::string>& names) {
  std::string text;
  for (const auto& n : names)
    text += "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + n + "\n";
  Apply(tools, text, "namespaces.yaml");
}

std::string HelmTemplateText(const Tools& tools, const std::vector<std::string>& extra,
                             const std::string& namespace_name) {
  std::vector<std::string> args = {"template", "maildomain-operator", ChartDir().string(),
                                   "--namespace", namespace_name};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = tools.Helm(args);
  EXPECT_TRUE(r.exited_ok()) << r.stderr_text;
  return r.stdout_text;
}

// Every object of `objects` can be read back from the server.
void ExpectAllExist(const Tools& tools, const std::vector<YAML::Node>& objects) {
  for (const YAML::Node& o : objects) {
    const std::string kind = o["kind"].as<std::string>();
    const std::string name = o["metadata"]["name"].as<std::string>();
    std::vector<std::string> args = {"get", kind, name, "-o", "name"};
    if (o["metadata"]["namespace"]) {
      args.push_back("--namespace");
      args.push_back(o["metadata"]["namespace"].as<std::string>());
    }
    auto r = tools.Kubectl(args);
    EXPECT_TRUE(r.exited_ok()) << kind << " " << name << ": " << r.stderr_text;
  }
}

TEST(ChartApplyTest, DefaultRenderIsAcceptedByTheApiServer) {
  Tools tools;
  START_SERVER(tools, server);
  CreateNamespaces(tools, {"maildomain-system"});
  const std::string rendered = HelmTemplateText(tools, {}, "maildomain-system");
  Apply(tools, rendered, "default.yaml");
  ExpectAllExist(tools, ParseDocuments(rendered));

  // The CRD it installed serves MailDomains.
  Apply(tools,
        "apiVersion: mailops.dev/v1alpha1\nkind: MailDomain\nmetadata:\n  name: example-com\n"
        "  namespace: maildomain-system\nspec:\n  domain: example.com\n",
        "maildomain.yaml");
  auto r = tools.Kubectl(
      {"get", "maildomains", "-n", "maildomain-system", "-o", "jsonpath={.items[0].spec.domain}"});
  EXPECT_TRUE(r.exited_ok()) << r.stderr_text;
  EXPECT_EQ(r.stdout_text, "example.com");
}

TEST(ChartApplyTest, EverythingOnRenderIsAcceptedByTheApiServer) {
  Tools tools;
  START_SERVER(tools, server);
  CreateNamespaces(tools, {"ops", "mail", "marketing", "mdo-leases"});
  const std::string crds = testing::ReadFileOrEmpty(testing::SourceDir() / "tests" / "chart" /
                                                    "fixtures" / "monitoring-crds.yaml");
  ASSERT_FALSE(crds.empty());
  Apply(tools, crds, "monitoring-crds.yaml");
  const std::string rendered =
      HelmTemplateText(tools, {"-f", TestValues("everything-on.yaml").string()}, "ops");
  Apply(tools, rendered, "everything-on.yaml");
  ExpectAllExist(tools, ParseDocuments(rendered));
}

TEST(ChartApplyTest, KustomizeManifestsAreAcceptedByTheApiServer) {
  Tools tools;
  START_SERVER(tools, server);
  auto r =
      tools.Kubectl({"apply", "-k", (testing::SourceDir() / "operator" / "manifests").string()});
  EXPECT_TRUE(r.exited_ok()) << r.Describe() << "\n" << r.stdout_text << r.stderr_text;
  auto rendered =
      tools.Kubectl({"kustomize", (testing::SourceDir() / "operator" / "manifests").string()});
  ASSERT_TRUE(rendered.exited_ok());
  ExpectAllExist(tools, ParseDocuments(rendered.stdout_text));
}

}  // namespace
}  // namespace mdo::chart_test
