#include "kube/informer.h"

#include <spdlog/spdlog.h>
#include <zlib.h>

#include <cassert>
#include <cstring>

namespace mdo::kube {

namespace {

constexpr std::size_t kMaxDictionary = 32768;  // deflate's window: only the last 32 KB count

}  // namespace

Informer::Packed Informer::Pack(const Json& object) {
  std::string text = object.dump(-1, ' ', false, Json::error_handler_t::replace);
  // The dictionary is the largest object seen so far (the first one, until objects grow: a
  // MailDomain gains its status after creation). Entries keep the one they were packed with.
  if (!dictionary_ || text.size() > dictionary_->size() + dictionary_->size() / 2) {
    dictionary_ = std::make_shared<const std::string>(
        text.size() > kMaxDictionary ? text.substr(text.size() - kMaxDictionary) : text);
  }
  Packed out{std::string(), dictionary_};
  z_stream zs{};
  int rc = deflateInit(&zs, Z_DEFAULT_COMPRESSION);
  assert(rc == Z_OK);
  rc = deflateSetDictionary(&zs, reinterpret_cast<const Bytef*>(dictionary_->data()),
                            static_cast<uInt>(dictionary_->size()));
  assert(rc == Z_OK);
  const auto n = static_cast<std::uint32_t>(text.size());
  out.bytes.resize(4 + deflateBound(&zs, n));
  for (int i = 0; i < 4; ++i) out.bytes[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  zs.next_in = reinterpret_cast<Bytef*>(text.data());
  zs.avail_in = n;
  zs.next_out = reinterpret_cast<Bytef*>(out.bytes.data() + 4);
  zs.avail_out = static_cast<uInt>(out.bytes.size() - 4);
  rc = deflate(&zs, Z_FINISH);
  assert(rc == Z_STREAM_END);
  out.bytes.resize(4 + zs.total_out);
  deflateEnd(&zs);
  (void)rc;
  out.bytes.shrink_to_fit();
  return out;
}

Json Informer::Unpack(const Packed& packed) {
  const std::string& bytes = packed.bytes;
  assert(bytes.size() >= 4 && packed.dictionary);
  std::uint32_t n = 0;
  for (int i = 0; i < 4; ++i) {
    n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  }
  std::string text(n, '\0');
  z_stream zs{};
  int rc = inflateInit(&zs);
  assert(rc == Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data() + 4));
  zs.avail_in = static_cast<uInt>(bytes.size() - 4);
  zs.next_out = reinterpret_cast<Bytef*>(text.data());
  zs.avail_out = n;
  rc = inflate(&zs, Z_FINISH);
  if (rc == Z_NEED_DICT) {
    rc = inflateSetDictionary(&zs, reinterpret_cast<const Bytef*>(packed.dictionary->data()),
                              static_cast<uInt>(packed.dictionary->size()));
    assert(rc == Z_OK);
    rc = inflate(&zs, Z_FINISH);
  }
  const bool ok = rc == Z_STREAM_END && zs.total_out == n;
  inflateEnd(&zs);
  assert(ok);
  if (!ok) return Json();
  // Our own output: it parses unless memory is corrupt.
  return Json::parse(text, nullptr, /*allow_exceptions=*/false);
}

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
  Packed packed;
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(key);
    if (it == cache_.end()) return std::nullopt;
    packed = it->second.packed;
  }
  return Unpack(packed);
}

std::vector<Json> Informer::List() const {
  std::vector<Json> out;
  for (const std::string& key : Keys()) {
    if (auto object = Get(key)) out.push_back(std::move(*object));
  }
  return out;
}

std::vector<std::string> Informer::Keys() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  out.reserve(cache_.size());
  for (const auto& [k, v] : cache_) out.push_back(k);
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
  o.limit = options_.page_size;
  ++lists_;
  // Page by page (as ApiClient::ListAll, without holding the whole list as one document).
  std::map<std::string, Entry> fresh;
  std::string list_rv;
  for (;;) {
    auto page = api_.List(type_, options_.namespace_name, o);
    if (!page) {
      spdlog::warn("kube: listing {} failed: {}", type_.resource, page.error().ToString());
      return false;
    }
    if (auto it = page->find("items"); it != page->end() && it->is_array()) {
      for (auto& item : *it) {
        // List items carry no kind; fill it in so handlers see whole objects.
        if (item.is_object()) {
          if (!item.contains("kind")) item["kind"] = type_.kind;
          if (!item.contains("apiVersion")) item["apiVersion"] = type_.ApiVersion();
          if (options_.transform) options_.transform(item);
        }
        std::string key = ObjectKey(item);
        if (!key.empty()) fresh[key] = Entry{MetaString(item, "resourceVersion"), Pack(item)};
      }
    }
    list_rv = MetaString(*page, "resourceVersion");
    std::string next = MetaString(*page, "continue");
    if (next.empty()) break;
    o.continue_token = next;
    // A continued list is served at the first page's snapshot; the RV must not be re-sent.
    o.resource_version.clear();
    o.resource_version_match.clear();
  }
  // What changed, as packed copies: decoded one at a time while delivering.
  std::vector<std::string> added;
  std::vector<std::pair<std::string, Packed>> updated;  // key, old copy
  std::vector<Packed> deleted;                          // old copies
  {
    std::lock_guard lock(mutex_);
    for (auto& [key, entry] : fresh) {
      auto old = cache_.find(key);
      if (old == cache_.end()) {
        added.push_back(key);
      } else if (old->second.resource_version != entry.resource_version) {
        updated.emplace_back(key, old->second.packed);
      }
    }
    for (auto& [key, entry] : cache_) {
      if (!fresh.count(key)) deleted.push_back(entry.packed);
    }
    cache_ = std::move(fresh);
    resource_version_ = list_rv;
  }
  // `fresh` was moved into the cache: the new copies are read back from it (only this thread
  // writes the cache, so they are the ones just listed).
  Notify([&] {
    for (auto& h : handlers_) {
      for (const std::string& key : added) {
        if (!h.on_add) continue;
        if (auto o = Get(key)) h.on_add(*o);
      }
      for (auto& [key, old] : updated) {
        if (!h.on_update) continue;
        if (auto n = Get(key)) h.on_update(Unpack(old), *n);
      }
      for (const Packed& old : deleted) {
        if (h.on_delete) h.on_delete(Unpack(old));
      }
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
  std::string rv = MetaString(event.object, "resourceVersion");
  if (event.type == WatchEvent::Type::kBookmark) {
    std::lock_guard lock(mutex_);
    if (!rv.empty()) resource_version_ = rv;
    return;
  }
  Json obj = event.object;
  if (options_.transform && obj.is_object()) options_.transform(obj);
  std::string key = ObjectKey(obj);
  if (key.empty()) return;
  const bool deleted = event.type == WatchEvent::Type::kDeleted;
  Packed packed = deleted ? Packed() : Pack(obj);
  std::optional<Packed> old;
  bool deliver = true;
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(key);
    if (deleted) {
      deliver = it != cache_.end();
      if (deliver) {
        old = std::move(it->second.packed);
        cache_.erase(it);
      }
    } else if (it == cache_.end()) {
      cache_.emplace(key, Entry{rv, std::move(packed)});
    } else {
      // The same version again (a replay after a reconnect) changes nothing.
      deliver = it->second.resource_version != rv;
      old = std::exchange(it->second.packed, std::move(packed));
      it->second.resource_version = rv;
    }
    if (!rv.empty()) resource_version_ = rv;
  }
  if (!deliver) return;
  Notify([&] {
    std::optional<Json> old_object;
    for (auto& h : handlers_) {
      if (deleted) {
        if (!h.on_delete) continue;
        if (!old_object) old_object = Unpack(*old);
        h.on_delete(*old_object);
      } else if (old) {
        if (!h.on_update) continue;
        if (!old_object) old_object = Unpack(*old);
        h.on_update(*old_object, obj);
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
    // One object decoded at a time: a resync must not hold the whole cache decoded.
    for (const std::string& key : Keys()) {
      if (HasStopped()) return;
      std::optional<Json> object = Get(key);
      if (!object) continue;
      Notify([&] {
        for (auto& h : handlers_) {
          if (h.on_update) h.on_update(*object, *object);
        }
      });
    }
  }
}

}  // namespace mdo::kube
