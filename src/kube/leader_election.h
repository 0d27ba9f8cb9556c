// Leader election on a coordination.k8s.io/v1 Lease, following client-go's leaderelection:
// - defaults 15 s lease, 10 s renew deadline, 2 s retry period;
// - another holder's lease counts as expired only when this process has not seen the lease
//   record change for leaseDurationSeconds (local monotonic time, so clock skew between
//   replicas does not matter);
// - updates carry the resourceVersion, so two candidates cannot both win (409 for the loser);
// - a leader that cannot renew within the renew deadline stops leading;
// - a graceful stop releases the lease (empty holder, 1 s duration) so another takes over at once.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "kube/api_client.h"
#include "kube/clock.h"

namespace mdo::kube {

// Lease.spec as the elector uses it; times in MicroTime wire form.
struct LeaderElectionRecord {
  std::string holder_identity;
  int lease_duration_seconds = 0;
  std::string acquire_time;
  std::string renew_time;
  int lease_transitions = 0;

  bool operator==(const LeaderElectionRecord&) const = default;
};

struct LeaseObject {
  LeaderElectionRecord record;
  std::string resource_version;
  Json raw;  // the whole object, so an update keeps what the elector does not manage
};

// The seam between the election logic and the API (tests use an in-memory fake).
class LeaseClient {
 public:
  virtual ~LeaseClient() = default;
  virtual ApiResult<LeaseObject> Get() = 0;  // IsNotFound() when there is no lease yet
  virtual ApiResult<LeaseObject> Create(const LeaderElectionRecord& record) = 0;
  // Fails with a conflict when `current` is stale.
  virtual ApiResult<LeaseObject> Update(const LeaseObject& current,
                                        const LeaderElectionRecord& record) = 0;
  virtual std::string Describe() const = 0;  // "namespace/name", for logs
};

class ApiLeaseClient final : public LeaseClient {
 public:
  ApiLeaseClient(ApiClient& api, std::string ns, std::string name);
  ApiResult<LeaseObject> Get() override;
  ApiResult<LeaseObject> Create(const LeaderElectionRecord& record) override;
  ApiResult<LeaseObject> Update(const LeaseObject& current,
                                const LeaderElectionRecord& record) override;
  std::string Describe() const override { return ns_ + "/" + name_; }

 private:
  ApiClient& api_;
  std::string ns_;
  std::string name_;
};

// Lease JSON <-> record.
LeaseObject LeaseFromJson(const Json& lease);
Json LeaseSpecJson(const LeaderElectionRecord& record);

struct LeaderElectionConfig {
  std::string identity;  // unique per process, e.g. the pod name plus a random suffix
  Clock::Duration lease_duration = std::chrono::seconds(15);
  Clock::Duration renew_deadline = std::chrono::seconds(10);
  Clock::Duration retry_period = std::chrono::seconds(2);
  bool release_on_cancel = true;
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
  std::function<void(const std::string&)> on_new_leader;  // holder identity seen changing
};

// Checks client-go's constraints: lease > renew deadline > 1.2 * retry period > 0, identity set.
Status ValidateLeaderElectionConfig(const LeaderElectionConfig& config);

class LeaderElector {
 public:
  LeaderElector(LeaderElectionConfig config, LeaseClient& lease,
                Clock& clock = SystemClock::Instance());
  ~LeaderElector();
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // One attempt to acquire or renew (client-go tryAcquireOrRenew); true when this process holds
  // the lease afterwards.
  bool TryAcquireOrRenew();
  // Gives the lease up if this process holds it.
  bool Release();

  // Blocks: acquires, calls on_started_leading, renews every retry period; returns when Stop()
  // is called or leadership is lost (after on_stopped_leading). Run once per elector.
  void Run();
  // Run() on a thread of the elector's own.
  void Start();
  // Graceful stop: ends Run() and, if leading and release_on_cancel, releases the lease.
  void Stop();
  // Stops without releasing, as a crashed process would (for tests of the expiry path).
  void Abandon();

  bool IsLeader() const;
  std::string ObservedHolder() const;

 private:
  bool WaitOrStop(Clock::Duration d);  // true when stopped
  void SetObserved(const LeaderElectionRecord& record, const std::string& rv, const Json& raw);

  LeaderElectionConfig config_;
  LeaseClient& lease_;
  Clock& clock_;
  mutable std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  bool release_on_stop_ = true;
  bool leader_ = false;
  std::optional<LeaseObject> observed_;
  Clock::TimePoint observed_time_{};
  std::mt19937_64 rng_{std::random_device{}()};
  std::thread thread_;
};

}  // namespace mdo::kube
