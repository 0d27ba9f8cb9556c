#include "controller/controller.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <optional>

#include "dns/interleaver.h"

namespace mdo::controller {

using nlohmann::json;

namespace {

// What the informer keeps of a MailDomain: the reconciler reads spec, status, the recheck
// annotation and identity metadata; managedFields and other annotations (kubectl's
// last-applied-configuration is a second copy of the spec) are dropped.
void TrimForCache(json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return;
  meta->erase("managedFields");
  auto annotations = meta->find("annotations");
  if (annotations == meta->end() || !annotations->is_object()) return;
  for (auto it = annotations->begin(); it != annotations->end();) {
    if (it.key() == kRecheckAnnotation) {
      ++it;
    } else {
      it = annotations->erase(it);
    }
  }
  if (annotations->empty()) meta->erase(annotations);
}

}  // namespace

MailDomainController::MailDomainController(kube::ApiClient& api, Reconciler& reconciler,
                                           runtime::MetricsRegistry* metrics,
                                           ControllerOptions options, kube::Clock& clock)
    : api_(api),
      reconciler_(reconciler),
      metrics_(metrics),
      options_(std::move(options)),
      clock_(clock),
      queue_(clock) {
  std::vector<std::string> namespaces = options_.namespaces;
  if (namespaces.empty()) namespaces.push_back("");
  for (const std::string& ns : namespaces) {
    kube::InformerOptions informer_options;
    informer_options.namespace_name = ns;
    informer_options.transform = TrimForCache;
    auto informer = std::make_unique<kube::Informer>(api_, kMailDomains, informer_options, clock_);
    informer->AddHandlers({
        [this](const json& object) { Enqueue(object); },
        [this](const json& old_object, const json& new_object) {
          // Our own status writes come back as updates; the reconciler finds them not due, so
          // enqueueing them is cheap. Spec or annotation changes must not wait.
          (void)old_object;
          Enqueue(new_object);
        },
        [this](const json& object) { Enqueue(object); },
    });
    informers_.push_back(std::move(informer));
  }
}

MailDomainController::~MailDomainController() { Stop(std::chrono::milliseconds(0)); }

void MailDomainController::DeclareMetrics(runtime::MetricsRegistry& m) {
  using T = runtime::MetricsRegistry::Type;
  m.Declare("maildomain_reconcile_total", T::kCounter,
            "Reconciles by result: checked, written, skipped (not due), error.");
  m.Declare("maildomain_reconcile_duration_seconds", T::kHistogram,
            "Time spent in one reconcile, checks included.",
            {0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});
  m.Declare("maildomain_workqueue_depth", T::kGauge, "MailDomains waiting to be reconciled.");
}

void MailDomainController::Enqueue(const json& object) {
  const std::string key = kube::ObjectKey(object);
  if (!key.empty()) queue_.Add(key);
}

void MailDomainController::StartInformers() {
  for (auto& informer : informers_) informer->Start();
}

void MailDomainController::StartWorkers() {
  if (workers_started_.exchange(true)) return;
  std::lock_guard lock(workers_mutex_);
  for (int i = 0; i < options_.workers; ++i) {
    ++running_workers_;
    workers_.emplace_back([this] { Worker(); });
  }
}

bool MailDomainController::HasSynced() const {
  for (const auto& informer : informers_) {
    if (!informer->HasSynced()) return false;
  }
  return true;
}

// Ready keys only, as client-go's workqueue_depth: every key also waits for its next periodic
// check, so counting delayed keys would report the fleet size.
size_t MailDomainController::QueueDepth() const { return queue_.Len(); }

void MailDomainController::Worker() {
  dns::InterleaverOptions interleaved;
  interleaved.in_flight = static_cast<std::size_t>(std::max(options_.domains_per_worker, 1));
  dns::Interleaver interleaver(interleaved);
  // Blocks for a key only when none is in flight; otherwise takes what is ready, so the keys in
  // flight keep moving. Shut down and drained: no more.
  interleaver.Run([this](bool may_wait, std::function<void()>& task) {
    std::optional<std::string> key = may_wait ? queue_.Get() : queue_.TryGet();
    if (!key) return !may_wait && !queue_.ShuttingDown();
    task = [this, key = std::move(*key)] {
      ++busy_;
      ProcessOne(key);
      queue_.Done(key);
      --busy_;
    };
    return true;
  });
  std::lock_guard lock(workers_mutex_);
  --running_workers_;
  workers_exited_.notify_all();
}

void MailDomainController::ProcessOne(const std::string& key) {
  std::optional<json> object;
  for (const auto& informer : informers_) {
    if ((object = informer->Get(key))) break;
  }
  const auto started = clock_.Now();
  ReconcileOutcome outcome = reconciler_.Reconcile(key, object ? &*object : nullptr);
  const double seconds = std::chrono::duration<double>(clock_.Now() - started).count();
  std::string result = "skipped";
  if (outcome.error) {
    result = "error";
    spdlog::warn("reconcile {}: status write failed: {}; retrying with backoff", key,
                 outcome.error->ToString());
    queue_.AddRateLimited(key);
  } else {
    queue_.Forget(key);
    if (outcome.requeue_after) queue_.AddAfter(key, *outcome.requeue_after);
    if (outcome.status_written)
      result = "written";
    else if (outcome.checked)
      result = "checked";
  }
  if (outcome.checked || outcome.status_written) {
    spdlog::info("reconciled {}: {} in {:.3f}s", key, result, seconds);
  }
  if (metrics_ != nullptr) {
    metrics_->Add("maildomain_reconcile_total", {{"result", result}});
    metrics_->Observe("maildomain_reconcile_duration_seconds", {}, seconds);
    metrics_->Set("maildomain_workqueue_depth", {}, static_cast<double>(QueueDepth()));
  }
}

bool MailDomainController::Stop(std::chrono::milliseconds grace) {
  queue_.ShutDown();  // workers finish the items in hand (and what is queued), then leave
  bool finished = true;
  {
    std::unique_lock lock(workers_mutex_);
    finished = workers_exited_.wait_for(lock, grace, [this] { return running_workers_ == 0; });
  }
  for (auto& worker : workers_) {
    if (finished) {
      worker.join();
    } else {
      // A check stuck past the grace period is abandoned: the process is about to exit.
      worker.detach();
    }
  }
  if (!finished) {
    spdlog::warn("shutdown: {} reconcile(s) still running after {} ms; abandoning them",
                 busy_.load(), grace.count());
  }
  workers_.clear();
  for (auto& informer : informers_) informer->Stop();
  return finished;
}

}  // namespace mdo::controller
