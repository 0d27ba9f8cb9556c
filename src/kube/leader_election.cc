#include "kube/leader_election.h"

#include <spdlog/spdlog.h>

namespace mdo::kube {
namespace {

int IntField(const Json& obj, const char* key) {
  if (!obj.is_object()) return 0;
  auto it = obj.find(key);
  return it != obj.end() && it->is_number_integer() ? it->get<int>() : 0;
}

int WholeSeconds(Clock::Duration d) {
  return static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

}  // namespace

LeaseObject LeaseFromJson(const Json& lease) {
  LeaseObject out;
  out.raw = lease;
  out.resource_version = MetaString(lease, "resourceVersion");
  Json spec = lease.is_object() && lease.contains("spec") ? lease["spec"] : Json::object();
  out.record.holder_identity = JsonString(spec, "holderIdentity");
  out.record.lease_duration_seconds = IntField(spec, "leaseDurationSeconds");
  out.record.acquire_time = JsonString(spec, "acquireTime");
  out.record.renew_time = JsonString(spec, "renewTime");
  out.record.lease_transitions = IntField(spec, "leaseTransitions");
  return out;
}

Json LeaseSpecJson(const LeaderElectionRecord& r) {
  Json spec = Json::object();
  spec["holderIdentity"] = r.holder_identity;
  spec["leaseDurationSeconds"] = r.lease_duration_seconds;
  if (!r.acquire_time.empty()) spec["acquireTime"] = r.acquire_time;
  if (!r.renew_time.empty()) spec["renewTime"] = r.renew_time;
  spec["leaseTransitions"] = r.lease_transitions;
  return spec;
}

ApiLeaseClient::ApiLeaseClient(ApiClient& api, std::string ns, std::string name)
    : api_(api), ns_(std::move(ns)), name_(std::move(name)) {}

ApiResult<LeaseObject> ApiLeaseClient::Get() {
  auto got = api_.Get(resources::kLeases, ns_, name_);
  if (!got) return ApiFail(got.error());
  return LeaseFromJson(*got);
}

ApiResult<LeaseObject> ApiLeaseClient::Create(const LeaderElectionRecord& record) {
  Json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                {"kind", "Lease"},
                {"metadata", {{"name", name_}, {"namespace", ns_}}},
                {"spec", LeaseSpecJson(record)}};
  auto created = api_.Create(resources::kLeases, ns_, lease);
  if (!created) return ApiFail(created.error());
  return LeaseFromJson(*created);
}

ApiResult<LeaseObject> ApiLeaseClient::Update(const LeaseObject& current,
                                              const LeaderElectionRecord& record) {
  Json lease = current.raw.is_object() ? current.raw : Json::object();
  lease["apiVersion"] = "coordination.k8s.io/v1";
  lease["kind"] = "Lease";
  lease["metadata"]["name"] = name_;
  lease["metadata"]["namespace"] = ns_;
  lease["metadata"]["resourceVersion"] = current.resource_version;
  Json spec = lease.contains("spec") && lease["spec"].is_object() ? lease["spec"] : Json::object();
  spec.update(LeaseSpecJson(record));
  lease["spec"] = std::move(spec);
  auto updated = api_.Update(resources::kLeases, ns_, lease);
  if (!updated) return ApiFail(updated.error());
  return LeaseFromJson(*updated);
}

Status ValidateLeaderElectionConfig(const LeaderElectionConfig& c) {
  if (c.identity.empty()) return Fail("leader election: the identity must not be empty");
  if (c.retry_period <= Clock::Duration::zero()) {
    return Fail("leader election: the retry period must be positive");
  }
  if (c.lease_duration <= c.renew_deadline) {
    return Fail("leader election: the lease duration must be greater than the renew deadline");
  }
  if (c.renew_deadline <= std::chrono::duration_cast<Clock::Duration>(c.retry_period * 1.2)) {
    return Fail("leader election: the renew deadline must exceed 1.2 times the retry period");
  }
  return {};
}

LeaderElector::LeaderElector(LeaderElectionConfig config, LeaseClient& lease, Clock& clock)
    : config_(std::move(config)), lease_(lease), clock_(clock) {
  assert(ValidateLeaderElectionConfig(config_).ok());
}

LeaderElector::~LeaderElector() { Stop(); }

bool LeaderElector::IsLeader() const {
  std::lock_guard lock(mutex_);
  return leader_;
}

std::string LeaderElector::ObservedHolder() const {
  std::lock_guard lock(mutex_);
  return observed_ ? observed_->record.holder_identity : std::string();
}

void LeaderElector::SetObserved(const LeaderElectionRecord& record, const std::string& rv,
                                const Json& raw) {
  std::string previous_holder;
  {
    std::lock_guard lock(mutex_);
    if (observed_) previous_holder = observed_->record.holder_identity;
    if (!observed_ || observed_->record != record) observed_time_ = clock_.Now();
    observed_ = LeaseObject{record, rv, raw};
  }
  if (record.holder_identity != previous_holder && !record.holder_identity.empty() &&
      config_.on_new_leader) {
    config_.on_new_leader(record.holder_identity);
  }
}

bool LeaderElector::TryAcquireOrRenew() {
  std::string now = FormatMicroTime(clock_.WallNow());
  LeaderElectionRecord desired;
  desired.holder_identity = config_.identity;
  desired.lease_duration_seconds = WholeSeconds(config_.lease_duration);
  desired.renew_time = now;
  desired.acquire_time = now;

  std::optional<LeaseObject> observed;
  Clock::TimePoint observed_time;
  {
    std::lock_guard lock(mutex_);
    observed = observed_;
    observed_time = observed_time_;
  }
  // Fast path: still the leader by our own observation, renew without reading first.
  if (observed && observed->record.holder_identity == config_.identity &&
      clock_.Now() <
          observed_time + std::chrono::seconds(observed->record.lease_duration_seconds)) {
    desired.acquire_time = observed->record.acquire_time;
    desired.lease_transitions = observed->record.lease_transitions;
    auto updated = lease_.Update(*observed, desired);
    if (updated) {
      SetObserved(updated->record, updated->resource_version, updated->raw);
      return true;
    }
    spdlog::debug("kube: renewing lease {} failed: {}", lease_.Describe(),
                  updated.error().ToString());
  }

  auto current = lease_.Get();
  if (!current) {
    if (!current.error().IsNotFound()) {
      spdlog::warn("kube: reading lease {} failed: {}", lease_.Describe(),
                   current.error().ToString());
      return false;
    }
    auto created = lease_.Create(desired);
    if (!created) {
      spdlog::debug("kube: creating lease {} failed: {}", lease_.Describe(),
                    created.error().ToString());
      return false;
    }
    SetObserved(created->record, created->resource_version, created->raw);
    return true;
  }
  SetObserved(current->record, current->resource_version, current->raw);
  {
    std::lock_guard lock(mutex_);
    observed_time = observed_time_;
  }
  const LeaderElectionRecord& old = current->record;
  bool held_by_other = !old.holder_identity.empty() && old.holder_identity != config_.identity;
  if (held_by_other &&
      clock_.Now() < observed_time + std::chrono::seconds(old.lease_duration_seconds)) {
    return false;  // someone else holds an unexpired lease
  }
  if (old.holder_identity == config_.identity) {
    desired.acquire_time = old.acquire_time;
    desired.lease_transitions = old.lease_transitions;
  } else {
    desired.lease_transitions = old.lease_transitions + 1;
  }
  auto updated = lease_.Update(*current, desired);
  if (!updated) {
    spdlog::debug("kube: taking lease {} failed: {}", lease_.Describe(),
                  updated.error().ToString());
    return false;
  }
  SetObserved(updated->record, updated->resource_version, updated->raw);
  return true;
}

bool LeaderElector::Release() {
  std::optional<LeaseObject> observed;
  {
    std::lock_guard lock(mutex_);
    observed = observed_;
  }
  if (!observed || observed->record.holder_identity != config_.identity) return false;
  LeaderElectionRecord released;
  released.lease_duration_seconds = 1;
  released.renew_time = released.acquire_time = FormatMicroTime(clock_.WallNow());
  released.lease_transitions = observed->record.lease_transitions;
  auto updated = lease_.Update(*observed, released);
  if (!updated) {
    spdlog::warn("kube: releasing lease {} failed: {}", lease_.Describe(),
                 updated.error().ToString());
    return false;
  }
  SetObserved(updated->record, updated->resource_version, updated->raw);
  spdlog::info("kube: released lease {}", lease_.Describe());
  return true;
}

bool LeaderElector::WaitOrStop(Clock::Duration d) {
  std::unique_lock lock(mutex_);
  return stop_cv_.wait_for(lock, d, [&] { return stop_; });
}

void LeaderElector::Run() {
  // Acquire: retry every retry period with client-go's 1.2 jitter factor.
  for (;;) {
    if (TryAcquireOrRenew()) break;
    double jitter;
    {
      std::lock_guard lock(mutex_);
      jitter = std::uniform_real_distribution<double>(0.0, 1.2)(rng_);
    }
    if (WaitOrStop(config_.retry_period +
                   std::chrono::duration_cast<Clock::Duration>(config_.retry_period * jitter))) {
      return;
    }
  }
  {
    std::lock_guard lock(mutex_);
    leader_ = true;
  }
  spdlog::info("kube: {} became leader on lease {}", config_.identity, lease_.Describe());
  if (config_.on_started_leading) config_.on_started_leading();

  // Renew: keep trying every retry period; give up when the renew deadline passes without one.
  auto last_renew = clock_.Now();
  bool stopped = false;
  for (;;) {
    if (WaitOrStop(config_.retry_period)) {
      stopped = true;
      break;
    }
    if (TryAcquireOrRenew()) {
      last_renew = clock_.Now();
    } else if (clock_.Now() - last_renew >= config_.renew_deadline) {
      spdlog::warn("kube: {} lost lease {}: not renewed within the renew deadline",
                   config_.identity, lease_.Describe());
      break;
    }
  }
  bool release;
  {
    std::lock_guard lock(mutex_);
    release = stopped && release_on_stop_ && config_.release_on_cancel;
  }
  if (release) Release();
  {
    std::lock_guard lock(mutex_);
    leader_ = false;
  }
  if (config_.on_stopped_leading) config_.on_stopped_leading();
}

void LeaderElector::Start() {
  assert(!thread_.joinable());
  thread_ = std::thread([this] { Run(); });
}

void LeaderElector::Stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void LeaderElector::Abandon() {
  {
    std::lock_guard lock(mutex_);
    release_on_stop_ = false;
  }
  Stop();
}

}  // namespace mdo::kube
