// An informer after client-go's reflector and shared informer: list (paginated), then watch from
// the list's resourceVersion with bookmarks and a random 5-10 minute timeoutSeconds; a watch
// that ends or breaks resumes from the last resourceVersion seen (so nothing is missed or
// repeated); a 410 Gone relists; failures back off 0.8 s to 30 s. It keeps a local cache keyed
// "namespace/name", calls add/update/delete handlers (serialised, one at a time), re-delivers
// the cache as updates every resync period, and reports has-synced after the first list.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "kube/api_client.h"
#include "kube/clock.h"
#include "kube/rate_limiter.h"

namespace mdo::kube {

struct InformerOptions {
  std::string namespace_name;  // "" = all namespaces
  std::string label_selector;
  std::string field_selector;
  Clock::Duration resync_period = Clock::Duration::zero();           // zero = never
  std::chrono::seconds min_watch_timeout = std::chrono::minutes(5);  // actual: [min, 2 min)
  int64_t page_size = 500;
  Backoff::Options backoff;  // 0.8 s .. 30 s
};

struct InformerHandlers {
  std::function<void(const Json& object)> on_add;
  std::function<void(const Json& old_object, const Json& new_object)> on_update;
  std::function<void(const Json& object)> on_delete;
};

class Informer {
 public:
  Informer(ApiClient& api, ResourceType type, InformerOptions options = {},
           Clock& clock = SystemClock::Instance());
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Before Start().
  void AddHandlers(InformerHandlers handlers);
  void Start();
  void Stop();

  bool HasSynced() const;
  // Polls HasSynced until it holds or `timeout` passes.
  bool WaitForSync(std::chrono::milliseconds timeout) const;

  std::optional<Json> Get(const std::string& key) const;
  std::vector<Json> List() const;
  size_t Size() const;
  std::string LastResourceVersion() const;

  // Counters, for tests and metrics.
  uint64_t lists() const { return lists_; }
  uint64_t watches() const { return watches_; }

 private:
  void Run();
  void ResyncLoop();
  bool ListAndReplace(const std::string& resource_version);
  // Returns false when the caller must relist (410), true to re-watch; sets `failed` on errors.
  bool WatchOnce(bool& failed);
  void Apply(const WatchEvent& event);
  bool Sleep(Clock::Duration d);  // true when stopped
  bool HasStopped() const;
  void Notify(const std::function<void()>& call);

  ApiClient& api_;
  ResourceType type_;
  InformerOptions options_;
  Clock& clock_;
  std::vector<InformerHandlers> handlers_;
  std::mutex handler_mutex_;  // serialises handler calls
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  std::map<std::string, Json> cache_;
  std::string resource_version_;
  bool synced_ = false;
  bool stop_ = false;
  std::shared_ptr<WatchStream> stream_;
  std::mt19937_64 rng_{std::random_device{}()};
  std::atomic<uint64_t> lists_{0};
  std::atomic<uint64_t> watches_{0};
  std::thread thread_;
  std::thread resync_thread_;
};

}  // namespace mdo::kube
