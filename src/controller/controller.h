// The MailDomain controller loop: informers (one per watched namespace, or one for all) feed a
// rate-limited work queue; workers run the reconciler, never two on the same key; the outcome
// decides the requeue (periodic recheck, backoff after a failed write). Informers run on every
// replica so a new leader starts with a warm cache; workers run only while leading.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "controller/reconciler.h"
#include "kube/informer.h"
#include "kube/work_queue.h"
#include "runtime/metrics.h"

namespace mdo::controller {

struct ControllerOptions {
  int workers = 4;
  std::vector<std::string> namespaces;  // empty = all namespaces
  // Reconciles each worker keeps in flight on its thread (report::Interleaver): while one waits
  // for DNS answers, the others run, and their questions go out together. 1: one at a time.
  int domains_per_worker = 1;
};

class MailDomainController {
 public:
  MailDomainController(kube::ApiClient& api, Reconciler& reconciler,
                       runtime::MetricsRegistry* metrics, ControllerOptions options,
                       kube::Clock& clock = kube::SystemClock::Instance());
  ~MailDomainController();
  MailDomainController(const MailDomainController&) = delete;
  MailDomainController& operator=(const MailDomainController&) = delete;

  static void DeclareMetrics(runtime::MetricsRegistry& metrics);

  // Starts the informers (the cache fills; keys queue up).
  void StartInformers();
  // Starts the workers: reconciling begins. Call once leading (or at once without election).
  void StartWorkers();
  // Stops taking work and waits up to `grace` for reconciles in flight; then stops informers.
  // Returns false when some reconcile was still running at the deadline: that worker is
  // detached and the caller must exit the process without destroying the controller.
  bool Stop(std::chrono::milliseconds grace);

  bool HasSynced() const;
  size_t QueueDepth() const;

 private:
  void Enqueue(const nlohmann::json& object);
  void Worker();
  void ProcessOne(const std::string& key);

  kube::ApiClient& api_;
  Reconciler& reconciler_;
  runtime::MetricsRegistry* metrics_;
  ControllerOptions options_;
  kube::Clock& clock_;
  kube::WorkQueue queue_;
  std::vector<std::unique_ptr<kube::Informer>> informers_;
  std::vector<std::thread> workers_;
  std::atomic<int> busy_{0};
  std::mutex workers_mutex_;
  std::condition_variable workers_exited_;
  int running_workers_ = 0;
  std::atomic<bool> workers_started_{false};
};

}  // namespace mdo::controller
