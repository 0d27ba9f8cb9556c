// The ApiClient over HTTP(S) with cpprestsdk (the only place cpprest is included):
// TLS with the config's CA, tls-server-name and client certificate (or an exec plugin's), bearer
// tokens from the TokenSource (a 401 refreshes the credential once), a user agent, retries with
// jittered backoff for 429 (honouring Retry-After) and, on idempotent verbs, 5xx and transport
// errors.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "kube/api_client.h"
#include "kube/clock.h"
#include "kube/config.h"

namespace mdo::kube {

struct RestClientOptions {
  // Inactivity timeout of a plain request (cpprest applies it to every read).
  std::chrono::milliseconds request_timeout = std::chrono::seconds(30);
  // A watch's inactivity timeout is its timeoutSeconds plus this, so the server, not the
  // client, ends a quiet watch.
  std::chrono::milliseconds watch_idle_slack = std::chrono::seconds(30);
  // Watches without timeoutSeconds get this idle timeout.
  std::chrono::milliseconds watch_default_idle = std::chrono::minutes(11);
  int max_retries = 5;
  std::chrono::milliseconds retry_initial = std::chrono::milliseconds(200);
  std::chrono::milliseconds retry_max = std::chrono::seconds(30);
  std::string user_agent;  // "" = "<config.user_agent>/0.1.0 (linux)"
};

// Whether a failed call may be sent again: 429 and requests that never reached the server
// (reason RequestNotSent) always; 5xx and other transport errors only for idempotent verbs
// (GET, PUT, DELETE, server-side apply).
bool ShouldRetry(bool idempotent, const ApiError& error);
// The wait before retry number `attempt` (0-based): the server's Retry-After when it gave one
// (capped at retry_max), else retry_initial * 2^attempt with up to 100 % jitter, capped.
std::chrono::milliseconds RetryDelay(const RestClientOptions& options, const ApiError& error,
                                     int attempt, double jitter_fraction);

// Fails when the TLS material in `config` cannot be loaded (the error names the field).
Result<std::unique_ptr<ApiClient>> NewRestApiClient(const ClientConfig& config,
                                                    RestClientOptions options = {},
                                                    Clock& clock = SystemClock::Instance());

}  // namespace mdo::kube
