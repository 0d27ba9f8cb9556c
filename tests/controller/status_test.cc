#include "controller/status.h"

#include <gtest/gtest.h>

namespace mdo::controller {
namespace {

using nlohmann::json;

json Block(const std::string& status, json findings = json::array()) {
  return {{"status", status}, {"findings", std::move(findings)}};
}

json Report(json spf, json dmarc = Block("pass"), json blacklists = Block("pass")) {
  blacklists["listings"] = json::array();
  return {{"domain", "example.com"},
          {"checks",
           {{"spf", std::move(spf)},
            {"dkim", Block("skipped")},
            {"dmarc", std::move(dmarc)},
            {"mx", Block("pass")},
            {"rdns", Block("pass")},
            {"blacklists", std::move(blacklists)}}}};
}

json Finding(const std::string& code, const std::string& severity) {
  return {{"code", code}, {"severity", severity}, {"message", code + " message"}};
}

StatusUpdate Compute(const json& old_status, const json& report, const std::string& now = "T1",
                     std::int64_t generation = 1) {
  return ComputeStatus({old_status, report, generation, now, "T9"});
}

std::string CondField(const json& status, const std::string& type, const std::string& field) {
  const json* c = FindCondition(status["conditions"], type);
  return c == nullptr ? "<absent>" : c->value(field, "");
}

TEST(ComputeStatusTest, FirstCheckSetsConditionsAndEmitsChecked) {
  StatusUpdate u = Compute(json::object(), Report(Block("pass")));
  EXPECT_TRUE(u.changed);
  EXPECT_EQ(CondField(u.status, "SPFValid", "status"), "True");
  EXPECT_EQ(CondField(u.status, "SPFValid", "reason"), "Valid");
  EXPECT_EQ(CondField(u.status, "DKIMValid", "status"), "<absent>");  // skipped check
  EXPECT_EQ(CondField(u.status, "Ready", "status"), "True");
  EXPECT_EQ(u.status["observedGeneration"], 1);
  EXPECT_EQ(u.status["blacklists"]["listingCount"], 0);
  ASSERT_EQ(u.events.size(), 1u);
  EXPECT_EQ(u.events[0].reason, "Checked");
  EXPECT_EQ(u.events[0].type, "Normal");
}

TEST(ComputeStatusTest, FailingCheckIsFalseWithFirstFailingCode) {
  json spf = Block("fail", {Finding("SPFNoAll", "warn"), Finding("SPFTooManyLookups", "fail"),
                            Finding("SPFPtrUsed", "fail")});
  StatusUpdate u = Compute(json::object(), Report(spf));
  EXPECT_EQ(CondField(u.status, "SPFValid", "status"), "False");
  EXPECT_EQ(CondField(u.status, "SPFValid", "reason"), "SPFTooManyLookups");
  EXPECT_EQ(CondField(u.status, "SPFValid", "message"), "SPFTooManyLookups message (and 1 more)");
  EXPECT_EQ(CondField(u.status, "Ready", "status"), "False");
  EXPECT_EQ(CondField(u.status, "Ready", "reason"), "SPFTooManyLookups");
  // Checked, then the Warning for the failure.
  ASSERT_EQ(u.events.size(), 2u);
  EXPECT_EQ(u.events[1],
            (EventSpec{"Warning", "SPFTooManyLookups", "SPFTooManyLookups message (and 1 more)"}));
}

TEST(ComputeStatusTest, UnchangedRecheckWritesNothingAndEmitsNothing) {
  StatusUpdate first =
      Compute(json::object(), Report(Block("warn", {Finding("SPFNoAll", "warn")})));
  StatusUpdate again =
      Compute(first.status, Report(Block("warn", {Finding("SPFNoAll", "warn")})), "T2");
  EXPECT_FALSE(again.changed);
  EXPECT_TRUE(again.events.empty());
  EXPECT_EQ(again.status, first.status);
  EXPECT_EQ(CondField(again.status, "SPFValid", "reason"), "ValidWithWarnings");
}

TEST(ComputeStatusTest, TransitionTimeMovesOnlyWithStatus) {
  StatusUpdate first = Compute(json::object(), Report(Block("pass")), "T1");
  StatusUpdate warned =
      Compute(first.status, Report(Block("warn", {Finding("SPFNoAll", "warn")})), "T2");
  EXPECT_TRUE(warned.changed);
  EXPECT_EQ(CondField(warned.status, "SPFValid", "lastTransitionTime"), "T1");  // still True
  StatusUpdate failed =
      Compute(warned.status, Report(Block("fail", {Finding("SPFMissing", "fail")})), "T3");
  EXPECT_EQ(CondField(failed.status, "SPFValid", "lastTransitionTime"), "T3");
}

TEST(ComputeStatusTest, RecoveryEmitsOneNormalEvent) {
  StatusUpdate failed =
      Compute(json::object(), Report(Block("fail", {Finding("SPFMissing", "fail")})));
  StatusUpdate fixed = Compute(failed.status, Report(Block("pass")), "T2");
  ASSERT_EQ(fixed.events.size(), 1u);
  EXPECT_EQ(fixed.events[0].type, "Normal");
  EXPECT_EQ(fixed.events[0].reason, "SPFRecovered");
  EXPECT_EQ(CondField(fixed.status, "Ready", "status"), "True");
}

TEST(ComputeStatusTest, DelistingIsNamedDelisted) {
  json listed = Block("fail", {Finding("Blacklisted", "fail")});
  StatusUpdate l = Compute(json::object(), Report(Block("pass"), Block("pass"), listed));
  EXPECT_EQ(CondField(l.status, "NotBlacklisted", "reason"), "Blacklisted");
  StatusUpdate d = Compute(l.status, Report(Block("pass")), "T2");
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_EQ(d.events[0].reason, "Delisted");
}

TEST(ComputeStatusTest, TransientErrorNeverTurnsTrueIntoFalse) {
  StatusUpdate ok = Compute(json::object(), Report(Block("pass")));
  StatusUpdate err =
      Compute(ok.status, Report(Block("error", {Finding("SPFDNSError", "error")})), "T2");
  EXPECT_EQ(CondField(err.status, "SPFValid", "status"), "Unknown");
  EXPECT_EQ(CondField(err.status, "SPFValid", "reason"), "CheckError");
  EXPECT_EQ(CondField(err.status, "Ready", "status"), "Unknown");
  EXPECT_TRUE(err.events.empty());
}

TEST(ComputeStatusTest, ErrorKeepsAFailureFalseSoRecoveryIsStillReported) {
  StatusUpdate failed =
      Compute(json::object(), Report(Block("fail", {Finding("SPFMissing", "fail")})));
  StatusUpdate err =
      Compute(failed.status, Report(Block("error", {Finding("SPFDNSError", "error")})), "T2");
  EXPECT_EQ(CondField(err.status, "SPFValid", "status"), "False");
  EXPECT_EQ(CondField(err.status, "SPFValid", "reason"), "SPFMissing");
  EXPECT_TRUE(err.events.empty());
  StatusUpdate err2 =
      Compute(err.status, Report(Block("error", {Finding("SPFDNSError", "error")})), "T3");
  EXPECT_FALSE(err2.changed);  // the note is not appended twice
  StatusUpdate fixed = Compute(err2.status, Report(Block("pass")), "T4");
  ASSERT_EQ(fixed.events.size(), 1u);
  EXPECT_EQ(fixed.events[0].reason, "SPFRecovered");
}

TEST(ComputeStatusTest, FirstCheckWithErrorsDefersChecked) {
  StatusUpdate err =
      Compute(json::object(), Report(Block("error", {Finding("SPFDNSError", "error")})));
  EXPECT_TRUE(err.events.empty());
  StatusUpdate ok = Compute(err.status, Report(Block("pass")), "T2");
  ASSERT_EQ(ok.events.size(), 1u);
  EXPECT_EQ(ok.events[0].reason, "Checked");
  StatusUpdate same = Compute(ok.status, Report(Block("pass")), "T3");
  EXPECT_TRUE(same.events.empty());
}

TEST(ComputeStatusTest, NewFailureReasonWhileFalseEmitsAnotherWarning) {
  StatusUpdate a = Compute(json::object(), Report(Block("fail", {Finding("SPFMissing", "fail")})));
  StatusUpdate b =
      Compute(a.status, Report(Block("fail", {Finding("SPFSyntaxError", "fail")})), "T2");
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events[0].reason, "SPFSyntaxError");
}

TEST(ComputeStatusTest, DkimSelectorFindingsGiveTheReason) {
  json report = Report(Block("pass"));
  report["checks"]["dkim"] = {
      {"status", "fail"},
      {"findings", json::array()},
      {"selectors", {{{"selector", "s1"}, {"findings", {Finding("DKIMKeyWeak", "fail")}}}}}};
  StatusUpdate u = Compute(json::object(), report);
  EXPECT_EQ(CondField(u.status, "DKIMValid", "reason"), "DKIMKeyWeak");
}

TEST(InvalidSpecStatusTest, SetsReadyFalseOnceAndKeepsTheRest) {
  StatusUpdate ok = Compute(json::object(), Report(Block("pass")));
  StatusUpdate bad = InvalidSpecStatus(ok.status, 2, "T2", "spec.senders[0]: \"x\" is not an IP");
  EXPECT_TRUE(bad.changed);
  EXPECT_EQ(CondField(bad.status, "Ready", "reason"), "InvalidSpec");
  EXPECT_EQ(CondField(bad.status, "SPFValid", "status"), "True");
  ASSERT_EQ(bad.events.size(), 1u);
  EXPECT_EQ(bad.events[0].type, "Warning");
  StatusUpdate again =
      InvalidSpecStatus(bad.status, 2, "T3", "spec.senders[0]: \"x\" is not an IP");
  EXPECT_FALSE(again.changed);
  EXPECT_TRUE(again.events.empty());
}

}  // namespace
}  // namespace mdo::controller
