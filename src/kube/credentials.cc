#include "kube/credentials.h"

#include <fcntl.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/strings.h"

extern char** environ;

namespace mdo::kube {
namespace {

constexpr size_t kMaxTokenBytes = 64 << 10;
constexpr size_t kMaxExecOutputBytes = 1 << 20;
constexpr std::chrono::seconds kExecTimeout(60);
// Refresh an exec credential a little before it expires, so requests never carry a stale one.
constexpr std::chrono::seconds kExpiryLeeway(10);

Result<std::string> ReadToken(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail("cannot read token file " + path.string());
  std::string text(kMaxTokenBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxTokenBytes) return Fail("token file " + path.string() + " is too large");
  std::string_view trimmed = TrimWhitespace(text);
  if (trimmed.empty()) return Fail("token file " + path.string() + " is empty");
  return std::string(trimmed);
}

// A client certificate from a plugin must load before it is cached: bad PEM is the plugin's
// error, named by field, not a TLS failure on every request.
Status CheckClientCertificate(const std::string& cert_pem, const std::string& key_pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> cert_bio(
      BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())), &BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!cert) {
    return Fail("exec plugin output: \"clientCertificateData\" is not a PEM certificate");
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(
      BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())), &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  if (!key) return Fail("exec plugin output: \"clientKeyData\" is not a PEM private key");
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return Fail(
        "exec plugin output: \"clientKeyData\" is not the key of \"clientCertificateData\"");
  }
  return {};
}

}  // namespace

FileTokenSource::FileTokenSource(std::filesystem::path path, Clock& clock, Clock::Duration period)
    : path_(std::move(path)), clock_(clock), period_(period) {}

Result<std::string> FileTokenSource::Token() {
  std::lock_guard lock(mutex_);
  auto now = clock_.Now();
  if (cached_ && now < next_read_) return *cached_;
  auto token = ReadToken(path_);
  if (!token) {
    if (cached_) {
      spdlog::warn("kube: {}; keeping the previous token", token.error().message);
      next_read_ = now + period_;
      return *cached_;
    }
    return MakeUnexpected(token.error());
  }
  cached_ = std::move(*token);
  next_read_ = now + period_;
  return *cached_;
}

void FileTokenSource::Invalidate() {
  std::lock_guard lock(mutex_);
  next_read_ = {};
}

Result<ExecCredential> ParseExecCredential(std::string_view json_text,
                                           std::string_view expected_api_version) {
  nlohmann::json doc = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Fail("exec plugin output is not a JSON object");
  }
  auto str = [](const nlohmann::json& obj, const char* key) -> std::string {
    auto it = obj.find(key);
    return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (str(doc, "kind") != "ExecCredential") {
    return Fail("exec plugin output: \"kind\" is not \"ExecCredential\"");
  }
  if (str(doc, "apiVersion") != expected_api_version) {
    return Fail("exec plugin output: \"apiVersion\" " + QuoteForMessage(str(doc, "apiVersion")) +
                " does not match the kubeconfig's " + std::string(expected_api_version));
  }
  auto status = doc.find("status");
  if (status == doc.end() || !status->is_object()) {
    return Fail("exec plugin output has no \"status\"");
  }
  ExecCredential cred;
  cred.token = str(*status, "token");
  cred.client_cert_pem = str(*status, "clientCertificateData");
  cred.client_key_pem = str(*status, "clientKeyData");
  if (cred.token.empty() && cred.client_cert_pem.empty()) {
    return Fail(
        "exec plugin output: \"status\" has neither \"token\" nor \"clientCertificateData\"");
  }
  if (cred.client_cert_pem.empty() != cred.client_key_pem.empty()) {
    return Fail("exec plugin output: \"clientCertificateData\" and \"clientKeyData\" go together");
  }
  if (!cred.client_cert_pem.empty()) {
    if (Status s = CheckClientCertificate(cred.client_cert_pem, cred.client_key_pem); !s) {
      return MakeUnexpected(s.error());
    }
  }
  if (std::string exp = str(*status, "expirationTimestamp"); !exp.empty()) {
    Clock::WallTime t;
    if (!ParseRfc3339(exp, &t)) {
      return Fail("exec plugin output: \"expirationTimestamp\" is not an RFC 3339 time");
    }
    cred.expiration = t;
  }
  return cred;
}

Result<CommandOutput> RunCommand(const std::vector<std::string>& argv,
                                 const std::vector<std::pair<std::string, std::string>>& env,
                                 std::chrono::milliseconds timeout, size_t max_output) {
  assert(!argv.empty());
  // Environment: ours, with the overrides replacing same-named variables.
  std::vector<std::string> env_strings;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (const auto& [k, v] : env) overridden = overridden || k == name;
    if (!overridden) env_strings.emplace_back(entry);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argvp;
  for (auto& s : args) argvp.push_back(s.data());
  argvp.push_back(nullptr);

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Fail(std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argvp[0], &actions, nullptr, argvp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (rc != 0) {
    close(pipe_fds[0]);
    return Fail("cannot run " + QuoteForMessage(argv[0]) + ": " + std::strerror(rc));
  }
  CommandOutput result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  bool too_large = false;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd{pipe_fds[0], POLLIN, 0};
    int n = poll(&pfd, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      timed_out = n == 0;
      break;
    }
    ssize_t got = read(pipe_fds[0], buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    if (result.out.size() + static_cast<size_t>(got) > max_output) {
      too_large = true;
      break;
    }
    result.out.append(buf, static_cast<size_t>(got));
  }
  close(pipe_fds[0]);
  if (timed_out || too_large) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) return Fail(QuoteForMessage(argv[0]) + " did not finish in time");
  if (too_large) return Fail(QuoteForMessage(argv[0]) + " wrote too much output");
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

ExecTokenSource::ExecTokenSource(ExecConfig exec, std::string server, std::string ca_pem,
                                 Clock& clock)
    : exec_(std::move(exec)),
      server_(std::move(server)),
      ca_pem_(std::move(ca_pem)),
      clock_(clock) {}

Result<std::string> ExecTokenSource::Token() {
  auto cred = Current();
  if (!cred) return MakeUnexpected(cred.error());
  return std::move(cred->token);
}

Result<Credentials> ExecTokenSource::Current() {
  std::lock_guard lock(mutex_);
  auto cred = Fetch();
  if (!cred) return MakeUnexpected(cred.error());
  return Credentials{cred->token, cred->client_cert_pem, cred->client_key_pem};
}

Result<ExecCredential> ExecTokenSource::Fetch() {
  auto now = clock_.WallNow();
  if (cached_ && (!cached_->expiration || now + kExpiryLeeway < *cached_->expiration)) {
    return *cached_;
  }
  nlohmann::json info = {{"apiVersion", exec_.api_version},
                         {"kind", "ExecCredential"},
                         {"spec", {{"interactive", false}}}};
  if (exec_.provide_cluster_info) {
    std::string ca_b64;
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < ca_pem_.size(); i += 3) {
      uint32_t n = static_cast<uint8_t>(ca_pem_[i]) << 16;
      if (i + 1 < ca_pem_.size()) n |= static_cast<uint8_t>(ca_pem_[i + 1]) << 8;
      if (i + 2 < ca_pem_.size()) n |= static_cast<uint8_t>(ca_pem_[i + 2]);
      ca_b64 += kAlphabet[(n >> 18) & 63];
      ca_b64 += kAlphabet[(n >> 12) & 63];
      ca_b64 += i + 1 < ca_pem_.size() ? kAlphabet[(n >> 6) & 63] : '=';
      ca_b64 += i + 2 < ca_pem_.size() ? kAlphabet[n & 63] : '=';
    }
    info["spec"]["cluster"] = {{"server", server_}, {"certificate-authority-data", ca_b64}};
  }
  std::vector<std::pair<std::string, std::string>> env = exec_.env;
  env.emplace_back("KUBERNETES_EXEC_INFO", info.dump());
  std::vector<std::string> argv{exec_.command};
  if (exec_.command.find('/') != std::string::npos && !exec_.base_dir.empty() &&
      std::filesystem::path(exec_.command).is_relative()) {
    argv[0] = (exec_.base_dir / exec_.command).string();
  }
  argv.insert(argv.end(), exec_.args.begin(), exec_.args.end());
  ++runs_;
  auto out = RunCommand(argv, env, kExecTimeout, kMaxExecOutputBytes);
  if (!out) return Fail("exec credential plugin: " + out.error().message);
  if (out->exit_code != 0) {
    return Fail("exec credential plugin " + QuoteForMessage(exec_.command) +
                " exited with status " + std::to_string(out->exit_code));
  }
  auto cred = ParseExecCredential(out->out, exec_.api_version);
  if (!cred) return MakeUnexpected(cred.error());
  spdlog::debug("kube: exec credential plugin {} returned {}{}", exec_.command,
                cred->client_cert_pem.empty() ? "a token" : "a client certificate",
                cred->expiration ? " expiring " + FormatTime(*cred->expiration) : "");
  cached_ = std::move(*cred);
  return *cached_;
}

void ExecTokenSource::Invalidate() {
  std::lock_guard lock(mutex_);
  cached_.reset();
}

int ExecTokenSource::runs() const {
  std::lock_guard lock(mutex_);
  return runs_;
}

std::unique_ptr<TokenSource> MakeTokenSource(const ClientConfig& config, Clock& clock) {
  if (config.exec) {
    return std::make_unique<ExecTokenSource>(*config.exec, config.server, config.ca_pem, clock);
  }
  if (!config.token_file.empty())
    return std::make_unique<FileTokenSource>(config.token_file, clock);
  return std::make_unique<StaticTokenSource>(config.token);
}

}  // namespace mdo::kube
