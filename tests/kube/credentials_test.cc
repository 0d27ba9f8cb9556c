#include "kube/credentials.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/test_env.h"
#include "test_certs.h"

namespace mdo::kube {
namespace {

using mdo::testing::ReadFileOrEmpty;
using mdo::testing::SourceDir;
using mdo::testing::TempDir;

TEST(FileTokenSourceTest, RotatedTokenIsPickedUpWithinAMinute) {
  TempDir dir("kube-token");
  auto path = dir.WriteFile("token", "first-token\n");
  FakeClock clock;
  FileTokenSource source(path, clock);
  EXPECT_EQ(source.Token().value(), "first-token");

  dir.WriteFile("token", "second-token");  // the kubelet rotates the bound token
  clock.Advance(std::chrono::seconds(30));
  EXPECT_EQ(source.Token().value(), "first-token");  // cached for a minute, as client-go
  clock.Advance(std::chrono::seconds(31));
  EXPECT_EQ(source.Token().value(), "second-token");

  dir.WriteFile("token", "third-token");
  source.Invalidate();  // after a 401 the file is read again at once
  EXPECT_EQ(source.Token().value(), "third-token");
}

TEST(FileTokenSourceTest, KeepsLastGoodTokenWhenFileDisappears) {
  TempDir dir("kube-token");
  auto path = dir.WriteFile("token", "good");
  FakeClock clock;
  FileTokenSource source(path, clock);
  EXPECT_EQ(source.Token().value(), "good");
  std::filesystem::remove(path);
  clock.Advance(std::chrono::minutes(2));
  EXPECT_EQ(source.Token().value(), "good");
}

TEST(FileTokenSourceTest, MissingOrEmptyFileIsAnError) {
  TempDir dir("kube-token");
  FakeClock clock;
  FileTokenSource missing(dir.path() / "none", clock);
  EXPECT_FALSE(missing.Token().ok());
  FileTokenSource empty(dir.WriteFile("empty", " \n"), clock);
  auto token = empty.Token();
  ASSERT_FALSE(token.ok());
  EXPECT_NE(token.error().message.find("empty"), std::string::npos);
}

TEST(ExecCredentialTest, ParsesTokenAndExpiry) {
  auto cred = ParseExecCredential(
      R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",
          "status":{"token":"t","expirationTimestamp":"2026-11-27T10:00:00Z"}})",
      "client.authentication.k8s.io/v1");
  ASSERT_TRUE(cred.ok()) << cred.error().message;
  EXPECT_EQ(cred->token, "t");
  ASSERT_TRUE(cred->expiration.has_value());
  EXPECT_EQ(FormatTime(*cred->expiration), "2026-11-27T10:00:00Z");
}

TEST(ExecCredentialTest, RejectsBadOutput) {
  const std::string v1 = "client.authentication.k8s.io/v1";
  EXPECT_FALSE(ParseExecCredential("not json", v1).ok());
  EXPECT_FALSE(ParseExecCredential(
                   R"({"kind":"ExecCredential","apiVersion":"x","status":{"token":"t"}})", v1)
                   .ok());
  EXPECT_FALSE(
      ParseExecCredential(R"({"kind":"ExecCredential","apiVersion":")" + v1 + R"("})", v1).ok());
  EXPECT_FALSE(ParseExecCredential(
                   R"({"kind":"ExecCredential","apiVersion":")" + v1 + R"(","status":{}})", v1)
                   .ok());
  auto bad_time =
      ParseExecCredential(R"({"kind":"ExecCredential","apiVersion":")" + v1 +
                              R"(","status":{"token":"t","expirationTimestamp":"soon"}})",
                          v1);
  ASSERT_FALSE(bad_time.ok());
  EXPECT_NE(bad_time.error().message.find("expirationTimestamp"), std::string::npos);
}

// An ExecCredential answering a client certificate (PEM, JSON-escaped by nlohmann).
std::string CertCredential(const std::string& cert_pem, const std::string& key_pem) {
  nlohmann::json doc = {{"apiVersion", "client.authentication.k8s.io/v1"},
                        {"kind", "ExecCredential"},
                        {"status",
                         {{"clientCertificateData", cert_pem},
                          {"clientKeyData", key_pem},
                          {"expirationTimestamp", "2026-11-27T10:00:00Z"}}}};
  return doc.dump();
}

TEST(ExecCredentialTest, ParsesClientCertificate) {
  auto ca = testing::MakeTestCa("ca");
  auto cert = testing::MakeTestCert(ca, "user", "", true);
  ASSERT_FALSE(cert.cert_pem.empty());
  auto cred = ParseExecCredential(CertCredential(cert.cert_pem, cert.key_pem),
                                  "client.authentication.k8s.io/v1");
  ASSERT_TRUE(cred.ok()) << cred.error().message;
  EXPECT_EQ(cred->token, "");
  EXPECT_EQ(cred->client_cert_pem, cert.cert_pem);
  EXPECT_EQ(cred->client_key_pem, cert.key_pem);
  ASSERT_TRUE(cred->expiration.has_value());
}

TEST(ExecCredentialTest, BadClientCertificateNamesTheField) {
  const std::string v1 = "client.authentication.k8s.io/v1";
  auto ca = testing::MakeTestCa("ca");
  auto cert = testing::MakeTestCert(ca, "user", "", true);
  auto other = testing::MakeTestCert(ca, "other", "", true);
  auto not_pem = ParseExecCredential(CertCredential("garbage", cert.key_pem), v1);
  ASSERT_FALSE(not_pem.ok());
  EXPECT_NE(not_pem.error().message.find("\"clientCertificateData\" is not a PEM certificate"),
            std::string::npos)
      << not_pem.error().message;
  auto bad_key = ParseExecCredential(CertCredential(cert.cert_pem, "garbage"), v1);
  ASSERT_FALSE(bad_key.ok());
  EXPECT_NE(bad_key.error().message.find("\"clientKeyData\" is not a PEM private key"),
            std::string::npos)
      << bad_key.error().message;
  auto wrong_key = ParseExecCredential(CertCredential(cert.cert_pem, other.key_pem), v1);
  ASSERT_FALSE(wrong_key.ok());
  EXPECT_NE(wrong_key.error().message.find("is not the key of"), std::string::npos)
      << wrong_key.error().message;
  auto half = ParseExecCredential(CertCredential(cert.cert_pem, ""), v1);
  ASSERT_FALSE(half.ok());
  EXPECT_NE(half.error().message.find("go together"), std::string::npos) << half.error().message;
}

class ExecTokenSourceTest : public ::testing::Test {
 protected:
  // A kubeconfig whose user runs the test plugin, found relative to the kubeconfig's folder.
  ClientConfig Load(const std::string& expires, bool fail = false) {
    std::string yaml = R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://127.0.0.1:1", certificate-authority-data: Q0E=}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./exec-credential-plugin.sh
      provideClusterInfo: true
      env:
      - {name: COUNTER_FILE, value: ")" +
                       counter_.string() + R"("}
      - {name: EXPIRES, value: ")" +
                       expires + R"("}
      - {name: FAIL, value: ")" +
                       (fail ? "1" : "0") + R"("}
)";
    auto config = ParseKubeconfig(yaml, SourceDir() / "tests/kube/testdata");
    EXPECT_TRUE(config.ok()) << config.error().message;
    return *config;
  }

  TempDir dir_{"kube-exec"};
  std::filesystem::path counter_ = dir_.path() / "count";
  FakeClock clock_;  // wall time starts at 2026-11-27T00:00:00Z
};

TEST_F(ExecTokenSourceTest, CachesCredentialUntilExpiry) {
  auto config = Load("2026-11-27T01:00:00Z");
  auto source = MakeTokenSource(config, clock_);
  auto* exec = dynamic_cast<ExecTokenSource*>(source.get());
  ASSERT_NE(exec, nullptr);

  EXPECT_EQ(source->Token().value(), "exec-token-1");
  clock_.Advance(std::chrono::minutes(30));
  EXPECT_EQ(source->Token().value(), "exec-token-1");  // cached: the plugin did not run again
  EXPECT_EQ(exec->runs(), 1);
  EXPECT_EQ(ReadFileOrEmpty(counter_), "1\n");

  clock_.Advance(std::chrono::minutes(31));  // past the expiry
  EXPECT_EQ(source->Token().value(), "exec-token-2");
  EXPECT_EQ(exec->runs(), 2);

  source->Invalidate();  // a 401 forces a fresh credential
  EXPECT_EQ(source->Token().value(), "exec-token-3");

  // The plugin was told the API version and, with provideClusterInfo, the cluster.
  auto info = nlohmann::json::parse(ReadFileOrEmpty(counter_.string() + ".info"));
  EXPECT_EQ(info["apiVersion"], "client.authentication.k8s.io/v1");
  EXPECT_EQ(info["kind"], "ExecCredential");
  EXPECT_EQ(info["spec"]["interactive"], false);
  EXPECT_EQ(info["spec"]["cluster"]["server"], "https://127.0.0.1:1");
  EXPECT_EQ(info["spec"]["cluster"]["certificate-authority-data"], "Q0E=");
}

TEST_F(ExecTokenSourceTest, NoExpiryMeansCachedUntilInvalidated) {
  auto source = MakeTokenSource(Load(""), clock_);
  EXPECT_EQ(source->Token().value(), "exec-token-1");
  clock_.Advance(std::chrono::hours(48));
  EXPECT_EQ(source->Token().value(), "exec-token-1");
}

TEST_F(ExecTokenSourceTest, FailingPluginIsAnError) {
  auto source = MakeTokenSource(Load("", /*fail=*/true), clock_);
  auto token = source->Token();
  ASSERT_FALSE(token.ok());
  EXPECT_NE(token.error().message.find("exited with status 3"), std::string::npos)
      << token.error().message;
}

TEST_F(ExecTokenSourceTest, ClientCertificateIsCachedUntilItsExpiry) {
  auto ca = testing::MakeTestCa("ca");
  for (int n = 1; n <= 2; ++n) {
    auto cert = testing::MakeTestCert(ca, "user-" + std::to_string(n), "", true);
    dir_.WriteFile("client-" + std::to_string(n) + ".crt", cert.cert_pem);
    dir_.WriteFile("client-" + std::to_string(n) + ".key", cert.key_pem);
    dir_.WriteFile("client-" + std::to_string(n) + ".expires", "2026-11-27T01:00:00Z");
  }
  ClientConfig config = Load("");
  config.exec->env.emplace_back("CERT_DIR", dir_.path().string());
  auto source = MakeTokenSource(config, clock_);
  auto first = source->Current();
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->token, "");  // a certificate only: no Authorization header
  EXPECT_EQ(first->client_cert_pem, ReadFileOrEmpty(dir_.path() / "client-1.crt"));
  EXPECT_EQ(first->client_key_pem, ReadFileOrEmpty(dir_.path() / "client-1.key"));
  EXPECT_EQ(source->Token().value(), "");
  clock_.Advance(std::chrono::minutes(59));
  EXPECT_EQ(source->Current()->client_cert_pem, first->client_cert_pem);
  EXPECT_EQ(ReadFileOrEmpty(counter_), "1\n");
  clock_.Advance(std::chrono::minutes(2));  // past the expiry
  EXPECT_EQ(source->Current()->client_cert_pem, ReadFileOrEmpty(dir_.path() / "client-2.crt"));
  EXPECT_EQ(ReadFileOrEmpty(counter_), "2\n");
}

TEST(RunCommandTest, BoundsOutputAndTime) {
  auto big =
      RunCommand({"/bin/sh", "-c", "yes | head -c 100000"}, {}, std::chrono::seconds(30), 1000);
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().message.find("too much output"), std::string::npos);
  auto slow =
      RunCommand({"/bin/sh", "-c", "exec sleep 30"}, {}, std::chrono::milliseconds(200), 1000);
  ASSERT_FALSE(slow.ok());
  EXPECT_NE(slow.error().message.find("did not finish"), std::string::npos);
  auto missing = RunCommand({"/nonexistent/plugin"}, {}, std::chrono::seconds(5), 1000);
  EXPECT_FALSE(missing.ok() && missing->exit_code == 0);
}

TEST(MakeTokenSourceTest, PrefersTokenFileOverToken) {
  TempDir dir("kube-token");
  FakeClock clock;
  ClientConfig config;
  config.token = "static";
  EXPECT_EQ(MakeTokenSource(config, clock)->Token().value(), "static");
  config.token_file = dir.WriteFile("t", "from-file");
  EXPECT_EQ(MakeTokenSource(config, clock)->Token().value(), "from-file");
}

}  // namespace
}  // namespace mdo::kube
