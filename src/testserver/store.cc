#include "testserver/store.h"

#include <algorithm>

namespace mdo::testserver {

using nlohmann::json;

void WatchChannel::Push(ChangePtr change) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  if (queue_.size() >= kMaxQueued) {
    closed_ = true;
  } else {
    queue_.push_back(std::move(change));
  }
  cv_.notify_all();
}

void WatchChannel::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

void WatchChannel::RequestBookmark() {
  std::lock_guard<std::mutex> lock(mu_);
  bookmark_ = true;
  cv_.notify_all();
}

WatchChannel::Wake WatchChannel::Wait(std::chrono::steady_clock::time_point deadline,
                                      ChangePtr* change) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_until(lock, deadline, [&] { return closed_ || bookmark_ || !queue_.empty(); });
  if (!queue_.empty()) {
    *change = std::move(queue_.front());
    queue_.pop_front();
    return Wake::kChange;
  }
  if (closed_) return Wake::kClosed;
  if (bookmark_) {
    bookmark_ = false;
    return Wake::kBookmark;
  }
  return Wake::kTimeout;
}

namespace {

std::pair<std::string, std::string> ObjectId(const json& object) {
  const json& meta = object["metadata"];
  return {meta.value("namespace", ""), meta.value("name", "")};
}

}  // namespace

const json* Store::Get(const std::string& key, const std::string& ns,
                       const std::string& name) const {
  auto bucket = objects_.find(key);
  if (bucket == objects_.end()) return nullptr;
  auto it = bucket->second.find({ns, name});
  return it == bucket->second.end() ? nullptr : &it->second;
}

std::vector<const json*> Store::List(const std::string& key, const std::string& ns) const {
  std::vector<const json*> out;
  auto bucket = objects_.find(key);
  if (bucket == objects_.end()) return out;
  for (const auto& [id, object] : bucket->second) {
    if (ns.empty() || id.first == ns) out.push_back(&object);
  }
  return out;
}

std::vector<std::string> Store::KeysWithObjectsIn(const std::string& ns) const {
  std::vector<std::string> out;
  for (const auto& [key, bucket] : objects_) {
    for (const auto& [id, object] : bucket) {
      if (id.first == ns) {
        out.push_back(key);
        break;
      }
    }
  }
  return out;
}

json Store::Put(const std::string& key, json object) {
  auto id = ObjectId(object);
  auto change = std::make_shared<Change>();
  auto& bucket = objects_[key];
  auto existing = bucket.find(id);
  change->type = existing == bucket.end() ? "ADDED" : "MODIFIED";
  if (existing != bucket.end()) change->old_object = existing->second;
  change->resource_version = ++rv_;
  object["metadata"]["resourceVersion"] = std::to_string(rv_);
  bucket[id] = object;
  change->storage_key = key;
  change->object = object;
  Record(std::move(change));
  return object;
}

json Store::Remove(const std::string& key, const std::string& ns, const std::string& name) {
  auto bucket = objects_.find(key);
  if (bucket == objects_.end()) return nullptr;
  auto it = bucket->second.find({ns, name});
  if (it == bucket->second.end()) return nullptr;
  auto change = std::make_shared<Change>();
  change->type = "DELETED";
  change->old_object = it->second;
  change->resource_version = ++rv_;
  json last = std::move(it->second);
  bucket->second.erase(it);
  last["metadata"]["resourceVersion"] = std::to_string(rv_);
  change->storage_key = key;
  change->object = last;
  Record(std::move(change));
  return last;
}

void Store::Record(ChangePtr change) {
  history_.push_back(change);
  while (history_.size() > history_limit_) {
    compacted_rv_ = history_.front()->resource_version;
    history_.pop_front();
  }
  for (const auto& channel : channels_) {
    if (channel->storage_key() == change->storage_key) channel->Push(change);
  }
}

std::vector<ChangePtr> Store::ChangesSince(const std::string& key, int64_t rv) const {
  std::vector<ChangePtr> out;
  auto first =
      std::upper_bound(history_.begin(), history_.end(), rv,
                       [](int64_t v, const ChangePtr& c) { return v < c->resource_version; });
  for (auto it = first; it != history_.end(); ++it) {
    if ((*it)->storage_key == key) out.push_back(*it);
  }
  return out;
}

void Store::Subscribe(const std::shared_ptr<WatchChannel>& channel) {
  channels_.push_back(channel);
}

void Store::Unsubscribe(const WatchChannel* channel) {
  channels_.erase(std::remove_if(channels_.begin(), channels_.end(),
                                 [&](const auto& c) { return c.get() == channel; }),
                  channels_.end());
}

int Store::CloseAllWatches() {
  int n = static_cast<int>(channels_.size());
  for (const auto& channel : channels_) channel->Close();
  channels_.clear();
  return n;
}

void Store::CloseWatches(const std::string& key) {
  for (const auto& channel : channels_) {
    if (channel->storage_key() == key) channel->Close();
  }
  channels_.erase(std::remove_if(channels_.begin(), channels_.end(),
                                 [&](const auto& c) { return c->storage_key() == key; }),
                  channels_.end());
}

int Store::BookmarkAllWatches() {
  for (const auto& channel : channels_) channel->RequestBookmark();
  return static_cast<int>(channels_.size());
}

void Store::Clear() {
  objects_.clear();
  Compact();
}

}  // namespace mdo::testserver
