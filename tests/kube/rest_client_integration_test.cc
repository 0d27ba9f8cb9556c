// The REST client, informer, leader election and event recorder against kube-testserver over
// HTTPS with a bearer token.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/leader_election.h"
#include "kube/rest_api_client.h"
#include "kube_testserver.h"

namespace mdo::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::KubeTestServer;

constexpr char kToken[] = "s3cret-token";

template <typename F>
bool Eventually(F condition, std::chrono::seconds deadline = std::chrono::seconds(60)) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return condition();
}

Json ConfigMap(const std::string& name, Json data = Json::object()) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"labels", {{"test", "kube"}}}}},
          {"data", std::move(data)}};
}

const ResourceType kDeployments{"apps", "v1", "deployments", true, "Deployment"};

class KubeIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(kToken); }

  void StartServer(const std::string& token) {
    auto server = KubeTestServer::Start(token);
    ASSERT_TRUE(server.ok()) << server.error().message;
    server_ = std::move(*server);
    auto config = LoadKubeconfigFiles({server_->kubeconfig()});
    ASSERT_TRUE(config.ok()) << config.error().message;
    config_ = *config;
    api_ = NewClient(config_);
  }

  std::unique_ptr<ApiClient> NewClient(const ClientConfig& config) {
    RestClientOptions options;
    options.retry_initial = milliseconds(50);
    auto api = NewRestApiClient(config, options);
    EXPECT_TRUE(api.ok()) << api.error().message;
    return api.ok() ? std::move(*api) : nullptr;
  }

  void Fault(Json fault) {
    auto r = server_->Admin("POST", "/admin/faults", fault);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  std::unique_ptr<KubeTestServer> server_;
  ClientConfig config_;
  std::unique_ptr<ApiClient> api_;
};

TEST_F(KubeIntegrationTest, EveryVerbOnConfigMaps) {
  auto created = api_->Create(resources::kConfigMaps, "default", ConfigMap("one", {{"a", "1"}}));
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  EXPECT_FALSE(MetaString(*created, "resourceVersion").empty());

  auto again = api_->Create(resources::kConfigMaps, "default", ConfigMap("one"));
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(again.error().IsAlreadyExists()) << again.error().ToString();

  auto got = api_->Get(resources::kConfigMaps, "default", "one");
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ((*got)["data"]["a"], "1");

  Json changed = *got;
  changed["data"]["a"] = "2";
  auto updated = api_->Update(resources::kConfigMaps, "default", changed);
  ASSERT_TRUE(updated.ok()) << updated.error().ToString();
  EXPECT_EQ((*updated)["data"]["a"], "2");

  // The same update again carries the now stale resourceVersion: 409 Conflict.
  auto stale = api_->Update(resources::kConfigMaps, "default", changed);
  ASSERT_FALSE(stale.ok());
  EXPECT_TRUE(stale.error().IsConflict()) << stale.error().ToString();
  EXPECT_EQ(stale.error().code, 409);

  auto merged = api_->Patch(resources::kConfigMaps, "default", "one", PatchType::kMerge,
                            {{"data", {{"b", "2"}}}});
  ASSERT_TRUE(merged.ok()) << merged.error().ToString();
  EXPECT_EQ((*merged)["data"]["b"], "2");

  auto json_patched = api_->Patch(resources::kConfigMaps, "default", "one", PatchType::kJson,
                                  Json::parse(R"([{"op":"add","path":"/data/c","value":"3"}])"));
  ASSERT_TRUE(json_patched.ok()) << json_patched.error().ToString();
  EXPECT_EQ((*json_patched)["data"]["c"], "3");

  WriteOptions apply;
  apply.field_manager = "kube-tests";
  apply.force = true;
  auto applied = api_->Patch(resources::kConfigMaps, "default", "one", PatchType::kApply,
                             ConfigMap("one", {{"d", "4"}}), apply);
  ASSERT_TRUE(applied.ok()) << applied.error().ToString();
  EXPECT_EQ((*applied)["data"]["d"], "4");

  auto list = api_->List(resources::kConfigMaps, "default");
  ASSERT_TRUE(list.ok()) << list.error().ToString();
  ASSERT_EQ((*list)["items"].size(), 1u);

  auto deleted = api_->Delete(resources::kConfigMaps, "default", "one");
  ASSERT_TRUE(deleted.ok()) << deleted.error().ToString();
  auto gone = api_->Get(resources::kConfigMaps, "default", "one");
  ASSERT_FALSE(gone.ok());
  EXPECT_TRUE(gone.error().IsNotFound());
  EXPECT_EQ(gone.error().reason, "NotFound");
}

TEST_F(KubeIntegrationTest, StatusSubresource) {
  Json deployment = {{"apiVersion", "apps/v1"},
                     {"kind", "Deployment"},
                     {"metadata", {{"name", "web"}}},
                     {"spec", {{"replicas", 1}}}};
  ASSERT_TRUE(api_->Create(kDeployments, "default", deployment).ok());
  auto patched =
      api_->PatchStatus(kDeployments, "default", "web", PatchType::kMerge,
                        {{"status", {{"readyReplicas", 1}}}, {"spec", {{"replicas", 9}}}});
  ASSERT_TRUE(patched.ok()) << patched.error().ToString();
  EXPECT_EQ((*patched)["status"]["readyReplicas"], 1);
  EXPECT_EQ((*patched)["spec"]["replicas"], 1);  // /status ignores spec

  Json with_status = *patched;
  with_status["status"]["readyReplicas"] = 2;
  auto updated = api_->UpdateStatus(kDeployments, "default", with_status);
  ASSERT_TRUE(updated.ok()) << updated.error().ToString();
  auto status = api_->Get(kDeployments, "default", "web", "status");
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ((*status)["status"]["readyReplicas"], 2);
}

TEST_F(KubeIntegrationTest, WatchDeliversEventsFromAResourceVersion) {
  auto list = api_->List(resources::kConfigMaps, "default");
  ASSERT_TRUE(list.ok());
  ListOptions options;
  options.resource_version = MetaString(*list, "resourceVersion");
  options.timeout_seconds = 60;
  auto watch = api_->Watch(resources::kConfigMaps, "default", options);
  ASSERT_TRUE(watch.ok()) << watch.error().ToString();
  ASSERT_TRUE(api_->Create(resources::kConfigMaps, "default", ConfigMap("w")).ok());
  ASSERT_TRUE(api_->Delete(resources::kConfigMaps, "default", "w").ok());
  auto first = (*watch)->Next();
  ASSERT_TRUE(first.ok() && first->has_value()) << (first.ok() ? "end" : first.error().ToString());
  EXPECT_EQ((*first)->type, WatchEvent::Type::kAdded);
  EXPECT_EQ(MetaString((*first)->object, "name"), "w");
  auto second = (*watch)->Next();
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->type, WatchEvent::Type::kDeleted);
  // Cancel from another thread unblocks a waiting Next().
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(50));
    (*watch)->Cancel();
  });
  auto third = (*watch)->Next();
  canceller.join();
  EXPECT_FALSE(third.ok());
}

TEST_F(KubeIntegrationTest, Pagination) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(
        api_->Create(resources::kConfigMaps, "default", ConfigMap("page-" + std::to_string(i)))
            .ok());
  }
  ListOptions options;
  options.limit = 3;
  options.label_selector = "test=kube";
  auto page = api_->List(resources::kConfigMaps, "default", options);
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  EXPECT_EQ((*page)["items"].size(), 3u);
  EXPECT_FALSE(MetaString(*page, "continue").empty());

  ASSERT_TRUE(server_->Admin("DELETE", "/admin/requests").ok());
  ListOptions all_options;
  all_options.label_selector = "test=kube";
  auto all = api_->ListAll(resources::kConfigMaps, "default", all_options, 3);
  ASSERT_TRUE(all.ok()) << all.error().ToString();
  std::set<std::string> names;
  for (const auto& item : (*all)["items"]) names.insert(MetaString(item, "name"));
  EXPECT_EQ(names.size(), 7u);
  EXPECT_FALSE(MetaString(*all, "resourceVersion").empty());
  EXPECT_EQ(server_->CountRequests("verb=list"), 3);  // 3 + 3 + 1
}

TEST_F(KubeIntegrationTest, TooManyRequestsAndServerErrorsAreRetried) {
  ASSERT_TRUE(api_->Create(resources::kConfigMaps, "default", ConfigMap("r")).ok());
  ASSERT_TRUE(server_->Admin("DELETE", "/admin/requests").ok());
  Fault({{"verb", "get"},
         {"resource", "configmaps"},
         {"code", 429},
         {"retryAfterSeconds", 1},
         {"count", 2}});
  auto got = api_->Get(resources::kConfigMaps, "default", "r");
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ(server_->CountRequests("verb=get&resource=configmaps"), 3);

  Fault({{"verb", "get"}, {"resource", "configmaps"}, {"code", 503}, {"count", 1}});
  Fault({{"verb", "get"}, {"resource", "configmaps"}, {"code", 500}, {"count", 1}});
  got = api_->Get(resources::kConfigMaps, "default", "r");
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ(server_->CountRequests("verb=get&resource=configmaps"), 6);

  // A create is not idempotent: a 500 is returned, not retried; a 429 is retried.
  Fault({{"verb", "create"}, {"code", 500}, {"count", 1}});
  auto failed = api_->Create(resources::kConfigMaps, "default", ConfigMap("s"));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, 500);
  EXPECT_EQ(server_->CountRequests("verb=create"), 1);
  Fault({{"verb", "create"}, {"code", 429}, {"retryAfterSeconds", 1}, {"count", 1}});
  ASSERT_TRUE(api_->Create(resources::kConfigMaps, "default", ConfigMap("s")).ok());
  EXPECT_EQ(server_->CountRequests("verb=create"), 3);

  // An injected conflict surfaces as one.
  Fault({{"verb", "patch"}, {"code", 409}, {"count", 1}});
  auto conflict = api_->Patch(resources::kConfigMaps, "default", "s", PatchType::kMerge,
                              {{"data", {{"x", "y"}}}});
  ASSERT_FALSE(conflict.ok());
  EXPECT_TRUE(conflict.error().IsConflict());
}

TEST_F(KubeIntegrationTest, WrongTokenIsUnauthorizedAndRotatedTokenFileIsPickedUp) {
  auto token_file = server_->dir().WriteFile("token", "old-token\n");
  ClientConfig config = config_;
  config.token.clear();
  config.token_file = token_file;
  auto api = NewClient(config);
  auto denied = api->Get(resources::kConfigMaps, "default", "x");
  ASSERT_FALSE(denied.ok());
  EXPECT_TRUE(denied.error().IsUnauthorized()) << denied.error().ToString();

  server_->dir().WriteFile("token", kToken);  // the kubelet rotates the token
  auto allowed = api->List(resources::kConfigMaps, "default");
  EXPECT_TRUE(allowed.ok()) << allowed.error().ToString();  // no restart, no new client
}

TEST_F(KubeIntegrationTest, BadCaIsAConfigErrorAndWrongCaFailsTheHandshake) {
  ClientConfig config = config_;
  config.ca_pem = "not a certificate";
  auto api = NewRestApiClient(config);
  ASSERT_FALSE(api.ok());
  EXPECT_NE(api.error().message.find("certificate-authority"), std::string::npos);

  config.ca_pem.clear();  // the system store does not trust the test CA
  RestClientOptions options;
  options.max_retries = 0;
  auto untrusting = NewRestApiClient(config, options);
  ASSERT_TRUE(untrusting.ok());
  auto got = (*untrusting)->List(resources::kConfigMaps, "default");
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.error().IsTransport()) << got.error().ToString();
}

class ExecPluginIntegrationTest : public KubeIntegrationTest {
 protected:
  // The plugin's first answer is "exec-token-1": make that the server's token.
  void SetUp() override { StartServer("exec-token-1"); }
};

TEST_F(ExecPluginIntegrationTest, PluginTokenIsUsedAndCached) {
  auto counter = server_->dir().path() / "exec-count";
  std::string yaml =
      R"(
current-context: c
clusters: [{name: k, cluster: {server: ")" +
      server_->url() + R"(", certificate-authority: ")" + server_->ca_file().string() + R"("}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ")" +
      (mdo::testing::SourceDir() / "tests/kube/testdata/exec-credential-plugin.sh").string() +
      R"("
      env: [{name: COUNTER_FILE, value: ")" +
      counter.string() + R"("}]
)";
  auto config = ParseKubeconfig(yaml, server_->dir().path());
  ASSERT_TRUE(config.ok()) << config.error().message;
  auto api = NewClient(*config);
  for (int i = 0; i < 3; ++i) {
    auto list = api->List(resources::kConfigMaps, "default");
    ASSERT_TRUE(list.ok()) << list.error().ToString();
  }
  EXPECT_EQ(mdo::testing::ReadFileOrEmpty(counter), "1\n");  // ran once, then cached
}

// What informer handlers saw, by kind of call.
struct Seen {
  std::mutex mutex;
  std::multiset<std::string> adds, updates, deletes;
  InformerHandlers Handlers() {
    return {[this](const Json& o) { Put(adds, o); },
            [this](const Json&, const Json& n) { Put(updates, n); },
            [this](const Json& o) { Put(deletes, o); }};
  }
  void Put(std::multiset<std::string>& into, const Json& o) {
    std::lock_guard lock(mutex);
    into.insert(MetaString(o, "name"));
  }
  std::multiset<std::string> Adds() {
    std::lock_guard lock(mutex);
    return adds;
  }
};

int OpenWatches(KubeTestServer& server) {
  auto r = server.Admin("GET", "/admin/watches");
  return r.ok() ? (*r)["open"].get<int>() : -1;
}

TEST_F(KubeIntegrationTest, InformerSurvivesDroppedConnectionWithoutMissingOrRepeating) {
  ASSERT_TRUE(api_->Create(resources::kConfigMaps, "default", ConfigMap("a")).ok());
  ASSERT_TRUE(api_->Create(resources::kConfigMaps, "default", ConfigMap("b")).ok());
  Seen seen;
  InformerOptions options;
  options.namespace_name = "default";
  options.backoff.initial = milliseconds(50);
  Informer informer(*api_, resources::kConfigMaps, options);
  informer.AddHandlers(seen.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(milliseconds(60000)));
  ASSERT_TRUE(Eventually([&] { return OpenWatches(*server_) == 1; }));
  ASSERT_TRUE(api_->Create(resources::kConfigMaps, "default", ConfigMap("c")).ok());
  ASSERT_TRUE(Eventually([&] { return informer.Get("default/c").has_value(); }));

  // The server drops every connection; changes made while the informer is away must arrive.
  ASSERT_TRUE(server_->Admin("POST", "/admin/restart", {{"keepState", true}}).ok());
  auto d = api_->Create(resources::kConfigMaps, "default", ConfigMap("d"));
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  ASSERT_TRUE(api_->Patch(resources::kConfigMaps, "default", "a", PatchType::kMerge,
                          {{"data", {{"k", "v"}}}})
                  .ok());
  ASSERT_TRUE(api_->Delete(resources::kConfigMaps, "default", "b").ok());
  ASSERT_TRUE(Eventually([&] {
    auto a = informer.Get("default/a");
    return informer.Get("default/d").has_value() && !informer.Get("default/b").has_value() && a &&
           (*a)["data"].contains("k");
  }));
  // And a clean end of the watch (the server's timeoutSeconds) resumes too.
  ASSERT_TRUE(Eventually([&] { return OpenWatches(*server_) == 1; }));
  ASSERT_TRUE(server_->Admin("POST", "/admin/watches/close").ok());
  ASSERT_TRUE(api_->Create(resources::kConfigMaps, "default", ConfigMap("e")).ok());
  ASSERT_TRUE(Eventually([&] { return informer.Get("default/e").has_value(); }));
  informer.Stop();

  EXPECT_EQ(seen.Adds(), (std::multiset<std::string>{"a", "b", "c", "d", "e"}));
  std::lock_guard lock(seen.mutex);
  EXPECT_EQ(seen.updates, (std::multiset<std::string>{"a"}));
  EXPECT_EQ(seen.deletes, (std::multiset<std::string>{"b"}));
  EXPECT_EQ(informer.lists(), 1u);  // resumed from the last version, never relisted
  EXPECT_GE(informer.watches(), 3u);
}

TEST_F(KubeIntegrationTest, InformerRelistsOnGone) {
  ASSERT_TRUE(api_->Create(resources::kConfigMaps, "default", ConfigMap("a")).ok());
  Seen seen;
  InformerOptions options;
  options.namespace_name = "default";
  options.backoff.initial = milliseconds(50);
  Informer informer(*api_, resources::kConfigMaps, options);
  informer.AddHandlers(seen.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(milliseconds(60000)));
  ASSERT_TRUE(Eventually([&] { return OpenWatches(*server_) == 1; }));

  // The history is compacted and the watch ends: re-watching from the old version gets 410.
  ASSERT_TRUE(api_->Create(resources::kConfigMaps, "default", ConfigMap("b")).ok());
  ASSERT_TRUE(Eventually([&] { return informer.Get("default/b").has_value(); }));
  informer.Stop();
  std::string old_rv = informer.LastResourceVersion();

  Informer second(*api_, resources::kConfigMaps, options);  // fresh, to show the 410 path
  second.AddHandlers(seen.Handlers());
  Fault({{"verb", "watch"}, {"resource", "configmaps"}, {"code", 410}, {"count", 1}});
  second.Start();
  ASSERT_TRUE(second.WaitForSync(milliseconds(60000)));
  ASSERT_TRUE(Eventually([&] { return second.lists() == 2 && OpenWatches(*server_) == 1; }));
  ASSERT_TRUE(api_->Create(resources::kConfigMaps, "default", ConfigMap("c")).ok());
  ASSERT_TRUE(Eventually([&] { return second.Get("default/c").has_value(); }));
  EXPECT_EQ(second.Size(), 3u);

  // Compaction: a watch from a version older than the history gets 410 as well.
  auto compacted = server_->Admin("POST", "/admin/compact");
  ASSERT_TRUE(compacted.ok()) << compacted.error().message;
  ListOptions watch_options;
  watch_options.resource_version = old_rv;
  auto watch = api_->Watch(resources::kConfigMaps, "default", watch_options);
  if (watch.ok()) {
    auto event = (*watch)->Next();
    ASSERT_TRUE(event.ok() && event->has_value());
    EXPECT_EQ((*event)->type, WatchEvent::Type::kError);
    EXPECT_TRUE(ErrorFromStatus((*event)->object).IsGone());
  } else {
    EXPECT_TRUE(watch.error().IsGone()) << watch.error().ToString();
  }
}

LeaderElectionConfig FastElection(const std::string& id) {
  LeaderElectionConfig c;
  c.identity = id;
  c.lease_duration = seconds(3);
  c.renew_deadline = seconds(2);
  c.retry_period = milliseconds(200);
  return c;
}

int Leaders(const std::vector<LeaderElector*>& electors) {
  int n = 0;
  for (auto* e : electors) n += e->IsLeader() ? 1 : 0;
  return n;
}

TEST_F(KubeIntegrationTest, TwoElectorsExactlyOneLeadsAndHandsOverWhenKilled) {
  ApiLeaseClient lease_a(*api_, "default", "mdo-leader");
  ApiLeaseClient lease_b(*api_, "default", "mdo-leader");
  auto a = std::make_unique<LeaderElector>(FastElection("a"), lease_a);
  auto b = std::make_unique<LeaderElector>(FastElection("b"), lease_b);
  a->Start();
  b->Start();
  ASSERT_TRUE(Eventually([&] { return Leaders({a.get(), b.get()}) == 1; }));
  for (int i = 0; i < 20; ++i) {  // and it stays one while both run
    EXPECT_LE(Leaders({a.get(), b.get()}), 1);
    std::this_thread::sleep_for(milliseconds(50));
  }
  LeaderElector* leader = a->IsLeader() ? a.get() : b.get();
  LeaderElector* standby = leader == a.get() ? b.get() : a.get();
  std::string standby_id = leader == a.get() ? "b" : "a";

  auto killed_at = std::chrono::steady_clock::now();
  leader->Abandon();  // dies without releasing
  ASSERT_TRUE(Eventually([&] { return standby->IsLeader(); }));
  auto handover = std::chrono::steady_clock::now() - killed_at;
  std::printf("handover after a crash: %.2f s (lease duration 3 s)\n",
              std::chrono::duration<double>(handover).count());
  auto lease = api_->Get(resources::kLeases, "default", "mdo-leader");
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ((*lease)["spec"]["holderIdentity"], standby_id);
  EXPECT_EQ((*lease)["spec"]["leaseTransitions"], 1);
  EXPECT_EQ((*lease)["spec"]["leaseDurationSeconds"], 3);
}

TEST_F(KubeIntegrationTest, GracefulStopHandsOverAtOnce) {
  ApiLeaseClient lease_a(*api_, "default", "mdo-leader");
  ApiLeaseClient lease_b(*api_, "default", "mdo-leader");
  LeaderElectionConfig slow_a = FastElection("a");
  LeaderElectionConfig slow_b = FastElection("b");
  // A long lease: only a release can hand over before the deadline below.
  slow_a.lease_duration = slow_b.lease_duration = seconds(600);
  slow_a.renew_deadline = slow_b.renew_deadline = seconds(10);
  LeaderElector a(slow_a, lease_a);
  a.Start();
  ASSERT_TRUE(Eventually([&] { return a.IsLeader(); }));
  LeaderElector b(slow_b, lease_b);
  b.Start();
  ASSERT_TRUE(Eventually([&] { return b.ObservedHolder() == "a"; }));
  a.Stop();
  EXPECT_FALSE(a.IsLeader());
  ASSERT_TRUE(Eventually([&] { return b.IsLeader(); }, seconds(60)));
  b.Stop();
  auto lease = api_->Get(resources::kLeases, "default", "mdo-leader");
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ((*lease)["spec"]["holderIdentity"], "");  // b released it too
  EXPECT_EQ((*lease)["spec"]["leaseDurationSeconds"], 1);
}

TEST_F(KubeIntegrationTest, EventsBecomeSeriesOnTheServer) {
  auto cm = api_->Create(resources::kConfigMaps, "default", ConfigMap("target"));
  ASSERT_TRUE(cm.ok());
  ApiEventSink sink(*api_);
  EventRecorderOptions options;
  options.reporting_instance = "operator-test";
  EventRecorder recorder(sink, options);
  ObjectReference ref = ObjectReference::FromObject(*cm);
  recorder.Event(ref, "Warning", "SPFMissing", "Check", "no SPF record at example.com");
  recorder.Event(ref, "Warning", "SPFMissing", "Check", "no SPF record at example.com");
  recorder.Event(ref, "Normal", "Checked", "Check", std::string(2000, 'n'));
  ASSERT_TRUE(recorder.WaitIdle(milliseconds(60000)));
  EXPECT_FALSE(sink.UsingCoreV1());
  EXPECT_EQ(recorder.failed(), 0u);

  auto events = api_->List(resources::kEvents, "default");
  ASSERT_TRUE(events.ok()) << events.error().ToString();
  ASSERT_EQ((*events)["items"].size(), 2u);
  for (const auto& e : (*events)["items"]) {
    EXPECT_EQ(e["regarding"]["name"], "target");
    EXPECT_EQ(e["regarding"]["uid"], MetaString(*cm, "uid"));
    EXPECT_EQ(e["reportingController"], "mailops.dev/maildomain-operator");
    if (e["reason"] == "SPFMissing") {
      EXPECT_EQ(e["series"]["count"], 2);
      EXPECT_TRUE(e["series"].contains("lastObservedTime"));
    } else {
      EXPECT_EQ(e["note"].get<std::string>().size(), 1024u);
      EXPECT_FALSE(e.contains("series") && !e["series"].is_null());
    }
  }
}

}  // namespace
}  // namespace mdo::kube
