#include "kube/config.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "support/test_env.h"

namespace mdo::kube {
namespace {

using mdo::testing::TempDir;

// "-----BEGIN CERTIFICATE-----\nCA\n" in base64, standing in for real PEM data.
constexpr char kCaPem[] = "-----BEGIN CERTIFICATE-----\nCA\n";
constexpr char kCaBase64[] = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkNBCg==";

constexpr char kFull[] = R"(
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkNBCg==
    tls-server-name: kubernetes
- name: other
  cluster: {server: "http://10.0.0.1:8080", insecure-skip-tls-verify: true}
users:
- name: alice
  user: {token: abc123}
- name: bob
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./get-token
      args: [--cluster, dev]
      env: [{name: REGION, value: eu}]
      provideClusterInfo: true
contexts:
- name: dev
  context: {cluster: dev-cluster, user: alice, namespace: mail}
- name: ops
  context: {cluster: other, user: bob}
)";

TEST(KubeconfigTest, ParsesCurrentContext) {
  auto config = ParseKubeconfig(kFull, "/etc/kube");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->server, "https://127.0.0.1:6443");
  EXPECT_EQ(config->ca_pem, kCaPem);
  EXPECT_EQ(config->tls_server_name, "kubernetes");
  EXPECT_FALSE(config->insecure_skip_tls_verify);
  EXPECT_EQ(config->token, "abc123");
  EXPECT_EQ(config->namespace_name, "mail");
  EXPECT_EQ(config->context, "dev");
  EXPECT_FALSE(config->exec.has_value());
}

TEST(KubeconfigTest, ContextOverrideAndExecPlugin) {
  auto config = ParseKubeconfig(kFull, "/etc/kube", "ops");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->server, "http://10.0.0.1:8080");
  EXPECT_TRUE(config->insecure_skip_tls_verify);
  EXPECT_EQ(config->namespace_name, "default");
  ASSERT_TRUE(config->exec.has_value());
  EXPECT_EQ(config->exec->command, "./get-token");
  EXPECT_EQ(config->exec->args, (std::vector<std::string>{"--cluster", "dev"}));
  ASSERT_EQ(config->exec->env.size(), 1u);
  EXPECT_EQ(config->exec->env[0].first, "REGION");
  EXPECT_EQ(config->exec->env[0].second, "eu");
  EXPECT_TRUE(config->exec->provide_cluster_info);
  EXPECT_EQ(config->exec->base_dir, "/etc/kube");
}

// Each case: a kubeconfig with one required field missing and the words the error must hold.
struct MissingFieldCase {
  const char* name;
  const char* yaml;
  const char* expected;
};

void PrintTo(const MissingFieldCase& c, std::ostream* os) { *os << c.name; }

class MissingFieldTest : public ::testing::TestWithParam<MissingFieldCase> {};

TEST_P(MissingFieldTest, ErrorNamesTheField) {
  auto config = ParseKubeconfig(GetParam().yaml, "/tmp");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find(GetParam().expected), std::string::npos)
      << config.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Kubeconfig, MissingFieldTest,
    ::testing::Values(MissingFieldCase{"NoServer", R"(
current-context: c
clusters: [{name: k, cluster: {certificate-authority-data: QQ==}}]
contexts: [{name: c, context: {cluster: k}}]
)",
                                       "cluster \"k\" has no \"server\""},
                      MissingFieldCase{"NoCurrentContext", R"(
clusters: [{name: k, cluster: {server: "https://a"}}]
contexts: [{name: c, context: {cluster: k}}]
)",
                                       "no \"current-context\""},
                      MissingFieldCase{"UnknownContext", R"(
current-context: nope
contexts: [{name: c, context: {cluster: k}}]
)",
                                       "context \"nope\" is not in \"contexts\""},
                      MissingFieldCase{"ContextWithoutCluster", R"(
current-context: c
contexts: [{name: c, context: {user: u}}]
)",
                                       "context \"c\" has no \"cluster\""},
                      MissingFieldCase{"UnknownCluster", R"(
current-context: c
contexts: [{name: c, context: {cluster: gone}}]
)",
                                       "cluster \"gone\", which is not in \"clusters\""},
                      MissingFieldCase{"UnknownUser", R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://a"}}]
contexts: [{name: c, context: {cluster: k, user: ghost}}]
)",
                                       "user \"ghost\", which is not in \"users\""},
                      MissingFieldCase{"CertWithoutKey", R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://a"}}]
users: [{name: u, user: {client-certificate-data: QUJD}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
)",
                                       "has \"client-certificate\" but no \"client-key\""},
                      MissingFieldCase{"ExecWithoutCommand", R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://a"}}]
users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1}}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
)",
                                       "exec has no \"command\""},
                      MissingFieldCase{"ExecWithoutApiVersion", R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://a"}}]
users: [{name: u, user: {exec: {command: x}}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
)",
                                       "exec has no \"apiVersion\""},
                      MissingFieldCase{"NamelessCluster", R"(
current-context: c
clusters: [{cluster: {server: "https://a"}}]
)",
                                       "clusters[0] has no \"name\""},
                      MissingFieldCase{"BadBase64", R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://a", certificate-authority-data: "!!"}}]
contexts: [{name: c, context: {cluster: k}}]
)",
                                       "\"certificate-authority-data\" is not valid base64"},
                      MissingFieldCase{"BadYaml", "clusters: [a, b\n", "YAML error at line"},
                      MissingFieldCase{"NotHttp", R"(
current-context: c
clusters: [{name: k, cluster: {server: "ftp://a"}}]
contexts: [{name: c, context: {cluster: k}}]
)",
                                       "is not an http(s) URL"},
                      MissingFieldCase{"TlsServerNameWithPort", R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://a", tls-server-name: "api.test:443"}}]
contexts: [{name: c, context: {cluster: k}}]
)",
                                       "cluster \"k\": \"tls-server-name\" \"api.test:443\" is "
                                       "not a host name or IP address"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(KubeconfigTest, MergesFilesFirstSetterWins) {
  TempDir dir("kube-config");
  auto first = dir.WriteFile("a/config", R"(
current-context: one
clusters: [{name: k, cluster: {server: "https://first", certificate-authority: ca.crt}}]
contexts: [{name: one, context: {cluster: k, user: u, namespace: first-ns}}]
)");
  dir.WriteFile("a/ca.crt", "CA-A");
  auto second = dir.WriteFile("b/config", R"(
current-context: two
clusters: [{name: k, cluster: {server: "https://second"}}]
users: [{name: u, user: {tokenFile: token}}]
contexts:
- {name: one, context: {cluster: k, namespace: second-ns}}
- {name: two, context: {cluster: k}}
)");
  auto config = LoadKubeconfigFiles({first, dir.path() / "missing", second});
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->context, "one");
  EXPECT_EQ(config->server, "https://first");
  EXPECT_EQ(config->namespace_name, "first-ns");
  EXPECT_EQ(config->ca_pem, "CA-A");  // relative to the file that named it
  // The user comes from the second file, with its path resolved against that file's folder.
  EXPECT_EQ(config->token_file, dir.path() / "b" / "token");
}

TEST(KubeconfigTest, NoFileAtAllIsAnError) {
  TempDir dir("kube-config");
  auto config = LoadKubeconfigFiles({dir.path() / "nope"});
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("no such file"), std::string::npos);
}

TEST(KubeconfigTest, SplitsKubeconfigVariable) {
  auto paths = SplitKubeconfigPaths("/a/config::/b/config:");
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(paths[0], "/a/config");
  EXPECT_EQ(paths[1], "/b/config");
}

TEST(InClusterConfigTest, ReadsServiceAccount) {
  TempDir dir("kube-sa");
  dir.WriteFile("token", "tok\n");
  dir.WriteFile("ca.crt", "CA");
  dir.WriteFile("namespace", "mail-system\n");
  InClusterEnvironment env;
  env.service_host = "10.96.0.1";
  env.service_port = "443";
  env.secrets_dir = dir.path();
  auto config = InClusterConfig(env);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->server, "https://10.96.0.1:443");
  EXPECT_EQ(config->ca_pem, "CA");
  EXPECT_EQ(config->token_file, dir.path() / "token");
  EXPECT_TRUE(config->token.empty());
  EXPECT_EQ(config->namespace_name, "mail-system");

  env.service_host = "fd00::1";
  env.pod_namespace = "from-env";
  config = InClusterConfig(env);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->server, "https://[fd00::1]:443");
  EXPECT_EQ(config->namespace_name, "from-env");
}

TEST(InClusterConfigTest, NeedsHostAndPort) {
  InClusterEnvironment env;
  env.service_host = "10.96.0.1";
  auto config = InClusterConfig(env);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("KUBERNETES_SERVICE_PORT"), std::string::npos);
}

TEST(Base64Test, DecodesAndRejects) {
  EXPECT_EQ(Base64Decode(kCaBase64).value(), kCaPem);
  EXPECT_EQ(Base64Decode("QUJD").value(), "ABC");
  EXPECT_EQ(Base64Decode("QUI=").value(), "AB");
  EXPECT_EQ(Base64Decode("QQ").value(), "A");
  EXPECT_EQ(Base64Decode("QU\nJD").value(), "ABC");
  EXPECT_FALSE(Base64Decode("QUJD*").ok());
  EXPECT_FALSE(Base64Decode("Q").ok());
  EXPECT_FALSE(Base64Decode("QQ==QQ").ok());
}

}  // namespace
}  // namespace mdo::kube

namespace mdo::kube {
namespace {

// Each test case runs in its own process (ctest), so changing the environment is contained.
TEST(LoadClientConfigTest, FlagThenInClusterThenKubeconfigVariable) {
  mdo::testing::TempDir dir("kube-load");
  auto file = dir.WriteFile("config", R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://from-file:6443"}}]
contexts: [{name: c, context: {cluster: k, namespace: ns}}]
)");
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  ::setenv("KUBECONFIG", (dir.path() / "missing").string().append(":").append(file).c_str(), 1);
  auto from_env = LoadClientConfig("");
  ASSERT_TRUE(from_env.ok()) << from_env.error().message;
  EXPECT_EQ(from_env->server, "https://from-file:6443");

  // In a pod the service account wins over $KUBECONFIG (here it has no token: an error says so).
  ::setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1);
  ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  auto in_cluster = LoadClientConfig("");
  if (!std::filesystem::exists("/var/run/secrets/kubernetes.io/serviceaccount/token")) {
    ASSERT_FALSE(in_cluster.ok());
    EXPECT_NE(in_cluster.error().message.find("in-cluster"), std::string::npos);
  }
  // An explicit flag wins over both.
  auto from_flag = LoadClientConfig(file.string());
  ASSERT_TRUE(from_flag.ok()) << from_flag.error().message;
  EXPECT_EQ(from_flag->namespace_name, "ns");
  auto bad_flag = LoadClientConfig((dir.path() / "nope").string());
  EXPECT_FALSE(bad_flag.ok());
}

}  // namespace
}  // namespace mdo::kube
