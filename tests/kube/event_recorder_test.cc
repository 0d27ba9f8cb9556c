#include "kube/event_recorder.h"

#include <gtest/gtest.h>

#include <vector>

namespace mdo::kube {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

struct SinkCall {
  std::string verb;  // "create" or "patch"
  std::string ns;
  std::string name;
  Json body;
};

class FakeEventSink final : public EventSink {
 public:
  ApiResult<Json> Create(const std::string& ns, const Json& event) override {
    std::lock_guard lock(mutex);
    calls.push_back({"create", ns, MetaString(event, "name"), event});
    if (fail_next_with > 0) return Fail();
    return event;
  }
  ApiResult<Json> Patch(const std::string& ns, const std::string& name,
                        const Json& patch) override {
    std::lock_guard lock(mutex);
    calls.push_back({"patch", ns, name, patch});
    if (patch_not_found) return ApiFail(404, "NotFound", "gone");
    if (fail_next_with > 0) return Fail();
    return patch;
  }
  std::vector<SinkCall> Calls() {
    std::lock_guard lock(mutex);
    return calls;
  }

  std::mutex mutex;
  std::vector<SinkCall> calls;
  bool patch_not_found = false;
  int fail_next_with = 0;  // HTTP code for the next call
  int fail_times = 0;

 private:
  Unexpected<ApiError> Fail() {
    int code = fail_next_with;
    if (--fail_times <= 0) fail_next_with = 0;
    return ApiFail(code, "InternalError", "boom");
  }
};

ObjectReference Domain(const std::string& name) {
  return ObjectReference{"mailops.dev/v1alpha1", "MailDomain", "mail", name, "uid-" + name};
}

class EventRecorderTest : public ::testing::Test {
 protected:
  EventRecorderOptions Options() {
    EventRecorderOptions o;
    o.reporting_controller = "mailops.dev/maildomain-operator";
    o.reporting_instance = "operator-0";
    o.retry_delay = std::chrono::milliseconds(1);
    return o;
  }
  FakeClock clock_;
  FakeEventSink sink_;
};

TEST_F(EventRecorderTest, FirstEventIsCreatedWithAllFields) {
  EventRecorder recorder(sink_, Options(), clock_);
  recorder.Event(Domain("example-com"), "Warning", "SPFMissing", "Check", "no SPF record");
  ASSERT_TRUE(recorder.WaitIdle(seconds(30)));
  auto calls = sink_.Calls();
  ASSERT_EQ(calls.size(), 1u);
  const Json& e = calls[0].body;
  EXPECT_EQ(calls[0].verb, "create");
  EXPECT_EQ(calls[0].ns, "mail");
  EXPECT_EQ(e["apiVersion"], "events.k8s.io/v1");
  EXPECT_EQ(e["kind"], "Event");
  EXPECT_EQ(e["metadata"]["namespace"], "mail");
  EXPECT_EQ(e["metadata"]["name"].get<std::string>().rfind("example-com.", 0), 0u);
  EXPECT_EQ(e["eventTime"], "2026-11-27T00:00:00.000000Z");
  EXPECT_EQ(e["reportingController"], "mailops.dev/maildomain-operator");
  EXPECT_EQ(e["reportingInstance"], "operator-0");
  EXPECT_EQ(e["action"], "Check");
  EXPECT_EQ(e["reason"], "SPFMissing");
  EXPECT_EQ(e["type"], "Warning");
  EXPECT_EQ(e["note"], "no SPF record");
  EXPECT_EQ(e["regarding"]["kind"], "MailDomain");
  EXPECT_EQ(e["regarding"]["uid"], "uid-example-com");
  EXPECT_FALSE(e.contains("series"));
  EXPECT_FALSE(e.contains("count"));  // deprecated fields stay unset
}

TEST_F(EventRecorderTest, RepeatsBecomeASeriesOfPatches) {
  EventRecorder recorder(sink_, Options(), clock_);
  recorder.Event(Domain("a"), "Warning", "SPFMissing", "Check", "first note");
  clock_.Advance(seconds(10));
  recorder.Event(Domain("a"), "Warning", "SPFMissing", "Check", "the note is not in the key");
  clock_.Advance(seconds(10));
  ASSERT_TRUE(recorder.WaitIdle(seconds(30)));
  recorder.Event(Domain("a"), "Warning", "SPFMissing", "Check", "third");
  ASSERT_TRUE(recorder.WaitIdle(seconds(30)));
  auto calls = sink_.Calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].verb, "create");
  EXPECT_EQ(calls[1].verb, "patch");
  EXPECT_EQ(calls[1].name, calls[0].name);
  EXPECT_EQ(calls[1].body["series"]["count"], 2);
  EXPECT_EQ(calls[1].body["series"]["lastObservedTime"], "2026-11-27T00:00:10.000000Z");
  EXPECT_EQ(calls[2].body["series"]["count"], 3);
  EXPECT_EQ(calls[2].body["series"]["lastObservedTime"], "2026-11-27T00:00:20.000000Z");
}

TEST_F(EventRecorderTest, DifferentReasonOrObjectIsANewEvent) {
  EventRecorder recorder(sink_, Options(), clock_);
  recorder.Event(Domain("a"), "Warning", "SPFMissing", "Check", "x");
  recorder.Event(Domain("a"), "Warning", "DKIMKeyMissing", "Check", "x");
  recorder.Event(Domain("b"), "Warning", "SPFMissing", "Check", "x");
  recorder.Event(Domain("a"), "Normal", "SPFMissing", "Check", "x");
  ASSERT_TRUE(recorder.WaitIdle(seconds(30)));
  auto calls = sink_.Calls();
  ASSERT_EQ(calls.size(), 4u);
  std::set<std::string> names;
  for (const auto& c : calls) {
    EXPECT_EQ(c.verb, "create");
    names.insert(c.name);
  }
  EXPECT_EQ(names.size(), 4u);  // unique names even with a frozen clock
}

TEST_F(EventRecorderTest, IdleSeriesIsForgottenAfterSixMinutes) {
  EventRecorder recorder(sink_, Options(), clock_);
  recorder.Event(Domain("a"), "Normal", "Checked", "Check", "x");
  ASSERT_TRUE(recorder.WaitIdle(seconds(30)));
  clock_.Advance(minutes(7));
  recorder.Event(Domain("a"), "Normal", "Checked", "Check", "x");
  ASSERT_TRUE(recorder.WaitIdle(seconds(30)));
  auto calls = sink_.Calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].verb, "create");
  EXPECT_NE(calls[1].name, calls[0].name);
}

TEST_F(EventRecorderTest, DeletedSeriesEventIsCreatedAgain) {
  EventRecorder recorder(sink_, Options(), clock_);
  recorder.Event(Domain("a"), "Normal", "Checked", "Check", "x");
  ASSERT_TRUE(recorder.WaitIdle(seconds(30)));
  sink_.patch_not_found = true;
  recorder.Event(Domain("a"), "Normal", "Checked", "Check", "x");
  ASSERT_TRUE(recorder.WaitIdle(seconds(30)));
  auto calls = sink_.Calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[1].verb, "patch");
  EXPECT_EQ(calls[2].verb, "create");
}

TEST_F(EventRecorderTest, PerObjectRateLimitBurst25ThenOnePer300Seconds) {
  EventRecorder recorder(sink_, Options(), clock_);
  for (int i = 0; i < 30; ++i) {
    recorder.Event(Domain("noisy"), "Warning", "Reason" + std::to_string(i), "Check", "x");
  }
  recorder.Event(Domain("quiet"), "Warning", "Other", "Check", "x");  // its own bucket
  ASSERT_TRUE(recorder.WaitIdle(seconds(30)));
  EXPECT_EQ(sink_.Calls().size(), 26u);
  EXPECT_EQ(recorder.dropped_rate_limited(), 5u);

  clock_.Advance(seconds(299));
  recorder.Event(Domain("noisy"), "Warning", "Late", "Check", "x");
  ASSERT_TRUE(recorder.WaitIdle(seconds(30)));
  EXPECT_EQ(sink_.Calls().size(), 26u);
  clock_.Advance(seconds(2));
  recorder.Event(Domain("noisy"), "Warning", "Late", "Check", "x");
  ASSERT_TRUE(recorder.WaitIdle(seconds(30)));
  EXPECT_EQ(sink_.Calls().size(), 27u);
  EXPECT_EQ(recorder.dropped_rate_limited(), 6u);
}

TEST_F(EventRecorderTest, FullQueueDropsInsteadOfBlocking) {
  // A sink that blocks until released holds the delivery thread, so the queue fills.
  class BlockingSink final : public EventSink {
   public:
    ApiResult<Json> Create(const std::string&, const Json& e) override {
      std::unique_lock lock(mutex);
      ++entered;
      cv.notify_all();
      cv.wait(lock, [&] { return released; });
      return e;
    }
    ApiResult<Json> Patch(const std::string&, const std::string&, const Json& p) override {
      return p;
    }
    std::mutex mutex;
    std::condition_variable cv;
    bool released = false;
    int entered = 0;
  } blocking;
  auto options = Options();
  options.queue_capacity = 5;
  EventRecorder recorder(blocking, options, clock_);
  recorder.Event(Domain("o0"), "Normal", "R", "A", "held by the sink");
  {
    std::unique_lock lock(blocking.mutex);
    ASSERT_TRUE(blocking.cv.wait_for(lock, seconds(30), [&] { return blocking.entered == 1; }));
  }
  for (int i = 1; i <= 10; ++i)
    recorder.Event(Domain("o" + std::to_string(i)), "Normal", "R", "A", "");
  EXPECT_EQ(recorder.dropped_queue_full(), 5u);
  {
    std::lock_guard lock(blocking.mutex);
    blocking.released = true;
  }
  blocking.cv.notify_all();
  ASSERT_TRUE(recorder.WaitIdle(seconds(30)));
  std::lock_guard lock(blocking.mutex);
  EXPECT_EQ(blocking.entered, 6);
}

TEST_F(EventRecorderTest, RetriesServerErrorsButNotClientErrors) {
  EventRecorder recorder(sink_, Options(), clock_);
  sink_.fail_next_with = 503;
  sink_.fail_times = 2;
  recorder.Event(Domain("a"), "Normal", "R", "A", "x");
  ASSERT_TRUE(recorder.WaitIdle(seconds(30)));
  EXPECT_EQ(sink_.Calls().size(), 3u);  // two failures, then success
  EXPECT_EQ(recorder.failed(), 0u);

  sink_.fail_next_with = 422;
  sink_.fail_times = 1;
  recorder.Event(Domain("b"), "Normal", "R", "A", "x");
  ASSERT_TRUE(recorder.WaitIdle(seconds(30)));
  EXPECT_EQ(sink_.Calls().size(), 4u);  // no retry
  EXPECT_EQ(recorder.failed(), 1u);
}

TEST(EventNoteTest, TruncatesTo1024BytesOnACharacterBoundary) {
  std::string note(1023, 'x');
  note += "\xC3\xA9tail";  // "é" straddles the limit
  std::string cut = TruncateUtf8(note, 1024);
  EXPECT_EQ(cut.size(), 1023u);
  EXPECT_EQ(TruncateUtf8("short", 1024), "short");
}

TEST(CoreV1FallbackTest, TranslatesFields) {
  Json e = {{"metadata", {{"name", "a.1"}, {"namespace", "mail"}}},
            {"eventTime", "2026-11-27T10:00:00.123456Z"},
            {"reportingController", "mailops.dev/op"},
            {"reportingInstance", "op-0"},
            {"action", "Check"},
            {"reason", "R"},
            {"type", "Warning"},
            {"note", "n"},
            {"regarding", {{"kind", "MailDomain"}, {"name", "a"}}}};
  Json core = ToCoreV1Event(e);
  EXPECT_EQ(core["apiVersion"], "v1");
  EXPECT_EQ(core["involvedObject"]["kind"], "MailDomain");
  EXPECT_EQ(core["message"], "n");
  EXPECT_EQ(core["reportingComponent"], "mailops.dev/op");
  EXPECT_EQ(core["source"]["component"], "mailops.dev/op");
  EXPECT_EQ(core["firstTimestamp"], "2026-11-27T10:00:00Z");
  EXPECT_EQ(core["count"], 1);
  Json patch = ToCoreV1Patch(
      {{"series", {{"count", 4}, {"lastObservedTime", "2026-11-27T10:05:00.000001Z"}}}});
  EXPECT_EQ(patch["count"], 4);
  EXPECT_EQ(patch["lastTimestamp"], "2026-11-27T10:05:00Z");
}

}  // namespace
}  // namespace mdo::kube

namespace mdo::kube {
namespace {

// An ApiClient that serves no events.k8s.io group and records writes.
class NoEventsGroupApi final : public ApiClient {
 public:
  ApiResult<Json> Get(const ResourceType&, std::string_view, std::string_view,
                      std::string_view) override {
    return ApiFail(404, "NotFound", "");
  }
  ApiResult<Json> List(const ResourceType&, std::string_view, const ListOptions&) override {
    return ApiFail(404, "NotFound", "");
  }
  ApiResult<std::unique_ptr<WatchStream>> Watch(const ResourceType&, std::string_view,
                                                const ListOptions&) override {
    return ApiFail(404, "NotFound", "");
  }
  ApiResult<Json> Create(const ResourceType& type, std::string_view ns, const Json& object,
                         const WriteOptions&) override {
    std::lock_guard lock(mutex);
    writes.push_back("create " + type.ApiVersion() + " " + std::string(ns));
    bodies.push_back(object);
    return object;
  }
  ApiResult<Json> Update(const ResourceType&, std::string_view, const Json&,
                         const WriteOptions&) override {
    return ApiFail(405, "MethodNotAllowed", "");
  }
  ApiResult<Json> Patch(const ResourceType& type, std::string_view, std::string_view name,
                        PatchType patch_type, const Json& patch, const WriteOptions&) override {
    std::lock_guard lock(mutex);
    writes.push_back("patch " + type.ApiVersion() + " " + std::string(name) + " " +
                     PatchContentType(patch_type));
    bodies.push_back(patch);
    return patch;
  }
  ApiResult<Json> Delete(const ResourceType&, std::string_view, std::string_view,
                         const DeleteOptions&) override {
    return ApiFail(405, "MethodNotAllowed", "");
  }
  ApiResult<Json> GetPath(std::string_view path) override {
    std::lock_guard lock(mutex);
    discovery.push_back(std::string(path));
    return ApiFail(404, "NotFound", "the server could not find the requested resource");
  }

  std::mutex mutex;
  std::vector<std::string> writes, discovery;
  std::vector<Json> bodies;
};

TEST(ApiEventSinkTest, FallsBackToCoreV1WhenTheGroupIsAbsent) {
  NoEventsGroupApi api;
  ApiEventSink sink(api);
  FakeClock clock;
  EventRecorder recorder(sink, {}, clock);
  ObjectReference ref{"mailops.dev/v1alpha1", "MailDomain", "mail", "a", "uid-a"};
  recorder.Event(ref, "Warning", "MXMissing", "Check", "no MX");
  clock.Advance(seconds(5));
  recorder.Event(ref, "Warning", "MXMissing", "Check", "no MX");
  ASSERT_TRUE(recorder.WaitIdle(seconds(30)));
  std::lock_guard lock(api.mutex);
  EXPECT_EQ(api.discovery, (std::vector<std::string>{"/apis/events.k8s.io/v1"}));  // asked once
  ASSERT_EQ(api.writes.size(), 2u);
  EXPECT_EQ(api.writes[0], "create v1 mail");
  EXPECT_EQ(api.bodies[0]["involvedObject"]["uid"], "uid-a");
  EXPECT_EQ(api.bodies[0]["message"], "no MX");
  EXPECT_EQ(api.writes[1].rfind("patch v1 a.", 0), 0u) << api.writes[1];
  EXPECT_EQ(api.bodies[1]["count"], 2);
  EXPECT_EQ(api.bodies[1]["lastTimestamp"], "2026-11-27T00:00:05Z");
}

}  // namespace
}  // namespace mdo::kube
