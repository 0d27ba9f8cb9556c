// The MailDomain reconciler: decides whether a domain is due for a check, runs the checks through
// the DomainChecker seam, writes status only when it changed, and emits events on changes.
// It never blocks on anything but the checks and one status write; the caller (the controller
// loop) owns the work queue and requeues as the outcome says.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>

#include "common/result.h"
#include "controller/status.h"
#include "kube/api_client.h"
#include "kube/clock.h"
#include "runtime/metrics.h"

namespace mdo::controller {

extern const kube::ResourceType kMailDomains;
inline constexpr char kRecheckAnnotation[] = "mailops.dev/recheck";

// Runs every enabled check of one MailDomain spec (JSON as stored) and returns maildomain-check's
// JSON report for it, or an error naming the invalid field (-> Ready=False, InvalidSpec).
// `fresh_dns`: the user asked for this check (the recheck annotation), typically right after
// fixing DNS, so cached answers must not be used.
class DomainChecker {
 public:
  virtual ~DomainChecker() = default;
  virtual Result<nlohmann::json> Check(const nlohmann::json& spec, bool fresh_dns) = 0;
};

// Where events go (the event recorder in production). Must not block.
class EventEmitter {
 public:
  virtual ~EventEmitter() = default;
  virtual void Emit(const nlohmann::json& regarding, const EventSpec& event) = 0;
};

struct ReconcilerOptions {
  std::chrono::seconds default_interval{3600};
  double jitter = 0.1;  // rechecks land up to 10% after the interval, spreading the load
};

struct ReconcileOutcome {
  bool checked = false;         // the checks ran
  bool status_written = false;  // one status write was made
  // When to look again (the next periodic check); nullopt: only on a change of the object.
  std::optional<kube::Clock::Duration> requeue_after;
  // The status write failed (409 on a stale copy, 5xx, transport): requeue with backoff.
  std::optional<kube::ApiError> error;
};

class Reconciler {
 public:
  Reconciler(kube::ApiClient& api, DomainChecker& checker, EventEmitter& events, kube::Clock& clock,
             runtime::MetricsRegistry* metrics, ReconcilerOptions options);

  // Declares the per-domain metric families on `metrics`.
  static void DeclareMetrics(runtime::MetricsRegistry& metrics);

  // `object` is the informer cache's copy; nullptr when the object is gone.
  ReconcileOutcome Reconcile(const std::string& key, const nlohmann::json* object);

 private:
  struct KeyState {
    bool checked = false;
    std::int64_t generation = -1;
    std::string recheck_token;
    kube::Clock::TimePoint next_due{};
    // What the metric series last written for this object were labelled with, so exactly they
    // are removed when they change (a scan of the whole family per reconcile would make a pass
    // quadratic in the fleet size). Kept as the values only (namespace and name are the key's):
    // full label sets for 10,000 objects would cost ~20 MB.
    bool has_metrics = false;
    std::string metric_domain;
    std::vector<std::string> check_words;  // per CheckConditions(), the `status` label
  };

  void Forget(const std::string& key);
  void RecordMetrics(const std::string& key, const nlohmann::json& object,
                     const nlohmann::json& status);
  kube::Clock::Duration Jittered(std::chrono::nanoseconds interval);

  kube::ApiClient& api_;
  DomainChecker& checker_;
  EventEmitter& events_;
  kube::Clock& clock_;
  runtime::MetricsRegistry* metrics_;
  ReconcilerOptions options_;

  std::mutex mu_;
  std::map<std::string, KeyState> states_;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace mdo::controller
