#include "kube/informer.h"

#include <spdlog/spdlog.h>

namespace mdo::kube {

Informer::Informer(ApiClient& api, ResourceType type, InformerOptions options, Clock& clock)
    : api_(api), type_(std::move(type)), options_(std::move(options)), clock_(clock) {}

Informer::~Informer() { Stop(); }

void Informer::AddHandlers(InformerHandlers handlers) {
  std::lock_guard lock(handler_mutex_);
  handlers_.push_back(std::move(handlers));
}

void Informer::Start() {
  assert(!thread_.joinable());
  thread_ = std::thread([this] { Run(); });
  if (options_.resync_period > Clock::Duration::zero()) {
    resync_thread_ = std::thread([this] { ResyncLoop(); });
  }
}

void Informer::Stop() {
  std::shared_ptr<WatchStream> stream;
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
    stream = stream_;
  }
  cv_.notify_all();
  if (stream) stream->Cancel();
  if (thread_.joinable()) thread_.join();
  if (resync_thread_.joinable()) resync_thread_.join();
}

bool Informer::HasSynced() const {
  std::lock_guard lock(mutex_);
  return synced_;
}

bool Informer::WaitForSync(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  // The condition variable is notified on sync; the predicate makes spurious wakeups harmless.
  return cv_.wait_for(lock, timeout, [&] { return synced_ || stop_; }) && synced_;
}

std::optional<Json> Informer::Get(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = cache_.find(key);
  if (it == cache_.end()) return std::nullopt;
  return it->second;
}

std::vector<Json> Informer::List() const {
  std::lock_guard lock(mutex_);
  std::vector<Json> out;
  out.reserve(cache_.size());
  for (const auto& [k, v] : cache_) out.push_back(v);
  return out;
}

size_t Informer::Size() const {
  std::lock_guard lock(mutex_);
  return cache_.size();
}

std::string Informer::LastResourceVersion() const {
  std::lock_guard lock(mutex_);
  return resource_version_;
}

bool Informer::Sleep(Clock::Duration d) {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, d, [&] { return stop_; });
}

void Informer::Notify(const std::function<void()>& call) {
  std::lock_guard lock(handler_mutex_);
  call();
}

bool Informer::ListAndReplace(const std::string& resource_version) {
  ListOptions o;
  o.label_selector = options_.label_selector;
  o.field_selector = options_.field_selector;
  o.resource_version = resource_version;
  ++lists_;
  auto list = api_.ListAll(type_, options_.namespace_name, o, options_.page_size);
  if (!list) {
    spdlog::warn("kube: listing {} failed: {}", type_.resource, list.error().ToString());
    return false;
  }
  std::map<std::string, Json> fresh;
  if (auto it = list->find("items"); it != list->end() && it->is_array()) {
    for (auto& item : *it) {
      // List items carry no kind; fill it in so handlers see whole objects.
      if (item.is_object()) {
        if (!item.contains("kind")) item["kind"] = type_.kind;
        if (!item.contains("apiVersion")) item["apiVersion"] = type_.ApiVersion();
      }
      std::string key = ObjectKey(item);
      if (!key.empty()) fresh[key] = std::move(item);
    }
  }
  std::vector<Json> added, deleted;
  std::vector<std::pair<Json, Json>> updated;
  {
    std::lock_guard lock(mutex_);
    for (auto& [key, obj] : fresh) {
      auto old = cache_.find(key);
      if (old == cache_.end()) {
        added.push_back(obj);
      } else if (MetaString(old->second, "resourceVersion") != MetaString(obj, "resourceVersion")) {
        updated.emplace_back(old->second, obj);
      }
    }
    for (auto& [key, obj] : cache_) {
      if (!fresh.count(key)) deleted.push_back(obj);
    }
    cache_ = std::move(fresh);
    resource_version_ = MetaString(*list, "resourceVersion");
  }
  Notify([&] {
    for (auto& h : handlers_) {
      for (auto& o : added)
        if (h.on_add) h.on_add(o);
      for (auto& [o, n] : updated)
        if (h.on_update) h.on_update(o, n);
      for (auto& o : deleted)
        if (h.on_delete) h.on_delete(o);
    }
  });
  {
    std::lock_guard lock(mutex_);
    synced_ = true;
  }
  cv_.notify_all();
  return true;
}

void Informer::Apply(const WatchEvent& event) {
  const Json& obj = event.object;
  std::string rv = MetaString(obj, "resourceVersion");
  if (event.type == WatchEvent::Type::kBookmark) {
    std::lock_guard lock(mutex_);
    if (!rv.empty()) resource_version_ = rv;
    return;
  }
  std::string key = ObjectKey(obj);
  if (key.empty()) return;
  std::optional<Json> old;
  bool deliver = true;
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) old = it->second;
    if (event.type == WatchEvent::Type::kDeleted) {
      deliver = it != cache_.end();
      if (deliver) cache_.erase(it);
    } else {
      // The same version again (a replay after a reconnect) changes nothing.
      deliver = !old || MetaString(*old, "resourceVersion") != rv;
      cache_[key] = obj;
    }
    if (!rv.empty()) resource_version_ = rv;
  }
  if (!deliver) return;
  Notify([&] {
    for (auto& h : handlers_) {
      if (event.type == WatchEvent::Type::kDeleted) {
        if (h.on_delete) h.on_delete(*old);
      } else if (old) {
        if (h.on_update) h.on_update(*old, obj);
      } else if (h.on_add) {
        h.on_add(obj);
      }
    }
  });
}

bool Informer::WatchOnce(bool& failed) {
  failed = false;
  ListOptions o;
  o.label_selector = options_.label_selector;
  o.field_selector = options_.field_selector;
  o.allow_watch_bookmarks = true;
  {
    std::lock_guard lock(mutex_);
    o.resource_version = resource_version_;
    auto min = options_.min_watch_timeout.count();
    o.timeout_seconds =
        static_cast<int>(std::uniform_int_distribution<int64_t>(min, 2 * min - 1)(rng_));
  }
  ++watches_;
  auto opened = api_.Watch(type_, options_.namespace_name, o);
  if (!opened) {
    if (opened.error().IsGone()) return false;
    spdlog::warn("kube: watching {} failed: {}", type_.resource, opened.error().ToString());
    failed = true;
    return true;
  }
  std::shared_ptr<WatchStream> stream(std::move(*opened));
  {
    std::lock_guard lock(mutex_);
    if (stop_) return true;
    stream_ = stream;
  }
  bool relist = false;
  auto opened_at = clock_.Now();
  int events = 0;
  for (;;) {
    auto next = stream->Next();
    if (!next) {
      if (!HasStopped()) {
        spdlog::info("kube: watch of {} ended: {}", type_.resource, next.error().ToString());
        failed = true;
      }
      break;
    }
    if (!next->has_value()) {
      // The server closed the watch: re-watch from the last RV. A watch that ends at once with
      // nothing in it is treated as a failure (client-go's "very short watch"), so a broken
      // server is not hammered.
      if (events == 0 && clock_.Now() - opened_at < std::chrono::seconds(1)) failed = true;
      break;
    }
    ++events;
    const WatchEvent& event = **next;
    if (event.type == WatchEvent::Type::kError) {
      ApiError e = ErrorFromStatus(event.object);
      if (e.IsGone()) {
        spdlog::info("kube: watch of {} expired ({}); relisting", type_.resource, e.message);
        relist = true;
      } else {
        spdlog::warn("kube: watch of {} failed: {}", type_.resource, e.ToString());
        failed = true;
      }
      break;
    }
    Apply(event);
  }
  {
    std::lock_guard lock(mutex_);
    stream_.reset();
  }
  return !relist;
}

bool Informer::HasStopped() const {
  std::lock_guard lock(mutex_);
  return stop_;
}

void Informer::Run() {
  Backoff backoff(options_.backoff, clock_);
  bool need_list = true;
  std::string list_rv = "0";  // first list may come from the watch cache, as client-go
  while (!HasStopped()) {
    if (need_list) {
      if (!ListAndReplace(list_rv)) {
        if (Sleep(backoff.Next())) return;
        continue;
      }
      need_list = false;
    }
    bool failed = false;
    if (!WatchOnce(failed)) {
      need_list = true;
      list_rv = "";                       // after 410: a consistent read
      if (Sleep(backoff.Next())) return;  // as client-go, a pause before relisting
      continue;
    }
    if (failed && Sleep(backoff.Next())) return;
  }
}

void Informer::ResyncLoop() {
  while (!Sleep(options_.resync_period)) {
    if (!HasSynced()) continue;
    std::vector<Json> snapshot = List();
    Notify([&] {
      for (auto& h : handlers_) {
        if (!h.on_update) continue;
        for (auto& o : snapshot) h.on_update(o, o);
      }
    });
  }
}

}  // namespace mdo::kube
