// The API semantics of kube-testserver, in-process (no HTTP): CRUD, conflicts, generation, the
// status subresource, schema validation and defaults, selectors, pagination, watch, faults.
#include "testserver/api_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "testserver/yaml_json.h"

namespace mdo::testserver {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr const char* kMd = "/apis/mailops.dev/v1alpha1/namespaces/default/maildomains";
constexpr const char* kMdStatusPatch = "application/merge-patch+json";

std::string SourceDir() {
  const char* dir = std::getenv("MDO_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

struct Reply {
  int code = 0;
  json body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::unique_ptr<WatchSession> watch;
};

class KtsApiServerTest : public ::testing::Test {
 protected:
  KtsApiServerTest() : server_(ServerOptions{"", 20, 3600}) {}

  Reply Call(const std::string& method, const std::string& target, const json& body = nullptr,
             const std::string& content_type = "application/json",
             const std::string& accept = "application/json") {
    ApiRequest request;
    request.method = method;
    request.target = target;
    if (!body.is_null()) request.body = body.dump();
    request.headers["content-type"] = content_type;
    request.headers["accept"] = accept;
    ApiResult result = server_.Handle(request);
    Reply reply;
    reply.code = result.response.code;
    reply.headers = result.response.headers;
    reply.watch = std::move(result.watch);
    if (!result.response.body.empty() && result.response.content_type == "application/json") {
      reply.body = json::parse(result.response.body, nullptr, false);
      if (reply.body.is_discarded()) reply.body = result.response.body;  // NDJSON error stream
    }
    return reply;
  }

  void InstallCrd() {
    std::ifstream in(SourceDir() + "/tests/fixtures/kube/maildomain-crd.yaml");
    ASSERT_TRUE(in) << "cannot read the CRD fixture under " << SourceDir();
    std::stringstream text;
    text << in.rdbuf();
    auto crd = YamlToJson(text.str());
    ASSERT_TRUE(crd.ok()) << crd.error().message;
    Reply r = Call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", *crd);
    ASSERT_EQ(r.code, 201) << r.body.dump();
  }

  static json MailDomain(const std::string& name, const std::string& domain) {
    return {{"apiVersion", "mailops.dev/v1alpha1"},
            {"kind", "MailDomain"},
            {"metadata", {{"name", name}}},
            {"spec", {{"domain", domain}}}};
  }

  json CreateMd(const std::string& name, const json& labels = json::object()) {
    json md = MailDomain(name, name + ".test");
    if (!labels.empty()) md["metadata"]["labels"] = labels;
    Reply r = Call("POST", kMd, md);
    EXPECT_EQ(r.code, 201) << r.body.dump();
    return r.body;
  }

  // Reads watch lines until `count` events arrived (or a generous deadline passed).
  static std::vector<json> ReadEvents(WatchSession& watch, size_t count) {
    std::vector<json> events;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (events.size() < count && std::chrono::steady_clock::now() < deadline) {
      auto line = watch.Next(std::chrono::milliseconds(200));
      if (!line) break;
      if (!line->empty()) events.push_back(json::parse(*line));
    }
    return events;
  }

  ApiServer server_;
};

TEST_F(KtsApiServerTest, CreateSetsServerFieldsAndGetReturnsTheObject) {
  InstallCrd();
  json created = CreateMd("a");
  EXPECT_FALSE(created["metadata"]["uid"].get<std::string>().empty());
  EXPECT_FALSE(created["metadata"]["creationTimestamp"].get<std::string>().empty());
  EXPECT_EQ(created["metadata"]["generation"], 1);
  EXPECT_EQ(created["metadata"]["namespace"], "default");
  Reply got = Call("GET", std::string(kMd) + "/a");
  EXPECT_EQ(got.code, 200);
  EXPECT_EQ(got.body, created);
  Reply again = Call("POST", kMd, MailDomain("a", "a.test"));
  EXPECT_EQ(again.code, 409);
  EXPECT_EQ(again.body["reason"], "AlreadyExists");
  Reply missing = Call("GET", std::string(kMd) + "/nope");
  EXPECT_EQ(missing.code, 404);
  EXPECT_EQ(missing.body["message"], "maildomains.mailops.dev \"nope\" not found");
}

TEST_F(KtsApiServerTest, ResourceVersionIsGlobalAndMonotonic) {
  InstallCrd();
  long a = std::stol(CreateMd("a")["metadata"]["resourceVersion"].get<std::string>());
  Reply cm = Call("POST", "/api/v1/namespaces/default/configmaps",
                  {{"metadata", {{"name", "c"}}}, {"data", {{"k", "v"}}}});
  ASSERT_EQ(cm.code, 201);
  long c = std::stol(cm.body["metadata"]["resourceVersion"].get<std::string>());
  long b = std::stol(CreateMd("b")["metadata"]["resourceVersion"].get<std::string>());
  EXPECT_LT(a, c);
  EXPECT_LT(c, b);
}

TEST_F(KtsApiServerTest, StaleResourceVersionConflicts) {
  InstallCrd();
  json md = CreateMd("a");
  json first = md;
  first["spec"]["suspend"] = true;
  ASSERT_EQ(Call("PUT", std::string(kMd) + "/a", first).code, 200);
  json stale = md;
  stale["spec"]["suspend"] = false;
  Reply r = Call("PUT", std::string(kMd) + "/a", stale);
  EXPECT_EQ(r.code, 409);
  EXPECT_EQ(r.body["reason"], "Conflict");
  EXPECT_EQ(r.body["message"],
            "Operation cannot be fulfilled on maildomains.mailops.dev \"a\": the object has been "
            "modified; please apply your changes to the latest version and try again");
  // A merge patch carrying the stale version conflicts too; one without it does not.
  json patch = {{"metadata", {{"resourceVersion", md["metadata"]["resourceVersion"]}}},
                {"spec", {{"suspend", false}}}};
  EXPECT_EQ(Call("PATCH", std::string(kMd) + "/a", patch, kMdStatusPatch).code, 409);
  EXPECT_EQ(
      Call("PATCH", std::string(kMd) + "/a", {{"spec", {{"suspend", false}}}}, kMdStatusPatch).code,
      200);
}

TEST_F(KtsApiServerTest, GenerationCountsSpecChangesOnly) {
  InstallCrd();
  CreateMd("a");
  std::string url = std::string(kMd) + "/a";
  Reply labels = Call("PATCH", url, {{"metadata", {{"labels", {{"x", "y"}}}}}}, kMdStatusPatch);
  EXPECT_EQ(labels.body["metadata"]["generation"], 1);
  Reply status =
      Call("PATCH", url + "/status", {{"status", {{"observedGeneration", 1}}}}, kMdStatusPatch);
  EXPECT_EQ(status.body["metadata"]["generation"], 1);
  Reply spec = Call("PATCH", url, {{"spec", {{"suspend", true}}}}, kMdStatusPatch);
  EXPECT_EQ(spec.body["metadata"]["generation"], 2);
  // A no-op write changes neither generation nor resourceVersion.
  Reply same = Call("PATCH", url, {{"spec", {{"suspend", true}}}}, kMdStatusPatch);
  EXPECT_EQ(same.body["metadata"]["resourceVersion"], spec.body["metadata"]["resourceVersion"]);
}

TEST_F(KtsApiServerTest, StatusSubresourceOwnsStatusOnly) {
  InstallCrd();
  json md = CreateMd("a");
  std::string url = std::string(kMd) + "/a";
  // The main endpoint ignores status.
  json with_status = md;
  with_status["status"] = {{"observedGeneration", 7}};
  with_status["spec"]["suspend"] = true;
  Reply main = Call("PUT", url, with_status);
  ASSERT_EQ(main.code, 200);
  EXPECT_FALSE(main.body.contains("status"));
  EXPECT_EQ(main.body["spec"]["suspend"], true);
  // /status ignores everything else.
  json status_update = main.body;
  status_update["status"] = {{"observedGeneration", 2}};
  status_update["spec"]["domain"] = "changed.test";
  status_update["metadata"]["labels"] = {{"sneaky", "yes"}};
  Reply status = Call("PUT", url + "/status", status_update);
  ASSERT_EQ(status.code, 200) << status.body.dump();
  EXPECT_EQ(status.body["status"]["observedGeneration"], 2);
  EXPECT_EQ(status.body["spec"]["domain"], "a.test");
  EXPECT_FALSE(status.body["metadata"].contains("labels"));
  // The status is validated against the schema too.
  Reply bad = Call("PATCH", url + "/status",
                   {{"status", {{"conditions", {{{"type", "Ready"}, {"status", "Maybe"}}}}}}},
                   kMdStatusPatch);
  EXPECT_EQ(bad.code, 422);
  EXPECT_THAT(bad.body["message"].get<std::string>(),
              HasSubstr("status.conditions[0].status: Unsupported value: \"Maybe\""));
}

TEST_F(KtsApiServerTest, SchemaValidationAndDefaults) {
  InstallCrd();
  json md = MailDomain("a", "example.com");
  Reply created = Call("POST", kMd, md);
  ASSERT_EQ(created.code, 201);
  EXPECT_EQ(created.body["spec"]["checkInterval"], "1h");
  EXPECT_EQ(created.body["spec"]["dkim"]["minimumKeyBits"], 2048);
  EXPECT_EQ(created.body["spec"]["dmarc"]["minimumPolicy"], "none");

  json missing = MailDomain("b", "x");
  missing["spec"].erase("domain");
  Reply r = Call("POST", kMd, missing);
  EXPECT_EQ(r.code, 422);
  EXPECT_EQ(r.body["reason"], "Invalid");
  EXPECT_EQ(r.body["message"],
            "MailDomain.mailops.dev \"b\" is invalid: spec.domain: Required value");
  EXPECT_EQ(r.body["details"]["causes"][0]["field"], "spec.domain");

  json two = MailDomain("c", "bad domain");
  two["spec"]["dmarc"] = {{"minimumPolicy", "bogus"}};
  Reply r2 = Call("POST", kMd, two);
  EXPECT_EQ(r2.code, 422);
  EXPECT_THAT(r2.body["message"].get<std::string>(),
              HasSubstr("MailDomain.mailops.dev \"c\" is invalid: ["));
  EXPECT_THAT(r2.body["message"].get<std::string>(),
              HasSubstr("spec.dmarc.minimumPolicy: Unsupported value: \"bogus\""));

  json unknown = MailDomain("d", "d.test");
  unknown["spec"]["colour"] = "blue";
  Reply strict = Call("POST", std::string(kMd) + "?fieldValidation=Strict", unknown);
  EXPECT_EQ(strict.code, 400);
  EXPECT_THAT(strict.body["message"].get<std::string>(),
              HasSubstr("strict decoding error: unknown field \"spec.colour\""));
  Reply pruned = Call("POST", std::string(kMd) + "?fieldValidation=Warn", unknown);
  ASSERT_EQ(pruned.code, 201);
  EXPECT_FALSE(pruned.body["spec"].contains("colour"));
  ASSERT_FALSE(pruned.headers.empty());
  EXPECT_EQ(pruned.headers[0].first, "Warning");
}

TEST_F(KtsApiServerTest, SelectorsAndPagination) {
  InstallCrd();
  for (int i = 0; i < 5; ++i) {
    CreateMd("md" + std::to_string(i), {{"tier", i % 2 == 0 ? "even" : "odd"}});
  }
  Reply even = Call("GET", std::string(kMd) + "?labelSelector=tier%3Deven");
  EXPECT_EQ(even.body["items"].size(), 3u);
  Reply by_name = Call("GET", std::string(kMd) + "?fieldSelector=metadata.name%3Dmd3");
  ASSERT_EQ(by_name.body["items"].size(), 1u);
  EXPECT_EQ(by_name.body["items"][0]["metadata"]["name"], "md3");
  Reply unsupported = Call("GET", std::string(kMd) + "?fieldSelector=spec.domain%3Dx");
  EXPECT_EQ(unsupported.code, 400);
  EXPECT_EQ(unsupported.body["message"], "field label not supported: spec.domain");

  std::vector<std::string> names;
  std::string token;
  int pages = 0;
  do {
    std::string url = std::string(kMd) + "?limit=2";
    if (!token.empty()) url += "&continue=" + token;
    Reply page = Call("GET", url);
    ASSERT_EQ(page.code, 200) << page.body.dump();
    EXPECT_LE(page.body["items"].size(), 2u);
    for (const json& item : page.body["items"]) names.push_back(item["metadata"]["name"]);
    token = page.body["metadata"].value("continue", "");
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names, (std::vector<std::string>{"md0", "md1", "md2", "md3", "md4"}));
  EXPECT_EQ(Call("GET", std::string(kMd) + "?limit=2&continue=%%%").code, 400);
}

TEST_F(KtsApiServerTest, ContinueTokenExpiresAfterCompaction) {
  InstallCrd();
  for (int i = 0; i < 3; ++i) CreateMd("md" + std::to_string(i));
  Reply page = Call("GET", std::string(kMd) + "?limit=1");
  std::string token = page.body["metadata"]["continue"];
  CreateMd("later");
  ASSERT_EQ(Call("POST", "/admin/compact").code, 200);
  Reply expired = Call("GET", std::string(kMd) + "?limit=1&continue=" + token);
  EXPECT_EQ(expired.code, 410);
  EXPECT_EQ(expired.body["reason"], "Expired");
}

TEST_F(KtsApiServerTest, WatchResumesFromAResourceVersion) {
  InstallCrd();
  json a = CreateMd("a");
  std::string rv = a["metadata"]["resourceVersion"];
  CreateMd("b");
  ASSERT_EQ(
      Call("PATCH", std::string(kMd) + "/a", {{"spec", {{"suspend", true}}}}, kMdStatusPatch).code,
      200);
  Reply watch = Call("GET", std::string(kMd) + "?watch=true&resourceVersion=" + rv);
  ASSERT_TRUE(watch.watch);
  ASSERT_EQ(Call("DELETE", std::string(kMd) + "/b").code, 200);
  auto events = ReadEvents(*watch.watch, 3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["type"], "ADDED");
  EXPECT_EQ(events[0]["object"]["metadata"]["name"], "b");
  EXPECT_EQ(events[1]["type"], "MODIFIED");
  EXPECT_EQ(events[1]["object"]["metadata"]["name"], "a");
  EXPECT_EQ(events[2]["type"], "DELETED");
  EXPECT_EQ(events[2]["object"]["kind"], "MailDomain");
  long last = 0;
  for (const json& e : events) {
    long v = std::stol(e["object"]["metadata"]["resourceVersion"].get<std::string>());
    EXPECT_GT(v, last);
    last = v;
  }
}

TEST_F(KtsApiServerTest, WatchFromACompactedVersionIsExpired) {
  InstallCrd();
  json a = CreateMd("a");
  // History holds 20 changes: 30 more push the first out.
  for (int i = 0; i < 30; ++i) {
    Call("PATCH", std::string(kMd) + "/a", {{"metadata", {{"labels", {{"n", std::to_string(i)}}}}}},
         kMdStatusPatch);
  }
  Reply watch = Call("GET", std::string(kMd) + "?watch=1&resourceVersion=" +
                                a["metadata"]["resourceVersion"].get<std::string>());
  EXPECT_FALSE(watch.watch);
  EXPECT_EQ(watch.code, 200);
  ASSERT_TRUE(watch.body.is_object()) << watch.body.dump();
  EXPECT_EQ(watch.body["type"], "ERROR");
  EXPECT_EQ(watch.body["object"]["code"], 410);
  EXPECT_EQ(watch.body["object"]["reason"], "Expired");
  EXPECT_THAT(watch.body["object"]["message"].get<std::string>(),
              HasSubstr("too old resource version"));
}

TEST_F(KtsApiServerTest, WatchWithoutVersionStartsWithTheCurrentStateAndBookmarks) {
  InstallCrd();
  CreateMd("a");
  Reply watch =
      Call("GET", std::string(kMd) + "?watch=true&allowWatchBookmarks=true&sendInitialEvents=true");
  ASSERT_TRUE(watch.watch);
  auto initial = ReadEvents(*watch.watch, 2);
  ASSERT_EQ(initial.size(), 2u);
  EXPECT_EQ(initial[0]["type"], "ADDED");
  EXPECT_EQ(initial[1]["type"], "BOOKMARK");
  EXPECT_EQ(initial[1]["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"], "true");
  // An unrelated write moves the global RV; a bookmark reports it without an event.
  Reply cm = Call("POST", "/api/v1/namespaces/default/configmaps", {{"metadata", {{"name", "c"}}}});
  ASSERT_EQ(Call("POST", "/admin/watches/bookmark").code, 200);
  auto bookmark = ReadEvents(*watch.watch, 1);
  ASSERT_EQ(bookmark.size(), 1u);
  EXPECT_EQ(bookmark[0]["type"], "BOOKMARK");
  EXPECT_EQ(bookmark[0]["object"]["metadata"]["resourceVersion"],
            cm.body["metadata"]["resourceVersion"]);
}

TEST_F(KtsApiServerTest, WatchSelectorTransitionsBecomeAddedAndDeleted) {
  InstallCrd();
  CreateMd("a", {{"watched", "yes"}});
  Reply watch = Call("GET", std::string(kMd) + "?watch=true&labelSelector=watched%3Dyes");
  ASSERT_TRUE(watch.watch);
  ASSERT_EQ(ReadEvents(*watch.watch, 1).size(), 1u);
  Call("PATCH", std::string(kMd) + "/a", {{"metadata", {{"labels", {{"watched", "no"}}}}}},
       kMdStatusPatch);
  Call("PATCH", std::string(kMd) + "/a", {{"metadata", {{"labels", {{"watched", "yes"}}}}}},
       kMdStatusPatch);
  auto events = ReadEvents(*watch.watch, 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "DELETED");
  EXPECT_EQ(events[1]["type"], "ADDED");
}

TEST_F(KtsApiServerTest, ClosingWatchesEndsTheStream) {
  InstallCrd();
  Reply watch = Call("GET", std::string(kMd) + "?watch=true");
  ASSERT_TRUE(watch.watch);
  EXPECT_EQ(Call("GET", "/admin/watches").body["open"], 1);
  EXPECT_EQ(Call("POST", "/admin/watches/close").body["closed"], 1);
  std::optional<std::string> line = std::string();
  for (int i = 0; i < 100 && line && line->empty(); ++i) {
    line = watch.watch->Next(std::chrono::milliseconds(100));
  }
  EXPECT_FALSE(line.has_value());
}

TEST_F(KtsApiServerTest, FinalizersDelayDeletion) {
  InstallCrd();
  json md = MailDomain("a", "a.test");
  md["metadata"]["finalizers"] = {"mailops.dev/cleanup"};
  ASSERT_EQ(Call("POST", kMd, md).code, 201);
  Reply deleting = Call("DELETE", std::string(kMd) + "/a");
  EXPECT_EQ(deleting.code, 200);
  EXPECT_TRUE(deleting.body["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(Call("GET", std::string(kMd) + "/a").code, 200);
  Reply done = Call("PATCH", std::string(kMd) + "/a", {{"metadata", {{"finalizers", nullptr}}}},
                    kMdStatusPatch);
  EXPECT_EQ(done.code, 200);
  EXPECT_EQ(Call("GET", std::string(kMd) + "/a").code, 404);
}

TEST_F(KtsApiServerTest, DeletingTheCrdRemovesTheResource) {
  InstallCrd();
  CreateMd("a");
  EXPECT_EQ(Call("GET", "/apis/mailops.dev/v1alpha1").code, 200);
  Reply deleted = Call("DELETE",
                       "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
                       "maildomains.mailops.dev");
  EXPECT_EQ(deleted.code, 200);
  EXPECT_EQ(Call("GET", "/apis/mailops.dev/v1alpha1").code, 404);
  EXPECT_EQ(Call("GET", kMd).code, 404);
  InstallCrd();
  EXPECT_EQ(Call("GET", kMd).body["items"].size(), 0u);
}

TEST_F(KtsApiServerTest, DeletingTheCrdEndsItsWatches) {
  InstallCrd();
  CreateMd("a");
  Reply watch = Call("GET", std::string(kMd) + "?watch=true");
  ASSERT_TRUE(watch.watch);
  ASSERT_EQ(ReadEvents(*watch.watch, 1).size(), 1u);
  ASSERT_EQ(Call("DELETE",
                 "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/maildomains.mailops.dev")
                .code,
            200);
  auto rest = ReadEvents(*watch.watch, 5);  // the DELETED of "a", then the end of the stream
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0]["type"], "DELETED");
  EXPECT_FALSE(watch.watch->Next(std::chrono::milliseconds(100)).has_value());
}

TEST_F(KtsApiServerTest, ConcurrentWritersAreSeenInResourceVersionOrder) {
  Reply watch = Call("GET", "/api/v1/namespaces/default/configmaps?watch=true");
  ASSERT_TRUE(watch.watch);
  constexpr int kThreads = 4, kEach = 50;
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([this, t] {
      for (int i = 0; i < kEach; ++i) {
        ApiRequest request;
        request.method = "POST";
        request.target = "/api/v1/namespaces/default/configmaps";
        request.headers["content-type"] = "application/json";
        request.body =
            json{{"metadata", {{"name", "c" + std::to_string(t) + "-" + std::to_string(i)}}}}
                .dump();
        EXPECT_EQ(server_.Handle(request).response.code, 201);
      }
    });
  }
  for (auto& w : writers) w.join();
  auto events = ReadEvents(*watch.watch, kThreads * kEach);
  ASSERT_EQ(events.size(), static_cast<size_t>(kThreads * kEach));
  long last = 0;
  std::set<std::string> names;
  for (const json& e : events) {
    EXPECT_EQ(e["type"], "ADDED");
    long rv = std::stol(e["object"]["metadata"]["resourceVersion"].get<std::string>());
    EXPECT_GT(rv, last);
    last = rv;
    names.insert(e["object"]["metadata"]["name"].get<std::string>());
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(kThreads * kEach));
}

TEST_F(KtsApiServerTest, EventsAreOneStoreWithTwoViews) {
  InstallCrd();
  json md = CreateMd("a");
  json event = {{"apiVersion", "events.k8s.io/v1"},
                {"kind", "Event"},
                {"metadata", {{"name", "a.1"}}},
                {"eventTime", "2026-11-27T10:00:00.000000Z"},
                {"reportingController", "mailops.dev/maildomain-operator"},
                {"reportingInstance", "op-1"},
                {"action", "Check"},
                {"reason", "SPFMissing"},
                {"type", "Warning"},
                {"note", "no SPF record"},
                {"regarding",
                 {{"apiVersion", "mailops.dev/v1alpha1"},
                  {"kind", "MailDomain"},
                  {"name", "a"},
                  {"namespace", "default"},
                  {"uid", md["metadata"]["uid"]}}}};
  ASSERT_EQ(Call("POST", "/apis/events.k8s.io/v1/namespaces/default/events", event).code, 201);
  std::string uid = md["metadata"]["uid"];
  Reply core = Call("GET",
                    "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Da%2C"
                    "involvedObject.kind%3DMailDomain%2CinvolvedObject.uid%3D" +
                        uid);
  ASSERT_EQ(core.code, 200) << core.body.dump();
  ASSERT_EQ(core.body["items"].size(), 1u);
  const json& item = core.body["items"][0];
  EXPECT_EQ(item["apiVersion"], "v1");
  EXPECT_EQ(item["message"], "no SPF record");
  EXPECT_EQ(item["involvedObject"]["uid"], uid);
  EXPECT_EQ(item["reportingComponent"], "mailops.dev/maildomain-operator");
  Reply v1 = Call("GET", "/apis/events.k8s.io/v1/namespaces/default/events/a.1");
  EXPECT_EQ(v1.body["note"], "no SPF record");
  EXPECT_EQ(v1.body["regarding"]["name"], "a");
  // A series update through merge patch, as a recorder does.
  Reply patched =
      Call("PATCH", "/apis/events.k8s.io/v1/namespaces/default/events/a.1",
           {{"series", {{"count", 2}, {"lastObservedTime", "2026-11-27T10:05:00.000000Z"}}}},
           kMdStatusPatch);
  EXPECT_EQ(patched.code, 200);
  EXPECT_EQ(patched.body["series"]["count"], 2);
}

TEST_F(KtsApiServerTest, EventsK8sIoCreatesAreValidated) {
  json event = {{"apiVersion", "events.k8s.io/v1"},
                {"kind", "Event"},
                {"metadata", {{"name", "e.1"}}},
                {"reason", "Checked"},
                {"type", "Info"},
                {"regarding", {{"kind", "MailDomain"}, {"name", "a"}, {"namespace", "default"}}}};
  Reply r = Call("POST", "/apis/events.k8s.io/v1/namespaces/default/events", event);
  EXPECT_EQ(r.code, 422);
  std::string message = r.body["message"];
  EXPECT_THAT(message, HasSubstr("Event.events.k8s.io \"e.1\" is invalid: ["));
  EXPECT_THAT(message, HasSubstr("eventTime: Required value"));
  EXPECT_THAT(message, HasSubstr("reportingController: Required value"));
  EXPECT_THAT(message, HasSubstr("type: Unsupported value: \"Info\""));
  // The core/v1 path is not held to those rules (client-go's old recorder).
  json core = {{"metadata", {{"name", "e.2"}}}, {"reason", "Checked"}, {"message", "m"}};
  EXPECT_EQ(Call("POST", "/api/v1/namespaces/default/events", core).code, 201);
}

TEST_F(KtsApiServerTest, DelayFaultsServeNormallyAndAreConsumed) {
  ASSERT_EQ(Call("POST", "/admin/faults", {{"verb", "list"}, {"delayMs", 50}}).code, 200);
  EXPECT_EQ(Call("GET", "/admin/faults").body["faults"].size(), 1u);
  EXPECT_EQ(Call("GET", "/api/v1/namespaces").code, 200);
  EXPECT_EQ(Call("GET", "/admin/faults").body["faults"].size(), 0u);
  EXPECT_EQ(Call("POST", "/admin/faults", {{"verb", "list"}}).code, 400);  // neither code nor delay
}

TEST_F(KtsApiServerTest, TablesRenderPrinterColumns) {
  InstallCrd();
  CreateMd("a");
  Call("PATCH", std::string(kMd) + "/a/status",
       {{"status",
         {{"spf", {{"status", "pass"}}},
          {"blacklists", {{"status", "pass"}, {"listingCount", 0}}},
          {"conditions",
           {{{"type", "Ready"},
             {"status", "True"},
             {"reason", "Valid"},
             {"message", ""},
             {"lastTransitionTime", "2026-11-27T10:00:00Z"}}}}}}},
       kMdStatusPatch);
  Reply table = Call("GET", kMd, nullptr, "application/json",
                     "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
  ASSERT_EQ(table.code, 200);
  EXPECT_EQ(table.body["kind"], "Table");
  std::vector<std::string> columns;
  for (const json& c : table.body["columnDefinitions"]) columns.push_back(c["name"]);
  EXPECT_EQ(columns, (std::vector<std::string>{"Name", "Domain", "SPF", "DKIM", "DMARC", "MX",
                                               "RDNS", "Blacklisted", "Ready", "Age"}));
  const json& cells = table.body["rows"][0]["cells"];
  EXPECT_EQ(cells[0], "a");
  EXPECT_EQ(cells[1], "a.test");
  EXPECT_EQ(cells[2], "pass");
  EXPECT_TRUE(cells[3].is_null());
  EXPECT_EQ(cells[7], 0);
  EXPECT_EQ(cells[8], "True");
  EXPECT_THAT(cells[9].get<std::string>(), ::testing::EndsWith("s"));
  EXPECT_EQ(table.body["rows"][0]["object"]["kind"], "PartialObjectMetadata");
}

TEST_F(KtsApiServerTest, ServerSideApplyCreatesUpdatesAndDropsFields) {
  InstallCrd();
  std::string url = std::string(kMd) + "/a?fieldManager=op";
  json applied = MailDomain("a", "a.test");
  applied["spec"]["senders"] = {"192.0.2.1"};
  Reply created = Call("PATCH", url, applied, "application/apply-patch+yaml");
  EXPECT_EQ(created.code, 201) << created.body.dump();
  applied["spec"].erase("senders");
  applied["spec"]["suspend"] = true;
  Reply updated = Call("PATCH", url, applied, "application/apply-patch+yaml");
  EXPECT_EQ(updated.code, 200);
  EXPECT_FALSE(updated.body["spec"].contains("senders"));
  EXPECT_EQ(updated.body["spec"]["suspend"], true);
  EXPECT_EQ(updated.body["metadata"]["generation"], 2);
  // YAML bodies are accepted too; strategic merge is not, for custom resources.
  ApiRequest yaml;
  yaml.method = "PATCH";
  yaml.target = url;
  yaml.headers["content-type"] = "application/apply-patch+yaml";
  yaml.body =
      "apiVersion: mailops.dev/v1alpha1\nkind: MailDomain\nmetadata:\n  name: a\n"
      "spec:\n  domain: a.test\n  suspend: false\n";
  ApiResult yaml_result = server_.Handle(yaml);
  EXPECT_EQ(yaml_result.response.code, 200) << yaml_result.response.body;
  EXPECT_EQ(Call("PATCH", std::string(kMd) + "/a", {{"spec", json::object()}},
                 "application/strategic-merge-patch+json")
                .code,
            415);
}

TEST_F(KtsApiServerTest, NamespacesScopeAndCascade) {
  InstallCrd();
  EXPECT_EQ(
      Call("POST", "/api/v1/namespaces/nowhere/configmaps", {{"metadata", {{"name", "c"}}}}).code,
      404);
  ASSERT_EQ(Call("POST", "/api/v1/namespaces", {{"metadata", {{"name", "mail"}}}}).code, 201);
  ASSERT_EQ(Call("POST", "/apis/mailops.dev/v1alpha1/namespaces/mail/maildomains",
                 MailDomain("x", "x.test"))
                .code,
            201);
  CreateMd("y");
  EXPECT_EQ(Call("GET", "/apis/mailops.dev/v1alpha1/maildomains").body["items"].size(), 2u);
  ASSERT_EQ(Call("DELETE", "/api/v1/namespaces/mail").code, 200);
  EXPECT_EQ(Call("GET", "/apis/mailops.dev/v1alpha1/maildomains").body["items"].size(), 1u);
  Reply bad_name = Call("POST", kMd, MailDomain("Not_Valid", "x.test"));
  EXPECT_EQ(bad_name.code, 422);
  EXPECT_THAT(bad_name.body["message"].get<std::string>(),
              HasSubstr("metadata.name: Invalid value"));
}

TEST_F(KtsApiServerTest, FaultsFailTheNextMatchingRequests) {
  InstallCrd();
  CreateMd("a");
  Reply added = Call("POST", "/admin/faults",
                     {{"verb", "patch"},
                      {"subresource", "status"},
                      {"code", 429},
                      {"count", 2},
                      {"retryAfterSeconds", 3}});
  ASSERT_EQ(added.code, 200);
  std::string url = std::string(kMd) + "/a/status";
  json patch = {{"status", {{"observedGeneration", 1}}}};
  Reply get = Call("GET", std::string(kMd) + "/a");  // not matching: served
  EXPECT_EQ(get.code, 200);
  for (int i = 0; i < 2; ++i) {
    Reply r = Call("PATCH", url, patch, kMdStatusPatch);
    EXPECT_EQ(r.code, 429);
    EXPECT_EQ(r.body["reason"], "TooManyRequests");
    EXPECT_EQ(r.body["details"]["retryAfterSeconds"], 3);
    ASSERT_FALSE(r.headers.empty());
    EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"Retry-After", "3"}));
  }
  EXPECT_EQ(Call("PATCH", url, patch, kMdStatusPatch).code, 200);
  ASSERT_EQ(Call("POST", "/admin/faults", {{"verb", "watch"}, {"code", 410}}).code, 200);
  Reply watch = Call("GET", std::string(kMd) + "?watch=true");
  EXPECT_FALSE(watch.watch);
  EXPECT_EQ(watch.body["type"], "ERROR");
  EXPECT_EQ(watch.body["object"]["code"], 410);
  EXPECT_EQ(Call("POST", "/admin/faults", {{"code", 200}}).code, 400);
}

TEST_F(KtsApiServerTest, RequestsAreCountedByVerb) {
  InstallCrd();
  ASSERT_EQ(Call("DELETE", "/admin/requests").code, 200);
  CreateMd("a");
  Call("GET", std::string(kMd) + "/a");
  Call("GET", kMd);
  Call("PATCH", std::string(kMd) + "/a/status", {{"status", {{"observedGeneration", 1}}}},
       kMdStatusPatch);
  Reply all = Call("GET", "/admin/requests");
  EXPECT_EQ(all.body["total"], 4);
  EXPECT_EQ(all.body["byVerb"], json({{"create", 1}, {"get", 1}, {"list", 1}, {"patch", 1}}));
  Reply status = Call("GET", "/admin/requests?verb=patch&subresource=status");
  EXPECT_EQ(status.body["total"], 1);
  EXPECT_EQ(status.body["requests"][0]["name"], "a");
  EXPECT_EQ(status.body["requests"][0]["code"], 200);
}

TEST_F(KtsApiServerTest, RestartWithoutStateForgetsEverything) {
  InstallCrd();
  json a = CreateMd("a");
  Reply watch = Call("GET", std::string(kMd) + "?watch=true");
  ASSERT_TRUE(watch.watch);
  Reply restart = Call("POST", "/admin/restart", {{"keepState", false}});
  EXPECT_EQ(restart.code, 200);
  EXPECT_EQ(Call("GET", "/apis/mailops.dev/v1alpha1").code, 404);
  EXPECT_EQ(Call("GET", "/api/v1/namespaces/default").code, 200);
  Reply resume = Call("GET", "/api/v1/namespaces?watch=true&resourceVersion=" +
                                 a["metadata"]["resourceVersion"].get<std::string>());
  EXPECT_EQ(resume.body["object"]["code"], 410);
}

TEST_F(KtsApiServerTest, ClientCertificateOrTokenAuthenticates) {
  ServerOptions options;
  options.token = "s3cret";
  options.client_cert_auth = true;
  ApiServer secured(options);
  ApiRequest request;
  request.method = "GET";
  request.target = "/api/v1/namespaces";
  EXPECT_EQ(secured.Handle(request).response.code, 401);
  request.client_cert_user = "alice";  // the HTTP layer verified her certificate
  request.tls_server_name = "api.cluster.test";
  EXPECT_EQ(secured.Handle(request).response.code, 200);
  request.client_cert_user.clear();
  request.headers["authorization"] = "Bearer s3cret";
  EXPECT_EQ(secured.Handle(request).response.code, 200);
  request.target = "/admin/requests?user=alice";
  request.headers.clear();
  json log = json::parse(secured.Handle(request).response.body);
  ASSERT_EQ(log["total"], 1);
  EXPECT_EQ(log["requests"][0]["code"], 200);
  EXPECT_EQ(log["requests"][0]["serverName"], "api.cluster.test");
}

TEST_F(KtsApiServerTest, TokenIsRequiredWhenConfigured) {
  ApiServer secured(ServerOptions{"s3cret", 100, 60});
  ApiRequest request;
  request.method = "GET";
  request.target = "/api/v1/namespaces";
  EXPECT_EQ(secured.Handle(request).response.code, 401);
  request.headers["authorization"] = "Bearer wrong";
  EXPECT_EQ(secured.Handle(request).response.code, 401);
  request.headers["authorization"] = "Bearer s3cret";
  EXPECT_EQ(secured.Handle(request).response.code, 200);
  request.target = "/admin/requests";
  request.headers.clear();
  EXPECT_EQ(secured.Handle(request).response.code, 200);
}

TEST_F(KtsApiServerTest, DiscoveryListsBuiltinsAndCrds) {
  Reply groups = Call("GET", "/apis");
  std::vector<std::string> names;
  for (const json& g : groups.body["groups"]) names.push_back(g["name"]);
  EXPECT_THAT(names, ::testing::Contains("coordination.k8s.io"));
  EXPECT_THAT(names, ::testing::Not(::testing::Contains("mailops.dev")));
  InstallCrd();
  Reply gv = Call("GET", "/apis/mailops.dev/v1alpha1");
  ASSERT_EQ(gv.code, 200);
  EXPECT_EQ(gv.body["resources"][0]["name"], "maildomains");
  EXPECT_EQ(gv.body["resources"][0]["shortNames"], json({"md"}));
  EXPECT_EQ(gv.body["resources"][0]["categories"], json({"mail"}));
  EXPECT_EQ(gv.body["resources"][1]["name"], "maildomains/status");
  Reply openapi = Call("GET", "/openapi/v3");
  EXPECT_TRUE(openapi.body["paths"].contains("apis/mailops.dev/v1alpha1"));
  Reply crd = Call(
      "GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/maildomains.mailops.dev");
  EXPECT_EQ(crd.body["status"]["conditions"][1]["type"], "Established");
  EXPECT_EQ(crd.body["status"]["conditions"][1]["status"], "True");
}

}  // namespace
}  // namespace mdo::testserver
