// TLS against kube-testserver: tls-server-name (a serving certificate for a name that is not the
// URL's host) and client certificates, from the kubeconfig and from an exec plugin.
#include <gtest/gtest.h>

#include "kube/clock.h"
#include "kube/rest_api_client.h"
#include "kube_testserver.h"
#include "support/test_env.h"
#include "test_certs.h"

namespace mdo::kube {
namespace {

using mdo::testing::ReadFileOrEmpty;
using mdo::testing::SourceDir;
using mdo::testing::TempDir;
using testing::KubeTestServer;
using testing::MakeTestCa;
using testing::MakeTestCert;
using testing::TestCert;

constexpr char kToken[] = "tls-test-token";
constexpr char kServerName[] = "api.cluster.test";

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::unique_ptr<ApiClient> NewClient(const ClientConfig& config,
                                     Clock& clock = SystemClock::Instance()) {
  RestClientOptions options;
  options.max_retries = 0;  // a refused certificate is not worth waiting for here
  auto api = NewRestApiClient(config, options, clock);
  EXPECT_TRUE(api.ok()) << api.error().message;
  return api.ok() ? std::move(*api) : nullptr;
}

ApiResult<Json> ListWith(const ClientConfig& config) {
  auto api = NewClient(config);
  if (!api) return ApiFail(0, "Invalid", "no client");
  return api->List(resources::kConfigMaps, "default");
}

// The request log's entries for `query`.
std::vector<Json> Requests(KubeTestServer& server, const std::string& query) {
  auto r = server.Admin("GET", "/admin/requests?" + query);
  EXPECT_TRUE(r.ok()) << r.error().message;
  std::vector<Json> out;
  if (r.ok()) {
    for (const Json& e : (*r)["requests"]) out.push_back(e);
  }
  return out;
}

// The server's certificate is for api.cluster.test only (signed by the fixture's CA); the
// kubeconfig's server URL is https://127.0.0.1:PORT.
class TlsServerNameTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = KubeTestServer::Start(kToken, {"--tls-san", std::string("DNS:") + kServerName});
    ASSERT_TRUE(server.ok()) << server.error().message;
    server_ = std::move(*server);
    server_->set_admin_server_name(kServerName);
    auto config = LoadKubeconfigFiles({server_->kubeconfig()});
    ASSERT_TRUE(config.ok()) << config.error().message;
    config_ = *config;
  }

  std::unique_ptr<KubeTestServer> server_;
  ClientConfig config_;
};

TEST_F(TlsServerNameTest, TlsServerNameIsVerifiedAndSentWhileConnectingToTheUrl) {
  std::string yaml = R"(
current-context: c
clusters:
- name: k
  cluster:
    server: ")" + server_->url() +
                     R"("
    certificate-authority: ")" +
                     server_->ca_file().string() +
                     R"("
    tls-server-name: api.cluster.test
contexts: [{name: c, context: {cluster: k, user: u}}]
users: [{name: u, user: {token: )" +
                     kToken +
                     R"(}}]
)";
  auto config = ParseKubeconfig(yaml, server_->dir().path());
  ASSERT_TRUE(config.ok()) << config.error().message;
  auto api = NewClient(*config);
  ASSERT_NE(api, nullptr);
  Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "sni"}}}};
  auto created = api->Create(resources::kConfigMaps, "default", cm);
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  auto list = api->List(resources::kConfigMaps, "default");
  ASSERT_TRUE(list.ok()) << list.error().ToString();
  ListOptions watch_options;
  watch_options.resource_version = MetaString(*list, "resourceVersion");
  auto watch = api->Watch(resources::kConfigMaps, "default", watch_options);
  ASSERT_TRUE(watch.ok()) << watch.error().ToString();  // the watch's own client verifies too
  (*watch)->Cancel();

  // The connection went to the URL's address; the TLS server name was tls-server-name.
  auto requests = Requests(*server_, "resource=configmaps");
  ASSERT_EQ(requests.size(), 3u);
  for (const Json& r : requests) {
    EXPECT_EQ(r["serverName"], kServerName) << r.dump();
    EXPECT_EQ(r["code"].get<int>() / 100, 2) << r.dump();
  }
}

TEST_F(TlsServerNameTest, WithoutTlsServerNameTheUrlHostIsCheckedAndFails) {
  auto got = ListWith(config_);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.error().IsTransport()) << got.error().ToString();
  const std::string& message = got.error().message;
  EXPECT_TRUE(Contains(message, "IP address mismatch")) << message;
  EXPECT_TRUE(Contains(message, "\"127.0.0.1\"")) << message;
  EXPECT_TRUE(Contains(message, "DNS:api.cluster.test")) << message;
  EXPECT_EQ(server_->CountRequests(""), 0);  // refused before any request was sent
}

TEST_F(TlsServerNameTest, WrongTlsServerNameFails) {
  ClientConfig config = config_;
  config.tls_server_name = "other.cluster.test";
  auto got = ListWith(config);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.error().IsTransport()) << got.error().ToString();
  EXPECT_TRUE(Contains(got.error().message, "hostname mismatch")) << got.error().message;
  EXPECT_TRUE(Contains(got.error().message, "other.cluster.test")) << got.error().message;
}

TEST_F(TlsServerNameTest, TheChainIsStillVerifiedAgainstTheConfiguredCa) {
  ClientConfig config = config_;
  config.tls_server_name = kServerName;
  config.ca_pem = MakeTestCa("some-other-ca").cert_pem;
  ASSERT_FALSE(config.ca_pem.empty());
  auto got = ListWith(config);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.error().IsTransport()) << got.error().ToString();
  EXPECT_TRUE(Contains(got.error().message, "unable to get local issuer certificate"))
      << got.error().message;
}

TEST_F(TlsServerNameTest, InsecureSkipTlsVerifyAloneTurnsVerificationOff) {
  ClientConfig config = config_;
  config.insecure_skip_tls_verify = true;
  auto no_name = ListWith(config);
  EXPECT_TRUE(no_name.ok()) << no_name.error().ToString();
  config.tls_server_name = "other.cluster.test";
  config.ca_pem = MakeTestCa("some-other-ca").cert_pem;
  auto wrong_name = ListWith(config);
  EXPECT_TRUE(wrong_name.ok()) << wrong_name.error().ToString();
}

// The default serving certificate (IP:127.0.0.1, DNS:localhost): an IP URL sends no SNI (RFC
// 6066); tls-server-name "localhost" is verified and sent.
TEST(TlsServerNameDefaultCertTest, IpUrlSendsNoServerNameAndLocalhostIsAccepted) {
  auto server = KubeTestServer::Start(kToken);
  ASSERT_TRUE(server.ok()) << server.error().message;
  auto config = LoadKubeconfigFiles({(*server)->kubeconfig()});
  ASSERT_TRUE(config.ok()) << config.error().message;
  auto plain = ListWith(*config);
  ASSERT_TRUE(plain.ok()) << plain.error().ToString();
  config->tls_server_name = "localhost";
  auto named = ListWith(*config);
  ASSERT_TRUE(named.ok()) << named.error().ToString();
  auto requests = Requests(**server, "resource=configmaps");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0]["serverName"], "");
  EXPECT_EQ(requests[1]["serverName"], "localhost");
}

// kube-testserver with --client-ca: a certificate that CA signed authenticates as its CN.
class ClientCertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ca_ = MakeTestCa("test-client-ca");
    ASSERT_FALSE(client_ca_.cert_pem.empty());
    auto ca_file = dir_.WriteFile("client-ca.crt", client_ca_.cert_pem);
    auto server = KubeTestServer::Start("", {"--client-ca", ca_file.string()});
    ASSERT_TRUE(server.ok()) << server.error().message;
    server_ = std::move(*server);
    auto config = LoadKubeconfigFiles({server_->kubeconfig()});
    ASSERT_TRUE(config.ok()) << config.error().message;
    config_ = *config;
  }

  // A kubeconfig whose user is the exec plugin answering $CERT_DIR/client-<n>.{crt,key}.
  ClientConfig ExecKubeconfig() {
    std::string yaml = R"(
current-context: c
clusters: [{name: k, cluster: {server: ")" +
                       server_->url() + R"(", certificate-authority: ")" +
                       server_->ca_file().string() + R"("}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ")" + (SourceDir() / "tests/kube/testdata/exec-credential-plugin.sh").string() +
                       R"("
      env:
      - {name: COUNTER_FILE, value: ")" +
                       counter_.string() + R"("}
      - {name: CERT_DIR, value: ")" +
                       dir_.path().string() + R"("}
)";
    auto config = ParseKubeconfig(yaml, dir_.path());
    EXPECT_TRUE(config.ok()) << config.error().message;
    return config.ok() ? *config : ClientConfig{};
  }

  // The plugin's answer number `n`: a certificate for exec-user-<n>, expiring at `expires`.
  void WritePluginAnswer(int n, const std::string& expires) {
    TestCert cert = MakeTestCert(client_ca_, "exec-user-" + std::to_string(n), "", true);
    ASSERT_FALSE(cert.cert_pem.empty());
    std::string base = "client-" + std::to_string(n);
    dir_.WriteFile(base + ".crt", cert.cert_pem);
    dir_.WriteFile(base + ".key", cert.key_pem);
    dir_.WriteFile(base + ".expires", expires);
  }

  TempDir dir_{"kube-client-cert"};
  std::filesystem::path counter_ = dir_.path() / "count";
  TestCert client_ca_;
  std::unique_ptr<KubeTestServer> server_;
  ClientConfig config_;
};

TEST_F(ClientCertTest, KubeconfigCertificateAuthenticatesAsItsCommonName) {
  auto anonymous = ListWith(config_);
  ASSERT_FALSE(anonymous.ok());
  EXPECT_TRUE(anonymous.error().IsUnauthorized()) << anonymous.error().ToString();

  TestCert alice = MakeTestCert(client_ca_, "alice", "", true, "system:masters");
  ClientConfig config = config_;
  config.client_cert_pem = alice.cert_pem;
  config.client_key_pem = alice.key_pem;
  auto list = ListWith(config);
  ASSERT_TRUE(list.ok()) << list.error().ToString();
  EXPECT_EQ(server_->CountRequests("user=alice"), 1);
}

TEST_F(ClientCertTest, CertificateFromAnotherCaFailsTheHandshake) {
  TestCert stranger_ca = MakeTestCa("stranger-ca");
  TestCert mallory = MakeTestCert(stranger_ca, "mallory", "", true);
  ClientConfig config = config_;
  config.client_cert_pem = mallory.cert_pem;
  config.client_key_pem = mallory.key_pem;
  auto list = ListWith(config);
  ASSERT_FALSE(list.ok());
  EXPECT_TRUE(list.error().IsTransport()) << list.error().ToString();
  EXPECT_EQ(server_->CountRequests(""), 0);
}

TEST_F(ClientCertTest, ExecPluginCertificateIsCachedUntilExpiryAndRefreshedOn401) {
  FakeClock clock;  // wall time 2026-11-27T00:00:00Z
  WritePluginAnswer(1, "2026-11-27T01:00:00Z");
  WritePluginAnswer(2, "2026-11-27T03:00:00Z");
  WritePluginAnswer(3, "2026-11-27T03:00:00Z");
  auto api = NewClient(ExecKubeconfig(), clock);
  ASSERT_NE(api, nullptr);

  for (int i = 0; i < 3; ++i) {
    auto list = api->List(resources::kConfigMaps, "default");
    ASSERT_TRUE(list.ok()) << list.error().ToString();
  }
  auto watch = api->Watch(resources::kConfigMaps, "default", {});
  ASSERT_TRUE(watch.ok()) << watch.error().ToString();
  (*watch)->Cancel();
  EXPECT_EQ(ReadFileOrEmpty(counter_), "1\n");  // one run while the credential is valid
  EXPECT_EQ(server_->CountRequests("user=exec-user-1"), 4);

  clock.Advance(std::chrono::minutes(61));  // past the first certificate's expiry
  auto after_expiry = api->List(resources::kConfigMaps, "default");
  ASSERT_TRUE(after_expiry.ok()) << after_expiry.error().ToString();
  EXPECT_EQ(ReadFileOrEmpty(counter_), "2\n");
  EXPECT_EQ(server_->CountRequests("user=exec-user-2"), 1);

  // The server refuses the credential once: the plugin runs again and the request is resent
  // with the new certificate.
  auto fault = server_->Admin("POST", "/admin/faults", {{"verb", "list"}, {"code", 401}});
  ASSERT_TRUE(fault.ok()) << fault.error().message;
  auto after_401 = api->List(resources::kConfigMaps, "default");
  ASSERT_TRUE(after_401.ok()) << after_401.error().ToString();
  EXPECT_EQ(ReadFileOrEmpty(counter_), "3\n");
  EXPECT_EQ(server_->CountRequests("user=exec-user-3"), 1);
  EXPECT_EQ(server_->CountRequests("user=exec-user-1"), 4);  // nothing more on the old ones
  EXPECT_EQ(server_->CountRequests("user=exec-user-2"), 2);  // the list above and the refused one
}

TEST_F(ClientCertTest, ExecPluginWithABadKeyIsAnErrorNamingTheField) {
  WritePluginAnswer(1, "2026-11-27T01:00:00Z");
  TestCert other = MakeTestCert(client_ca_, "other", "", true);
  dir_.WriteFile("client-1.key", other.key_pem);  // not the certificate's key
  auto got = ListWith(ExecKubeconfig());
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().reason, "Unauthorized") << got.error().ToString();  // no credential
  EXPECT_TRUE(Contains(got.error().message, "clientKeyData")) << got.error().message;
  EXPECT_EQ(server_->CountRequests(""), 0);
}

}  // namespace
}  // namespace mdo::kube
