// The security rows of docs/reliability.md with the real operator and kube-testserver over
// HTTPS: credentials (tokens, client keys, exec-plugin tokens) never reach a log at any level,
// even through authentication and TLS failures; TLS verification is on unless the kubeconfig
// turns it off.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <regex>
#include <sstream>

#include "reliability/operator_fixture.h"

namespace mdo::reliability {
namespace {

using e2e::Eventually;
using std::chrono::seconds;

std::string Base64(const std::string& text) {
  auto r = testing::RunProcess({"base64", "-w0"}, {}, text, seconds(10));
  EXPECT_TRUE(r.exited_ok()) << r.Describe();
  return r.stdout_text;
}

std::string ServerUrl(e2e::Cluster& cluster) {
  const std::string text = testing::ReadFileOrEmpty(cluster.dir() / "kubeconfig");
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(R"(server:\s*"?(https://[^\s"]+))"))) return "";
  return m[1];
}

struct KubeconfigUser {
  std::string token;
  std::string exec_command;
  std::string client_cert_b64, client_key_b64;
};

// A kubeconfig for the cluster's server with the given trust and user.
std::filesystem::path WriteKubeconfig(e2e::Cluster& cluster, const std::string& file,
                                      const std::string& trust, const KubeconfigUser& user) {
  std::string yaml =
      "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n"
      "  cluster:\n    server: " +
      ServerUrl(cluster) + "\n" + trust +
      "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
      "users:\n- name: u\n  user:\n";
  if (!user.token.empty()) yaml += "    token: " + user.token + "\n";
  if (!user.client_cert_b64.empty()) {
    yaml += "    client-certificate-data: " + user.client_cert_b64 + "\n";
    yaml += "    client-key-data: " + user.client_key_b64 + "\n";
  }
  if (!user.exec_command.empty()) {
    yaml += "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: " +
            user.exec_command + "\n";
  }
  const auto path = cluster.dir() / file;
  std::ofstream(path) << yaml;
  return path;
}

std::string CaTrust(e2e::Cluster& cluster) {
  return "    certificate-authority: " + (cluster.dir() / "tls" / "ca.crt").string() + "\n";
}

class SecurityTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(cluster_.Start(), ""); }
  e2e::Cluster cluster_;
};

TEST_F(SecurityTest, CredentialsNeverAppearInLogsAtAnyLevel) {
  // A client certificate and key (the server does not ask for one; the client still loads it).
  const auto key = cluster_.dir() / "client.key";
  const auto cert = cluster_.dir() / "client.crt";
  auto made = testing::RunProcess(
      {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.string(), "-out",
       cert.string(), "-subj", "/CN=reliability", "-days", "1"},
      {}, {}, seconds(60));
  ASSERT_TRUE(made.exited_ok()) << made.Describe();
  const std::string key_pem = testing::ReadFileOrEmpty(key);
  ASSERT_NE(key_pem.find("PRIVATE KEY"), std::string::npos);
  KubeconfigUser user;
  user.client_cert_b64 = Base64(testing::ReadFileOrEmpty(cert));
  user.client_key_b64 = Base64(key_pem);

  const std::string wrong_token = "wrong-Tok3n-9f2c41d7e8a0b6";
  const std::string exec_token = "exec-Tok3n-5b7e1c0d2a9f88";
  const std::string good_token = "e2e-token";  // the cluster's
  const auto plugin = cluster_.dir() / "cred-plugin.sh";
  std::ofstream(plugin) << "#!/bin/sh\nprintf '%s' '{\"apiVersion\": "
                           "\"client.authentication.k8s.io/v1\", \"kind\": \"ExecCredential\", "
                           "\"status\": {\"token\": \""
                        << exec_token << "\"}}'\n";
  ::chmod(plugin.c_str(), 0755);

  struct Run {
    const char* what;
    std::filesystem::path kubeconfig;
    const char* format;
    // Waits until the run has gone through what it is meant to exercise.
    std::function<bool(e2e::OperatorProcess&)> done;
  };
  auto unauthorized = [&](e2e::OperatorProcess&) {
    int n = 0;
    for (const json& r : OperatorRequests(cluster_)) n += r.value("code", 0) == 401;
    return n >= 3;
  };
  auto list_failed = [](e2e::OperatorProcess& op) {
    return op.Log().find("listing maildomains failed") != std::string::npos;
  };
  auto checked = [&](e2e::OperatorProcess&) {
    json c = cluster_.Condition("healthy", "Ready");
    return c.is_object() && c.value("status", "") == "True";
  };
  KubeconfigUser wrong = user;
  wrong.token = wrong_token;
  KubeconfigUser exec = user;
  exec.exec_command = plugin.string();
  KubeconfigUser good = user;
  good.token = good_token;
  std::vector<Run> runs = {
      {"a wrong token and a client key",
       WriteKubeconfig(cluster_, "kc-wrong", CaTrust(cluster_), wrong), "text", unauthorized},
      {"an exec plugin whose token is refused",
       WriteKubeconfig(cluster_, "kc-exec", CaTrust(cluster_), exec), "json", unauthorized},
      {"an untrusted server certificate",
       WriteKubeconfig(cluster_, "kc-badca",
                       "    certificate-authority-data: " + user.client_cert_b64 + "\n", good),
       "text", list_failed},
      {"a working client", WriteKubeconfig(cluster_, "kc-good", CaTrust(cluster_), good), "json",
       checked},
  };
  ASSERT_EQ(Apply(cluster_, MailDomainYaml("healthy", "healthy.example")), "");

  std::string logs;
  for (const Run& run : runs) {
    cluster_.Admin("DELETE", "/admin/requests");
    OperatorLaunch launch;
    launch.dns_server = cluster_.knot().address();
    launch.kubeconfig = run.kubeconfig;
    launch.log_level = "trace";
    launch.log_format = run.format;
    auto op = StartOperator(cluster_, launch);
    ASSERT_NE(op, nullptr) << run.what;
    EXPECT_TRUE(Eventually([&] { return run.done(*op); }, seconds(60))) << run.what << "\n"
                                                                        << op->Log();
    op->process->Stop(seconds(15));
    const std::string log = op->Log();
    EXPECT_FALSE(log.empty()) << run.what;
    logs += log;
  }
  logs += testing::ReadFileOrEmpty(cluster_.dir() / "kube-testserver.log");

  std::vector<std::pair<std::string, std::string>> secrets = {
      {"wrong token", wrong_token},
      {"exec token", exec_token},
      {"good token", good_token},
      {"client-key-data", user.client_key_b64.substr(0, 64)},
  };
  for (const std::string& token : {wrong_token, exec_token, good_token}) {
    secrets.push_back({"base64 of " + token, Base64(token).substr(0, 12)});
  }
  // Every line of the key's PEM body.
  std::istringstream pem(key_pem);
  std::string line;
  while (std::getline(pem, line)) {
    if (line.size() >= 32 && line.find("-----") == std::string::npos) {
      secrets.push_back({"a line of the client key", line});
    }
  }
  ASSERT_GT(secrets.size(), 10u);
  for (const auto& [what, secret] : secrets) {
    EXPECT_EQ(logs.find(secret), std::string::npos) << what << " appears in a log";
  }
}

TEST_F(SecurityTest, TlsIsVerifiedUnlessTheKubeconfigSaysOtherwise) {
  ASSERT_EQ(Apply(cluster_, MailDomainYaml("healthy", "healthy.example")), "");
  KubeconfigUser user;
  user.token = "e2e-token";
  // No certificate-authority: the system store does not know the test CA.
  OperatorLaunch launch;
  launch.dns_server = cluster_.knot().address();
  launch.kubeconfig = WriteKubeconfig(cluster_, "kc-no-ca", "", user);
  auto strict = StartOperator(cluster_, launch);
  ASSERT_NE(strict, nullptr);
  ASSERT_TRUE(Eventually([&] {
    return strict->Log().find("listing maildomains failed") != std::string::npos;
  })) << strict->Log();
  const std::string log = strict->Log();
  // The failure says what failed: the handshake, over the server's certificate.
  EXPECT_NE(log.find("SSL handshake"), std::string::npos) << log;
  EXPECT_NE(log.find("certificate"), std::string::npos) << log;
  EXPECT_NE(ProbeCode(*strict, "/readyz"), 200);
  EXPECT_TRUE(OperatorRequests(cluster_).empty()) << "a request got through an untrusted TLS";
  EXPECT_TRUE(strict->process->Running());
  strict->process->Stop(seconds(15));

  // insecure-skip-tls-verify: true connects (and the operator works).
  launch.kubeconfig =
      WriteKubeconfig(cluster_, "kc-insecure", "    insecure-skip-tls-verify: true\n", user);
  auto insecure = StartOperator(cluster_, launch);
  ASSERT_NE(insecure, nullptr);
  EXPECT_TRUE(Eventually([&] { return ProbeCode(*insecure, "/readyz") == 200; }))
      << insecure->Log();
  EXPECT_TRUE(Eventually([&] {
    json c = cluster_.Condition("healthy", "Ready");
    return c.is_object() && c.value("status", "") == "True";
  })) << insecure->Log();
}

}  // namespace
}  // namespace mdo::reliability
