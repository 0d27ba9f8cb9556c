// Watch: NDJSON WatchEvents from a resourceVersion, with bookmarks, timeouts, 410 Expired for
// versions older than the history, selector transitions, and Table events for `kubectl get -w`.
#include <deque>

#include "testserver/api_common.h"
#include "testserver/table.h"

namespace mdo::testserver {

using nlohmann::json;
using namespace internal;

class WatchStream : public WatchSession {
 public:
  WatchStream(ApiServer* server, ResourceType type, std::string ns, Selectors selectors, bool table,
              std::string include_object, bool bookmarks,
              std::chrono::steady_clock::time_point deadline, std::shared_ptr<WatchChannel> channel,
              int64_t start_rv)
      : server_(server),
        type_(std::move(type)),
        ns_(std::move(ns)),
        selectors_(std::move(selectors)),
        table_(table),
        include_object_(std::move(include_object)),
        bookmarks_(bookmarks),
        deadline_(deadline),
        channel_(std::move(channel)),
        last_rv_(start_rv) {
    ScheduleBookmark();
  }

  ~WatchStream() override {
    std::lock_guard<std::mutex> lock(server_->mu_);
    server_->store_.Unsubscribe(channel_.get());
  }

  void AddInitial(const json& stored) { pending_.push_back(Event("ADDED", stored)); }
  void AddInitialEndBookmark(int64_t rv) {
    json object = BookmarkObject(rv);
    object["metadata"]["annotations"] = {{"k8s.io/initial-events-end", "true"}};
    pending_.push_back(json{{"type", "BOOKMARK"}, {"object", object}}.dump() + "\n");
  }
  void AddReplay(const ChangePtr& change) {
    std::string line = Render(*change);
    if (!line.empty()) pending_.push_back(std::move(line));
  }

  std::optional<std::string> Next(std::chrono::milliseconds max_wait) override {
    if (!pending_.empty()) {
      std::string line = std::move(pending_.front());
      pending_.pop_front();
      return line;
    }
    if (done_) return std::nullopt;
    auto until = std::min(std::chrono::steady_clock::now() + max_wait, deadline_);
    if (bookmarks_) until = std::min(until, next_bookmark_);
    while (true) {
      ChangePtr change;
      WatchChannel::Wake wake = channel_->Wait(until, &change);
      auto now = std::chrono::steady_clock::now();
      switch (wake) {
        case WatchChannel::Wake::kChange: {
          last_rv_ = change->resource_version;
          std::string line = Render(*change);
          if (!line.empty()) return line;
          continue;
        }
        case WatchChannel::Wake::kClosed:
          done_ = true;
          return std::nullopt;
        case WatchChannel::Wake::kBookmark:
          if (bookmarks_) return Bookmark();
          continue;
        case WatchChannel::Wake::kTimeout:
          if (now >= deadline_) {
            done_ = true;
            return std::nullopt;
          }
          if (bookmarks_ && now >= next_bookmark_) return Bookmark();
          return std::string();
      }
    }
  }

 private:
  void ScheduleBookmark() {
    next_bookmark_ = std::chrono::steady_clock::now() +
                     std::chrono::seconds(server_->options_.bookmark_interval_seconds);
  }

  json BookmarkObject(int64_t rv) const {
    return {{"kind", type_.kind},
            {"apiVersion", type_.ApiVersion()},
            {"metadata", {{"resourceVersion", std::to_string(rv)}}}};
  }

  std::string Bookmark() {
    ScheduleBookmark();
    int64_t rv = last_rv_;
    {
      // The store's current RV is safe once every change up to it is queued or delivered:
      // changes are pushed to the channel under this same lock.
      std::lock_guard<std::mutex> lock(server_->mu_);
      if (channel_->Empty()) rv = std::max(rv, server_->store_.current_rv());
    }
    last_rv_ = rv;
    return json{{"type", "BOOKMARK"}, {"object", BookmarkObject(rv)}}.dump() + "\n";
  }

  bool InScope(const json& stored) const {
    if (stored.is_null()) return false;
    if (!ns_.empty() && stored["metadata"].value("namespace", "") != ns_) return false;
    return selectors_.Matches(stored);
  }

  std::string Event(const std::string& type, const json& stored) {
    json object;
    if (table_) {
      object = RenderTable(type_, {stored}, !columns_sent_, include_object_, std::time(nullptr));
      object["metadata"]["resourceVersion"] = stored["metadata"].value("resourceVersion", "");
      columns_sent_ = true;
    } else if (type_.group == "events.k8s.io") {
      object = CoreEventToEventsV1(stored);
    } else {
      object = stored;
      object["apiVersion"] = type_.ApiVersion();
      object["kind"] = type_.kind;
    }
    return json{{"type", type}, {"object", object}}.dump() + "\n";
  }

  std::string Render(const Change& change) {
    bool now_in = InScope(change.object);
    bool was_in = InScope(change.old_object);
    if (change.type == "ADDED") return now_in ? Event("ADDED", change.object) : "";
    if (change.type == "DELETED") return was_in ? Event("DELETED", change.object) : "";
    if (now_in && was_in) return Event("MODIFIED", change.object);
    if (now_in) return Event("ADDED", change.object);
    if (was_in) return Event("DELETED", change.object);
    return "";
  }

  ApiServer* server_;
  ResourceType type_;
  std::string ns_;
  Selectors selectors_;
  bool table_;
  std::string include_object_;
  bool bookmarks_;
  std::chrono::steady_clock::time_point deadline_;
  std::chrono::steady_clock::time_point next_bookmark_;
  std::shared_ptr<WatchChannel> channel_;
  int64_t last_rv_;
  std::deque<std::string> pending_;
  bool columns_sent_ = false;
  bool done_ = false;
};

ApiResult ApiServer::Watch(const ResourceType& type, const RequestInfo& info, const Query& query,
                           const ApiRequest& request) {
  auto selectors = ParseSelectors(type, query);
  if (!selectors.ok()) return ApiResult{selectors.error(), nullptr, false};
  if (!info.name.empty()) {
    selectors->fields.push_back({"metadata.name", false, info.name});
  }
  auto get = [&](const char* key) {
    auto it = query.find(key);
    return it == query.end() ? std::string() : it->second;
  };
  long timeout_seconds = 1800;
  if (!get("timeoutSeconds").empty()) timeout_seconds = std::atol(get("timeoutSeconds").c_str());
  if (timeout_seconds <= 0 || timeout_seconds > 86400) timeout_seconds = 1800;
  std::string rv_text = get("resourceVersion");
  bool bookmarks = get("allowWatchBookmarks") == "true" || get("allowWatchBookmarks") == "1";
  bool send_initial = get("sendInitialEvents") == "true" || get("sendInitialEvents") == "1";

  int64_t start_rv = store_.current_rv();
  bool replay = false;
  int64_t from = 0;
  if (!send_initial && !rv_text.empty() && rv_text != "0") {
    char* end = nullptr;
    from = std::strtoll(rv_text.c_str(), &end, 10);
    if (end == rv_text.c_str() || *end != '\0' || from < 0) {
      return StatusResult(400, "BadRequest", "invalid resource version: " + rv_text);
    }
    if (from < store_.compacted_rv()) {
      json status = {{"kind", "Status"},
                     {"apiVersion", "v1"},
                     {"metadata", json::object()},
                     {"status", "Failure"},
                     {"message", "too old resource version: " + rv_text + " (" +
                                     std::to_string(store_.compacted_rv()) + ")"},
                     {"reason", "Expired"},
                     {"code", 410}};
      ApiResult result;
      result.response.body = json{{"type", "ERROR"}, {"object", status}}.dump() + "\n";
      return result;
    }
    replay = true;
  }
  auto channel = std::make_shared<WatchChannel>(type.StorageKey());
  auto include = query.find("includeObject");
  auto stream = std::make_unique<WatchStream>(
      this, type, info.ns, *selectors, WantsTable(request),
      include == query.end() ? "Metadata" : include->second, bookmarks,
      std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds), channel,
      replay ? std::max(from, int64_t{0}) : start_rv);
  if (replay) {
    for (const ChangePtr& change : store_.ChangesSince(type.StorageKey(), from)) {
      stream->AddReplay(change);
    }
  } else {
    for (const json* object : store_.List(type.StorageKey(), info.ns)) {
      if (selectors->Matches(*object)) stream->AddInitial(*object);
    }
    if (send_initial && bookmarks) stream->AddInitialEndBookmark(start_rv);
  }
  store_.Subscribe(channel);
  ApiResult result;
  result.watch = std::move(stream);
  return result;
}

}  // namespace mdo::testserver
