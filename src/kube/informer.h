// An informer after client-go's reflector and shared informer: list (paginated), then watch from
// the list's resourceVersion with bookmarks and a random 5-10 minute timeoutSeconds; a watch
// that ends or breaks resumes from the last resourceVersion seen (so nothing is missed or
// repeated); a 410 Gone relists; failures back off 0.8 s to 30 s. It keeps a local cache keyed
// "namespace/name", calls add/update/delete handlers (serialised, one at a time), re-delivers
// the cache as updates every resync period, and reports has-synced after the first list.
// Memory: each cached object is kept as deflated JSON text (a MailDomain with its status is
// ~23 KB as a JSON tree, ~1 KB packed) and decoded on Get; a list is processed page by page, so
// no whole-list document is held; an optional transform drops what nobody reads (client-go's
// SetTransform).
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
  // Applied to every object (listed or watched) before it is cached and before handlers see it,
  // e.g. to drop metadata.managedFields. Must keep metadata.namespace, name and resourceVersion.
  std::function<void(Json& object)> transform;
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

  // Decodes the cached copy (tens of microseconds).
  std::optional<Json> Get(const std::string& key) const;
  // Decodes every cached object: costly for large caches; prefer Keys() and Get().
  std::vector<Json> List() const;
  std::vector<std::string> Keys() const;
  size_t Size() const;
  std::string LastResourceVersion() const;

  // Counters, for tests and metrics.
  uint64_t lists() const { return lists_; }
  uint64_t watches() const { return watches_; }

 private:
  // An object's JSON text deflated against a dictionary: the text of a similar object (keys,
  // condition messages and layout repeat across objects, so a MailDomain with its status packs
  // to ~300 bytes instead of ~1,100 without one).
  struct Packed {
    std::string bytes;  // the text's length (4 bytes, little-endian), then the deflated text
    std::shared_ptr<const std::string> dictionary;
  };
  // A cached object: its resourceVersion (compared without decoding) and its packed JSON.
  struct Entry {
    std::string resource_version;
    Packed packed;
  };
  // Only the informer's own thread packs (and may replace dictionary_).
  Packed Pack(const Json& object);
  static Json Unpack(const Packed& packed);

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
  std::map<std::string, Entry> cache_;
  std::shared_ptr<const std::string> dictionary_;
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
