// operator/: the kustomize manifests render with the real kubectl and match the chart's defaults;
// the Dockerfile names only runtime packages that exist, and every library the built operator
// links directly.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>

#include "chart/chart_support.h"

namespace mdo::chart_test {
namespace {

namespace fs = std::filesystem;
using testing::ReadFileOrEmpty;
using testing::RunProcess;

fs::path OperatorDir() { return testing::SourceDir() / "operator"; }

std::vector<YAML::Node> Kustomize(const Tools& tools) {
  auto r = tools.Kubectl({"kustomize", (OperatorDir() / "manifests").string()});
  if (!r.exited_ok()) {
    ADD_FAILURE() << "kubectl kustomize failed: " << r.Describe() << "\n" << r.stderr_text;
    return {};
  }
  return ParseDocuments(r.stdout_text);
}

// "Kind namespace/name", with kustomize's ConfigMap hash suffix removed.
std::set<std::string> Identities(const std::vector<YAML::Node>& objects) {
  static const std::regex kHashSuffix("-[a-z0-9]{10}$");
  std::set<std::string> out;
  for (const YAML::Node& o : objects) {
    const std::string kind = o["kind"].as<std::string>("");
    if (kind == "Namespace") continue;
    std::string name = o["metadata"]["name"].as<std::string>("");
    if (kind == "ConfigMap") name = std::regex_replace(name, kHashSuffix, "");
    const std::string ns = o["metadata"]["namespace"].as<std::string>("");
    out.insert(kind + " " + (ns.empty() ? "" : ns + "/") + name);
  }
  return out;
}

YAML::Node Only(const std::vector<YAML::Node>& objects, const std::string& kind) {
  auto found = FindAll(objects, kind);
  if (found.size() != 1) {
    ADD_FAILURE() << "expected one " << kind << ", got " << found.size();
    return YAML::Node(YAML::NodeType::Undefined);
  }
  return found[0];
}

TEST(ManifestsTest, KustomizeRendersTheChartsDefaultObjects) {
  Tools tools;
  auto manifests = Kustomize(tools);
  auto chart = tools.Template();
  ASSERT_FALSE(manifests.empty());
  EXPECT_EQ(Identities(manifests), Identities(chart));
  auto namespaces = FindAll(manifests, "Namespace", "maildomain-system");
  ASSERT_EQ(namespaces.size(), 1u);
  EXPECT_EQ(
      namespaces[0]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"].as<std::string>(""),
      "restricted");
}

TEST(ManifestsTest, ConfigRbacAndContainerMatchTheChart) {
  Tools tools;
  auto manifests = Kustomize(tools);
  auto chart = tools.Template();
  ASSERT_FALSE(manifests.empty());

  const YAML::Node config_a =
      YAML::Load(Only(manifests, "ConfigMap")["data"]["config.yaml"].as<std::string>(""));
  const YAML::Node config_b =
      YAML::Load(Only(chart, "ConfigMap")["data"]["config.yaml"].as<std::string>(""));
  EXPECT_EQ(ToJson(config_a), ToJson(config_b));

  for (const char* role :
       {"maildomain-operator-controller", "maildomain-operator-view", "maildomain-operator-edit"}) {
    auto a = FindAll(manifests, "ClusterRole", role);
    auto b = FindAll(chart, "ClusterRole", role);
    ASSERT_EQ(a.size(), 1u) << role;
    ASSERT_EQ(b.size(), 1u) << role;
    EXPECT_EQ(ToJson(a[0]["rules"]), ToJson(b[0]["rules"])) << role;
  }

  const YAML::Node pod_a = Only(manifests, "Deployment")["spec"]["template"]["spec"];
  const YAML::Node pod_b = Only(chart, "Deployment")["spec"]["template"]["spec"];
  EXPECT_TRUE(RestrictedViolations(pod_a).empty());
  EXPECT_EQ(ToJson(pod_a["securityContext"]), ToJson(pod_b["securityContext"]));
  const YAML::Node a = pod_a["containers"][0];
  const YAML::Node b = pod_b["containers"][0];
  for (const char* field : {"args", "env", "ports", "livenessProbe", "readinessProbe", "resources",
                            "securityContext", "volumeMounts"}) {
    EXPECT_EQ(ToJson(a[field]), ToJson(b[field])) << field;
  }
  EXPECT_EQ(a["image"].as<std::string>(""), b["image"].as<std::string>(""));
}

TEST(ManifestsTest, CrdCopyIsByteForByteTheSource) {
  const std::string source = ReadFileOrEmpty(CrdSource());
  ASSERT_FALSE(source.empty());
  EXPECT_TRUE(source ==
              ReadFileOrEmpty(OperatorDir() / "manifests" / "crd" / "mailops.dev_maildomains.yaml"))
      << "operator/manifests/crd differs from crds/; run: cp crds/mailops.dev_maildomains.yaml "
         "operator/manifests/crd/";
}

// The package names of the Dockerfile's runtime stage `apt-get install` (after "AS runtime").
std::vector<std::string> RuntimePackages(const std::string& dockerfile) {
  std::vector<std::string> out;
  const auto stage = dockerfile.find(" AS runtime");
  if (stage == std::string::npos) return out;
  const auto install = dockerfile.find("apt-get install", stage);
  const auto end = dockerfile.find("&&", install);
  if (install == std::string::npos || end == std::string::npos) return out;
  std::istringstream words(dockerfile.substr(install, end - install));
  std::string word;
  while (words >> word) {
    if (word == "apt-get" || word == "install" || word == "\\" || word.starts_with("-")) continue;
    out.push_back(word);
  }
  return out;
}

TEST(DockerfileTest, MultiStageBookwormNonRootWithExistingRuntimePackages) {
  const std::string dockerfile = ReadFileOrEmpty(OperatorDir() / "Dockerfile");
  ASSERT_FALSE(dockerfile.empty());
  EXPECT_NE(dockerfile.find("FROM debian:bookworm AS build"), std::string::npos);
  EXPECT_NE(dockerfile.find("FROM debian:bookworm-slim AS runtime"), std::string::npos);
  EXPECT_NE(dockerfile.find("scripts/install-deps"), std::string::npos);
  EXPECT_NE(dockerfile.find("make build"), std::string::npos);
  EXPECT_NE(dockerfile.find("USER 65532:65532"), std::string::npos);
  EXPECT_NE(dockerfile.find("ENTRYPOINT [\"/usr/local/bin/maildomain-operator\"]"),
            std::string::npos);

  auto packages = RuntimePackages(dockerfile);
  ASSERT_GE(packages.size(), 5u);
  // One apt-cache call (each costs seconds): a name it does not know is missing from its output.
  std::vector<std::string> argv = {"apt-cache", "show", "--no-all-versions"};
  argv.insert(argv.end(), packages.begin(), packages.end());
  auto r = RunProcess(argv, {}, {}, std::chrono::seconds(110));
  for (const std::string& p : packages) {
    EXPECT_NE(r.stdout_text.find("Package: " + p + "\n"), std::string::npos)
        << p << " is not a known Debian package: " << r.stderr_text;
  }
}

// Every shared library the built operator needs directly comes from a package the runtime stage
// installs (or from the base image). Needs the binary: skipped until it has been built.
TEST(DockerfileTest, RuntimeStageHasEveryLibraryTheOperatorLinks) {
  const fs::path binary = testing::BinaryDir() / "bin" / "maildomain-operator";
  if (!fs::exists(binary)) GTEST_SKIP() << binary << " is not built";
  const auto packages = RuntimePackages(ReadFileOrEmpty(OperatorDir() / "Dockerfile"));
  std::set<std::string> available(packages.begin(), packages.end());
  for (const char* base : {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"}) available.insert(base);

  auto readelf = RunProcess({"readelf", "-d", binary.string()});
  ASSERT_TRUE(readelf.exited_ok()) << readelf.stderr_text;
  auto ldd = RunProcess({"ldd", binary.string()});
  ASSERT_TRUE(ldd.exited_ok()) << ldd.stderr_text;
  static const std::regex kNeeded(R"(\(NEEDED\)\s+Shared library: \[([^\]]+)\])");
  int checked = 0;
  for (std::sregex_iterator it(readelf.stdout_text.begin(), readelf.stdout_text.end(), kNeeded),
       end;
       it != end; ++it) {
    const std::string soname = (*it)[1];
    if (soname.starts_with("ld-linux")) continue;  // the dynamic loader, part of libc6
    // Sanitizer runtimes appear only in `make test-sanitize`'s build; the image is built without.
    if (soname.starts_with("libasan") || soname.starts_with("libubsan")) continue;
    const std::regex resolved("\\s" + std::regex_replace(soname, std::regex(R"([.+])"), R"(\$&)") +
                              R"( => (\S+))");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(ldd.stdout_text, m, resolved)) << soname << " not resolved";
    // dpkg knows a file by the path its package shipped: /lib/... or /usr/lib/... (usrmerge).
    const std::string path = fs::canonical(m[1].str()).string();
    testing::ProcessResult dpkg;
    for (const std::string& candidate :
         {m[1].str(), path, path.starts_with("/usr/") ? path.substr(4) : "/usr" + path}) {
      dpkg = RunProcess({"dpkg", "-S", candidate});
      if (dpkg.exited_ok()) break;
    }
    ASSERT_TRUE(dpkg.exited_ok()) << soname << ": " << dpkg.stderr_text;
    const std::string package = dpkg.stdout_text.substr(0, dpkg.stdout_text.find(':'));
    EXPECT_TRUE(available.count(package))
        << soname << " comes from " << package << ", which the runtime stage does not install";
    ++checked;
  }
  EXPECT_GE(checked, 3);
}

}  // namespace
}  // namespace mdo::chart_test
