// Credentials for the API server, refreshed the way their source requires: a fixed token, a
// token file re-read every minute (bound service-account tokens rotate), or an exec credential
// plugin whose answer (a token and/or a client certificate) is cached until its
// expirationTimestamp. Tokens and keys are never logged.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "kube/clock.h"
#include "kube/config.h"

namespace mdo::kube {

// What a request authenticates with.
struct Credentials {
  std::string token;            // "" = no Authorization header
  std::string client_cert_pem;  // with client_key_pem: a client certificate from a plugin,
  std::string client_key_pem;   // used instead of the kubeconfig's ("" = the kubeconfig's)
};

class TokenSource {
 public:
  virtual ~TokenSource() = default;
  // The token to send now; "" means send no Authorization header.
  virtual Result<std::string> Token() = 0;
  // The token and any client certificate to present now.
  virtual Result<Credentials> Current() {
    auto token = Token();
    if (!token) return MakeUnexpected(token.error());
    return Credentials{std::move(*token), {}, {}};
  }
  // The server answered 401: forget any cached token so the next Token() fetches a fresh one.
  virtual void Invalidate() {}
};

class StaticTokenSource final : public TokenSource {
 public:
  explicit StaticTokenSource(std::string token) : token_(std::move(token)) {}
  Result<std::string> Token() override { return token_; }

 private:
  std::string token_;
};

// client-go's cached file token source: re-read at most every `period`; a failed re-read keeps
// the last good token (the kubelet rewrites the file atomically, but be forgiving).
class FileTokenSource final : public TokenSource {
 public:
  FileTokenSource(std::filesystem::path path, Clock& clock,
                  Clock::Duration period = std::chrono::minutes(1));
  Result<std::string> Token() override;
  void Invalidate() override;

 private:
  std::filesystem::path path_;
  Clock& clock_;
  Clock::Duration period_;
  std::mutex mutex_;
  std::optional<std::string> cached_;
  Clock::TimePoint next_read_{};
};

// The status of a client.authentication.k8s.io ExecCredential.
struct ExecCredential {
  std::string token;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::optional<Clock::WallTime> expiration;
};

// Pure: the plugin's stdout to a credential, or an error naming the bad field (a client
// certificate must be PEM, with a PEM private key that belongs to it).
Result<ExecCredential> ParseExecCredential(std::string_view json_text,
                                           std::string_view expected_api_version);

struct CommandOutput {
  int exit_code = -1;
  std::string out;  // stdout, at most the limit given
};

// Runs argv[0] (PATH lookup unless it has a '/') with extra environment variables, capturing
// stdout (bounded) and inheriting stderr; kills it after `timeout`.
Result<CommandOutput> RunCommand(const std::vector<std::string>& argv,
                                 const std::vector<std::pair<std::string, std::string>>& env,
                                 std::chrono::milliseconds timeout, size_t max_output);

class ExecTokenSource final : public TokenSource {
 public:
  // `server` and `ca_pem` are passed to the plugin when provideClusterInfo is set.
  ExecTokenSource(ExecConfig exec, std::string server, std::string ca_pem, Clock& clock);
  Result<std::string> Token() override;
  Result<Credentials> Current() override;
  void Invalidate() override;
  // How many times the plugin has run (for tests and metrics).
  int runs() const;

 private:
  // The cached credential, or the plugin's fresh one. Called with mutex_ held.
  Result<ExecCredential> Fetch();

  ExecConfig exec_;
  std::string server_;
  std::string ca_pem_;
  Clock& clock_;
  mutable std::mutex mutex_;
  std::optional<ExecCredential> cached_;
  int runs_ = 0;
};

// exec plugin, else token file, else fixed token, else none ("" tokens).
std::unique_ptr<TokenSource> MakeTokenSource(const ClientConfig& config, Clock& clock);

}  // namespace mdo::kube
