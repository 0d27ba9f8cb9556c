#include "controller/reconciler.h"

#include <gtest/gtest.h>

#include <deque>

namespace mdo::controller {
namespace {

using nlohmann::json;

// Records status writes; fails the next ones on demand. Other verbs are not used by the
// reconciler and fail loudly if called.
class FakeApi : public kube::ApiClient {
 public:
  kube::ApiResult<json> Get(const kube::ResourceType&, std::string_view, std::string_view,
                            std::string_view) override {
    return Unused();
  }
  kube::ApiResult<json> List(const kube::ResourceType&, std::string_view,
                             const kube::ListOptions&) override {
    return Unused();
  }
  kube::ApiResult<std::unique_ptr<kube::WatchStream>> Watch(const kube::ResourceType&,
                                                            std::string_view,
                                                            const kube::ListOptions&) override {
    return kube::ApiFail(500, "Unused", "not used");
  }
  kube::ApiResult<json> Create(const kube::ResourceType&, std::string_view, const json&,
                               const kube::WriteOptions&) override {
    return Unused();
  }
  kube::ApiResult<json> Update(const kube::ResourceType& type, std::string_view ns,
                               const json& object, const kube::WriteOptions& options) override {
    EXPECT_EQ(type.resource, "maildomains");
    EXPECT_EQ(options.subresource, "status");
    EXPECT_EQ(ns, "mail");
    if (!failures.empty()) {
      int code = failures.front();
      failures.pop_front();
      return kube::ApiFail(code, code == 409 ? "Conflict" : "InternalError", "injected");
    }
    writes.push_back(object);
    return object;
  }
  kube::ApiResult<json> Patch(const kube::ResourceType&, std::string_view, std::string_view,
                              kube::PatchType, const json&, const kube::WriteOptions&) override {
    return Unused();
  }
  kube::ApiResult<json> Delete(const kube::ResourceType&, std::string_view, std::string_view,
                               const kube::DeleteOptions&) override {
    return Unused();
  }
  kube::ApiResult<json> GetPath(std::string_view) override { return Unused(); }

  std::vector<json> writes;
  std::deque<int> failures;

 private:
  kube::ApiResult<json> Unused() {
    ADD_FAILURE() << "unexpected API call";
    return kube::ApiFail(500, "Unused", "not used");
  }
};

class FakeChecker : public DomainChecker {
 public:
  Result<json> Check(const json& spec, bool fresh_dns) override {
    ++calls;
    if (fresh_dns) ++fresh_calls;
    if (spec.value("domain", "") == "bad") return Fail("spec.senders[0]: \"x\" is not an IP");
    return json{
        {"checks",
         {{"spf", {{"status", spf_status}, {"findings", findings}}},
          {"mx", {{"status", "pass"}, {"findings", json::array()}}},
          {"blacklists",
           {{"status", "pass"}, {"listings", json::array()}, {"findings", json::array()}}}}}};
  }
  int calls = 0;
  int fresh_calls = 0;
  std::string spf_status = "pass";
  json findings = json::array();
};

class RecordingEmitter : public EventEmitter {
 public:
  void Emit(const json&, const EventSpec& event) override { events.push_back(event); }
  std::vector<EventSpec> events;
};

json MailDomain(std::int64_t generation = 1, const std::string& domain = "example.com") {
  return {{"apiVersion", "mailops.dev/v1alpha1"},
          {"kind", "MailDomain"},
          {"metadata",
           {{"name", "example"},
            {"namespace", "mail"},
            {"generation", generation},
            {"uid", "u1"},
            {"resourceVersion", "5"}}},
          {"spec", {{"domain", domain}, {"checkInterval", "10m"}}}};
}

class ReconcilerTest : public ::testing::Test {
 protected:
  ReconcilerTest() : reconciler_(api_, checker_, emitter_, clock_, &metrics_, {}) {
    Reconciler::DeclareMetrics(metrics_);
  }
  // Applies the last write to the "cache" copy, as the informer would.
  void Sync(json& object) {
    if (!api_.writes.empty()) object = api_.writes.back();
  }

  FakeApi api_;
  FakeChecker checker_;
  RecordingEmitter emitter_;
  kube::FakeClock clock_;
  runtime::MetricsRegistry metrics_;
  Reconciler reconciler_;
};

TEST_F(ReconcilerTest, FirstReconcileChecksWritesStatusAndSchedulesTheNextCheck) {
  json md = MailDomain();
  ReconcileOutcome out = reconciler_.Reconcile("mail/example", &md);
  EXPECT_TRUE(out.checked);
  EXPECT_TRUE(out.status_written);
  ASSERT_TRUE(out.requeue_after.has_value());
  EXPECT_GE(*out.requeue_after, std::chrono::minutes(10));
  EXPECT_LE(*out.requeue_after, std::chrono::minutes(11));
  ASSERT_EQ(api_.writes.size(), 1u);
  EXPECT_EQ(api_.writes[0]["status"]["observedGeneration"], 1);
  ASSERT_EQ(emitter_.events.size(), 1u);
  EXPECT_EQ(emitter_.events[0].reason, "Checked");
  EXPECT_EQ(metrics_.Value("maildomain_ready",
                           {{"namespace", "mail"}, {"name", "example"}, {"domain", "example.com"}}),
            1);
}

TEST_F(ReconcilerTest, NotDueMeansNoCheckAndNoWrite) {
  json md = MailDomain();
  reconciler_.Reconcile("mail/example", &md);
  Sync(md);
  ReconcileOutcome again =
      reconciler_.Reconcile("mail/example", &md);  // e.g. our own write's event
  EXPECT_FALSE(again.checked);
  EXPECT_EQ(checker_.calls, 1);
  EXPECT_EQ(api_.writes.size(), 1u);
  ASSERT_TRUE(again.requeue_after.has_value());
}

TEST_F(ReconcilerTest, UnchangedPeriodicRecheckWritesNothing) {
  json md = MailDomain();
  reconciler_.Reconcile("mail/example", &md);
  Sync(md);
  clock_.Advance(std::chrono::minutes(12));
  ReconcileOutcome out = reconciler_.Reconcile("mail/example", &md);
  EXPECT_TRUE(out.checked);
  EXPECT_FALSE(out.status_written);
  EXPECT_EQ(api_.writes.size(), 1u);
  EXPECT_EQ(emitter_.events.size(), 1u);
}

TEST_F(ReconcilerTest, SpecChangeAndRecheckAnnotationCheckAtOnce) {
  json md = MailDomain();
  reconciler_.Reconcile("mail/example", &md);
  Sync(md);
  md["metadata"]["generation"] = 2;
  EXPECT_TRUE(reconciler_.Reconcile("mail/example", &md).checked);
  Sync(md);
  md["metadata"]["annotations"] = {{kRecheckAnnotation, "1"}};
  EXPECT_TRUE(reconciler_.Reconcile("mail/example", &md).checked);
  EXPECT_FALSE(reconciler_.Reconcile("mail/example", &md).checked);
  EXPECT_EQ(checker_.calls, 3);
  EXPECT_EQ(checker_.fresh_calls, 1);  // only the annotation asks for fresh DNS answers
}

TEST_F(ReconcilerTest, FailureEmitsWarningAndRecoveryEmitsNormal) {
  json md = MailDomain();
  checker_.spf_status = "fail";
  checker_.findings =
      json::array({{{"code", "SPFMissing"}, {"severity", "fail"}, {"message", "no SPF record"}}});
  reconciler_.Reconcile("mail/example", &md);
  Sync(md);
  ASSERT_EQ(emitter_.events.size(), 2u);
  EXPECT_EQ(emitter_.events[1].reason, "SPFMissing");
  checker_.spf_status = "pass";
  checker_.findings = json::array();
  md["metadata"]["annotations"] = {{kRecheckAnnotation, "now"}};
  reconciler_.Reconcile("mail/example", &md);
  ASSERT_EQ(emitter_.events.size(), 3u);
  EXPECT_EQ(emitter_.events[2].reason, "SPFRecovered");
}

TEST_F(ReconcilerTest, FailedWriteIsReportedAndRetriedWithoutLosingEvents) {
  json md = MailDomain();
  api_.failures = {409};
  ReconcileOutcome out = reconciler_.Reconcile("mail/example", &md);
  ASSERT_TRUE(out.error.has_value());
  EXPECT_TRUE(out.error->IsConflict());
  EXPECT_TRUE(emitter_.events.empty());  // nothing was stored, so nothing happened yet
  ReconcileOutcome retry = reconciler_.Reconcile("mail/example", &md);
  EXPECT_FALSE(retry.error.has_value());
  EXPECT_TRUE(retry.status_written);
  EXPECT_EQ(emitter_.events.size(), 1u);
}

TEST_F(ReconcilerTest, InvalidSpecSetsReadyFalseAndWaitsForAChange) {
  json md = MailDomain(1, "bad");
  ReconcileOutcome out = reconciler_.Reconcile("mail/example", &md);
  EXPECT_TRUE(out.status_written);
  EXPECT_FALSE(out.requeue_after.has_value());
  const json* ready = FindCondition(api_.writes.at(0)["status"]["conditions"], "Ready");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ((*ready)["reason"], "InvalidSpec");
  Sync(md);
  clock_.Advance(std::chrono::hours(5));
  EXPECT_FALSE(reconciler_.Reconcile("mail/example", &md).status_written);
}

TEST_F(ReconcilerTest, TooShortIntervalIsAnInvalidSpec) {
  json md = MailDomain();
  md["spec"]["checkInterval"] = "10s";
  reconciler_.Reconcile("mail/example", &md);
  ASSERT_EQ(api_.writes.size(), 1u);
  const json* ready = FindCondition(api_.writes[0]["status"]["conditions"], "Ready");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ((*ready)["message"], "spec.checkInterval: must be at least 1m");
  EXPECT_EQ(checker_.calls, 0);
}

TEST_F(ReconcilerTest, SuspendedDomainsAreNotChecked) {
  json md = MailDomain();
  md["spec"]["suspend"] = true;
  ReconcileOutcome out = reconciler_.Reconcile("mail/example", &md);
  EXPECT_FALSE(out.checked);
  EXPECT_FALSE(out.requeue_after.has_value());
  EXPECT_EQ(checker_.calls, 0);
}

TEST_F(ReconcilerTest, AStatusChangeReplacesTheCheckStatusSeries) {
  json md = MailDomain();
  checker_.spf_status = "fail";
  reconciler_.Reconcile("mail/example", &md);
  Sync(md);
  checker_.spf_status = "pass";
  md["metadata"]["annotations"] = {{kRecheckAnnotation, "1"}};
  reconciler_.Reconcile("mail/example", &md);
  const std::string text = metrics_.Render();
  EXPECT_NE(text.find("check=\"spf\",status=\"pass\"} 1"), std::string::npos) << text;
  EXPECT_EQ(text.find("check=\"spf\",status=\"fail\""), std::string::npos) << text;
}

TEST_F(ReconcilerTest, ADomainChangeMovesEverySeriesToTheNewDomain) {
  json md = MailDomain(1, "example.com");
  reconciler_.Reconcile("mail/example", &md);
  Sync(md);
  md["spec"]["domain"] = "example.org";
  md["metadata"]["generation"] = 2;
  reconciler_.Reconcile("mail/example", &md);
  const std::string text = metrics_.Render();
  EXPECT_EQ(text.find("domain=\"example.com\""), std::string::npos) << text;
  EXPECT_NE(
      text.find("maildomain_ready{namespace=\"mail\",name=\"example\",domain=\"example.org\"}"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("maildomain_check_status{namespace=\"mail\",name=\"example\","
                      "domain=\"example.org\",check=\"spf\",status=\"pass\"} 1"),
            std::string::npos)
      << text;
  // Every check has one series (skipped ones included).
  size_t series = 0;
  for (size_t pos = text.find("maildomain_check_status{"); pos != std::string::npos;
       pos = text.find("maildomain_check_status{", pos + 1)) {
    ++series;
  }
  EXPECT_EQ(series, CheckConditions().size()) << text;
  reconciler_.Reconcile("mail/example", nullptr);
  EXPECT_EQ(metrics_.Render().find("name=\"example\""), std::string::npos);
}

TEST_F(ReconcilerTest, DeletionDropsTheDomainsMetrics) {
  json md = MailDomain();
  reconciler_.Reconcile("mail/example", &md);
  reconciler_.Reconcile("mail/example", nullptr);
  EXPECT_EQ(metrics_.Render().find("name=\"example\""), std::string::npos);
}

}  // namespace
}  // namespace mdo::controller
