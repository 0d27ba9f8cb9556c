// The object store: every object by storage key, namespace and name; one global monotonic
// resourceVersion; a bounded history of changes for watch resumption; watch channels.
// Not thread-safe: the ApiServer serialises access. WatchChannel has its own lock so a
// watch's connection thread can wait on it without holding the server.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace mdo::testserver {

struct Change {
  int64_t resource_version = 0;
  std::string type;  // ADDED, MODIFIED, DELETED
  std::string storage_key;
  nlohmann::json object;      // after the change (for DELETED: the last state, new RV)
  nlohmann::json old_object;  // before the change (null for ADDED)
};

using ChangePtr = std::shared_ptr<const Change>;

class WatchChannel {
 public:
  explicit WatchChannel(std::string storage_key) : storage_key_(std::move(storage_key)) {}
  const std::string& storage_key() const { return storage_key_; }

  void Push(ChangePtr change);
  void Close();
  void RequestBookmark();
  bool Empty() {
    std::lock_guard<std::mutex> lock(mu_);
    return queue_.empty();
  }

  enum class Wake { kChange, kBookmark, kTimeout, kClosed };
  // Waits until a change, a bookmark request, close, or the deadline.
  Wake Wait(std::chrono::steady_clock::time_point deadline, ChangePtr* change);

 private:
  static constexpr size_t kMaxQueued = 100000;  // a stuck reader is cut off, not buffered forever
  std::string storage_key_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ChangePtr> queue_;
  bool closed_ = false;
  bool bookmark_ = false;
};

class Store {
 public:
  explicit Store(size_t history_limit) : history_limit_(history_limit) {}

  int64_t current_rv() const { return rv_; }
  int64_t compacted_rv() const { return compacted_rv_; }

  const nlohmann::json* Get(const std::string& key, const std::string& ns,
                            const std::string& name) const;
  // Sorted by namespace then name; ns "" lists every namespace.
  std::vector<const nlohmann::json*> List(const std::string& key, const std::string& ns) const;
  // Every stored key with objects in namespace ns (for namespace deletion).
  std::vector<std::string> KeysWithObjectsIn(const std::string& ns) const;

  // Stores the object under a new resourceVersion (written into metadata.resourceVersion) and
  // records an ADDED or MODIFIED change. Returns the stored object.
  nlohmann::json Put(const std::string& key, nlohmann::json object);
  // Removes the object and records DELETED; returns its last state with the new RV.
  nlohmann::json Remove(const std::string& key, const std::string& ns, const std::string& name);

  // Changes of key with RV > rv, oldest first. Valid only if rv >= compacted_rv().
  std::vector<ChangePtr> ChangesSince(const std::string& key, int64_t rv) const;

  void Subscribe(const std::shared_ptr<WatchChannel>& channel);
  void Unsubscribe(const WatchChannel* channel);
  int CloseAllWatches();
  // Ends the watches of one storage key (its resource went away with its CRD).
  void CloseWatches(const std::string& key);
  int BookmarkAllWatches();
  int open_watches() const { return static_cast<int>(channels_.size()); }

  // Forgets the history: older RVs become 410 Expired.
  void Compact() {
    history_.clear();
    compacted_rv_ = rv_;
  }
  // Empties the store (RVs keep increasing) and compacts.
  void Clear();

 private:
  void Record(ChangePtr change);

  using Objects = std::map<std::pair<std::string, std::string>, nlohmann::json>;
  std::map<std::string, Objects> objects_;
  int64_t rv_ = 0;
  int64_t compacted_rv_ = 0;
  size_t history_limit_;
  std::deque<ChangePtr> history_;
  std::vector<std::shared_ptr<WatchChannel>> channels_;
};

}  // namespace mdo::testserver
