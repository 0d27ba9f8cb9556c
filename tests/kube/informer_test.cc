// The informer against a scripted in-memory ApiClient: what it lists, which resourceVersion it
// watches from, and what its handlers see when streams end, break or expire.
#include "kube/informer.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <thread>

namespace mdo::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

template <typename F>
bool Eventually(F condition, std::chrono::seconds deadline = std::chrono::seconds(30)) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(2));
  }
  return condition();
}

Json Obj(const std::string& name, const std::string& rv) {
  return {{"metadata", {{"namespace", "ns"}, {"name", name}, {"resourceVersion", rv}}}};
}

class ScriptedStream final : public WatchStream {
 public:
  ApiResult<std::optional<WatchEvent>> Next() override {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return !items_.empty() || cancelled_; });
    if (cancelled_) return ApiFail(0, "Cancelled", "cancelled");
    auto item = std::move(items_.front());
    items_.pop_front();
    return item;
  }
  void Cancel() override {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    cv_.notify_all();
  }
  void Push(WatchEvent::Type type, Json object) {
    Put(std::optional<WatchEvent>(WatchEvent{type, std::move(object)}));
  }
  void End() { Put(std::optional<WatchEvent>()); }
  void Break() { Put(ApiFail(0, "TransportError", "connection reset")); }

 private:
  void Put(ApiResult<std::optional<WatchEvent>> item) {
    std::lock_guard lock(mutex_);
    items_.push_back(std::move(item));
    cv_.notify_all();
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<ApiResult<std::optional<WatchEvent>>> items_;
  bool cancelled_ = false;
};

class ScriptedApi final : public ApiClient {
 public:
  ApiResult<Json> Get(const ResourceType&, std::string_view, std::string_view,
                      std::string_view) override {
    return ApiFail(404, "NotFound", "");
  }
  ApiResult<Json> List(const ResourceType&, std::string_view, const ListOptions& o) override {
    std::lock_guard lock(mutex);
    list_requests.push_back(o);
    // Pages of o.limit, the continue token being the next index.
    size_t start = o.continue_token.empty() ? 0 : std::stoul(o.continue_token);
    size_t end =
        o.limit > 0 ? std::min(items.size(), start + static_cast<size_t>(o.limit)) : items.size();
    Json page = {{"metadata", {{"resourceVersion", list_rv}}}, {"items", Json::array()}};
    for (size_t i = start; i < end; ++i) page["items"].push_back(items[i]);
    if (end < items.size()) page["metadata"]["continue"] = std::to_string(end);
    return page;
  }
  ApiResult<std::unique_ptr<WatchStream>> Watch(const ResourceType&, std::string_view,
                                                const ListOptions& o) override {
    std::lock_guard lock(mutex);
    watch_requests.push_back(o);
    if (watch_gone) {
      watch_gone = false;
      return ApiFail(410, "Expired", "too old");
    }
    auto stream = std::make_unique<ScriptedStream>();
    current = stream.get();
    return std::unique_ptr<WatchStream>(std::move(stream));
  }
  ApiResult<Json> Create(const ResourceType&, std::string_view, const Json&,
                         const WriteOptions&) override {
    return ApiFail(405, "MethodNotAllowed", "");
  }
  ApiResult<Json> Update(const ResourceType&, std::string_view, const Json&,
                         const WriteOptions&) override {
    return ApiFail(405, "MethodNotAllowed", "");
  }
  ApiResult<Json> Patch(const ResourceType&, std::string_view, std::string_view, PatchType,
                        const Json&, const WriteOptions&) override {
    return ApiFail(405, "MethodNotAllowed", "");
  }
  ApiResult<Json> Delete(const ResourceType&, std::string_view, std::string_view,
                         const DeleteOptions&) override {
    return ApiFail(405, "MethodNotAllowed", "");
  }
  ApiResult<Json> GetPath(std::string_view) override { return ApiFail(404, "NotFound", ""); }

  // The stream of watch number `n` (1-based), once the informer has opened it.
  ScriptedStream* Stream(size_t n) {
    std::lock_guard lock(mutex);
    return watch_requests.size() >= n ? current : nullptr;
  }
  size_t Watches() {
    std::lock_guard lock(mutex);
    return watch_requests.size();
  }

  std::mutex mutex;
  std::vector<Json> items;
  std::string list_rv = "10";
  bool watch_gone = false;
  std::vector<ListOptions> list_requests;
  std::vector<ListOptions> watch_requests;
  ScriptedStream* current = nullptr;
};

// What the handlers saw, as "add a", "update a", "delete b".
struct Recorder {
  std::mutex mutex;
  std::vector<std::string> seen;
  InformerHandlers Handlers() {
    return {[this](const Json& o) { Log("add " + MetaString(o, "name")); },
            [this](const Json&, const Json& n) { Log("update " + MetaString(n, "name")); },
            [this](const Json& o) { Log("delete " + MetaString(o, "name")); }};
  }
  void Log(std::string s) {
    std::lock_guard lock(mutex);
    seen.push_back(std::move(s));
  }
  std::vector<std::string> Seen() {
    std::lock_guard lock(mutex);
    return seen;
  }
};

const ResourceType kThings{"example.com", "v1", "things", true, "Thing"};

TEST(InformerTest, ListsPaginatedThenWatchesFromTheListVersion) {
  ScriptedApi api;
  api.items = {Obj("a", "3"), Obj("b", "4"), Obj("c", "5")};
  Recorder rec;
  InformerOptions options;
  options.page_size = 2;
  Informer informer(api, kThings, options);
  informer.AddHandlers(rec.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(milliseconds(30000)));
  EXPECT_EQ(informer.Size(), 3u);
  ASSERT_TRUE(Eventually([&] { return api.Stream(1) != nullptr; }));
  {
    std::lock_guard lock(api.mutex);
    ASSERT_EQ(api.list_requests.size(), 2u);  // two pages
    EXPECT_EQ(api.list_requests[0].limit, 2);
    EXPECT_EQ(api.list_requests[1].continue_token, "2");
    const ListOptions& w = api.watch_requests[0];
    EXPECT_EQ(w.resource_version, "10");
    EXPECT_TRUE(w.allow_watch_bookmarks);
    EXPECT_GE(w.timeout_seconds, 300);
    EXPECT_LT(w.timeout_seconds, 600);
  }
  EXPECT_EQ(rec.Seen(), (std::vector<std::string>{"add a", "add b", "add c"}));
  EXPECT_EQ(informer.Get("ns/b").value()["metadata"]["resourceVersion"], "4");
  EXPECT_EQ(informer.Get("ns/b").value()["kind"], "Thing");
}

TEST(InformerTest, WatchEventsAndResumeFromLastVersionWithoutRelist) {
  ScriptedApi api;
  api.items = {Obj("a", "3"), Obj("b", "4")};
  Recorder rec;
  Informer informer(api, kThings);
  informer.AddHandlers(rec.Handlers());
  informer.Start();
  ASSERT_TRUE(Eventually([&] { return api.Stream(1) != nullptr; }));
  ScriptedStream* s = api.Stream(1);
  s->Push(WatchEvent::Type::kAdded, Obj("c", "11"));
  s->Push(WatchEvent::Type::kModified, Obj("a", "12"));
  s->Push(WatchEvent::Type::kDeleted, Obj("b", "13"));
  s->Push(WatchEvent::Type::kBookmark, {{"metadata", {{"resourceVersion", "20"}}}});
  s->Break();  // the connection drops
  ASSERT_TRUE(Eventually([&] { return api.Watches() == 2 && api.Stream(2) != nullptr; }));
  {
    std::lock_guard lock(api.mutex);
    EXPECT_EQ(api.watch_requests[1].resource_version, "20");  // resumes after the bookmark
    EXPECT_EQ(api.list_requests.size(), 1u);                  // no relist
  }
  // A replay of an event already seen (same resourceVersion) is not delivered again.
  ScriptedStream* s2 = api.Stream(2);
  s2->Push(WatchEvent::Type::kModified, Obj("a", "12"));
  s2->Push(WatchEvent::Type::kModified, Obj("a", "21"));
  s2->End();  // the server ends the watch normally: re-watch from 21 at once
  ASSERT_TRUE(Eventually([&] { return api.Watches() == 3; }));
  {
    std::lock_guard lock(api.mutex);
    EXPECT_EQ(api.watch_requests[2].resource_version, "21");
  }
  EXPECT_EQ(rec.Seen(), (std::vector<std::string>{"add a", "add b", "add c", "update a", "delete b",
                                                  "update a"}));
  EXPECT_EQ(informer.Size(), 2u);
  EXPECT_FALSE(informer.Get("ns/b").has_value());
}

TEST(InformerTest, GoneRelistsAndReconcilesTheCache) {
  ScriptedApi api;
  api.items = {Obj("a", "3"), Obj("b", "4")};
  Recorder rec;
  Informer informer(api, kThings);
  informer.AddHandlers(rec.Handlers());
  informer.Start();
  ASSERT_TRUE(Eventually([&] { return api.Stream(1) != nullptr; }));
  {
    std::lock_guard lock(api.mutex);
    // While the informer was away: b deleted, a changed, d created.
    api.items = {Obj("a", "30"), Obj("d", "31")};
    api.list_rv = "40";
  }
  api.Stream(1)->Push(WatchEvent::Type::kError, {{"kind", "Status"},
                                                 {"code", 410},
                                                 {"reason", "Expired"},
                                                 {"message", "too old resource version"}});
  ASSERT_TRUE(Eventually([&] { return api.Watches() == 2 && api.Stream(2) != nullptr; }));
  {
    std::lock_guard lock(api.mutex);
    ASSERT_EQ(api.list_requests.size(), 2u);
    EXPECT_EQ(api.list_requests[0].resource_version, "0");
    EXPECT_EQ(api.list_requests[1].resource_version, "");  // consistent read after 410
    EXPECT_EQ(api.watch_requests[1].resource_version, "40");
  }
  EXPECT_EQ(rec.Seen(),
            (std::vector<std::string>{"add a", "add b", "add d", "update a", "delete b"}));
  EXPECT_EQ(informer.Size(), 2u);
}

TEST(InformerTest, GoneWhenOpeningTheWatchAlsoRelists) {
  ScriptedApi api;
  api.items = {Obj("a", "3")};
  api.watch_gone = true;
  Informer informer(api, kThings);
  informer.Start();
  ASSERT_TRUE(Eventually([&] { return api.Stream(2) != nullptr; }));
  std::lock_guard lock(api.mutex);
  EXPECT_EQ(api.list_requests.size(), 2u);
}

TEST(InformerTest, ResyncRedeliversCachedObjectsAsUpdates) {
  ScriptedApi api;
  api.items = {Obj("a", "3")};
  Recorder rec;
  InformerOptions options;
  options.resync_period = milliseconds(20);
  Informer informer(api, kThings, options);
  informer.AddHandlers(rec.Handlers());
  informer.Start();
  ASSERT_TRUE(Eventually([&] {
    auto seen = rec.Seen();
    return std::count(seen.begin(), seen.end(), "update a") >= 2;
  }));
  informer.Stop();
  std::lock_guard lock(api.mutex);
  EXPECT_EQ(api.list_requests.size(), 1u);  // resync costs no API call
}

TEST(InformerTest, TransformShapesWhatIsCachedAndDelivered) {
  ScriptedApi api;
  Json big = Obj("a", "3");
  big["metadata"]["managedFields"] = Json::array({{{"manager", "kubectl"}}});
  big["spec"] = {{"domain", "example.com"}};
  api.items = {big};
  std::mutex mutex;
  std::vector<Json> delivered;
  InformerOptions options;
  options.transform = [](Json& o) { o["metadata"].erase("managedFields"); };
  Informer informer(api, kThings, options);
  informer.AddHandlers({[&](const Json& o) {
                          std::lock_guard lock(mutex);
                          delivered.push_back(o);
                        },
                        [&](const Json&, const Json& n) {
                          std::lock_guard lock(mutex);
                          delivered.push_back(n);
                        },
                        nullptr});
  informer.Start();
  ASSERT_TRUE(Eventually([&] { return api.Stream(1) != nullptr; }));
  Json changed = big;
  changed["metadata"]["resourceVersion"] = "11";
  changed["spec"]["domain"] = "example.org";
  api.Stream(1)->Push(WatchEvent::Type::kModified, changed);
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard lock(mutex);
    return delivered.size() == 2;
  }));
  std::lock_guard lock(mutex);
  for (const Json& o : delivered) EXPECT_FALSE(o["metadata"].contains("managedFields")) << o;
  EXPECT_EQ(delivered[1]["spec"]["domain"], "example.org");
  // The cached copy comes back whole (it is kept packed) and transformed.
  Json cached = informer.Get("ns/a").value();
  EXPECT_FALSE(cached["metadata"].contains("managedFields"));
  EXPECT_EQ(cached["spec"]["domain"], "example.org");
  EXPECT_EQ(cached["metadata"]["resourceVersion"], "11");
  EXPECT_EQ(informer.Keys(), std::vector<std::string>{"ns/a"});
}

TEST(InformerTest, CachedObjectsRoundTripExactly) {
  // Non-ASCII text, numbers of every kind, nesting and empty containers survive the packing.
  ScriptedApi api;
  Json o = Obj("a", "3");
  o["status"] = {{"message", "ünïcödé \"quoted\"\n"},
                 {"count", 42},
                 {"negative", -7},
                 {"ratio", 0.1},
                 {"big", 18446744073709551615ull},
                 {"flag", false},
                 {"nothing", nullptr},
                 {"empty", Json::object()},
                 {"list", Json::array({1, "two", Json::array()})}};
  api.items = {o};
  Informer informer(api, kThings);
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(milliseconds(30000)));
  Json expected = o;
  expected["kind"] = "Thing";
  expected["apiVersion"] = "example.com/v1";
  EXPECT_EQ(informer.Get("ns/a").value(), expected);
  EXPECT_EQ(informer.List(), std::vector<Json>{expected});
}

}  // namespace
}  // namespace mdo::kube
