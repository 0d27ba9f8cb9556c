// The API, process and hostile-data rows of the fault matrix (docs/reliability.md) with the real
// operator: kube-testserver over HTTPS with its fault injection, Knot serving hostile zones, the
// fault DNS server for slow and failing answers. Each test has a cluster of its own.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <map>
#include <set>
#include <sstream>

#include "reliability/operator_fixture.h"
#include "support/fault_dns_server.h"
#include "support/knot_server.h"

namespace mdo::reliability {
namespace {

using e2e::Eventually;
using std::chrono::seconds;

std::string CondStatus(const json& c) { return c.is_object() ? c.value("status", "") : "<none>"; }
std::string CondReason(const json& c) { return c.is_object() ? c.value("reason", "") : "<none>"; }

// Operator configuration for the fault server: long DNS tries so that a delayed answer is
// still in flight when the test acts, blacklist zones the fault server answers.
constexpr char kSlowDnsConfig[] = R"(checks: {defaultInterval: 1h}
blacklists: {ipZones: [dnsbl.example], domainZones: [dbl.example]}
dns: {timeoutMs: 40000, attempts: 1}
workers: 2
)";

const std::vector<std::string> kLeaderElection = {"--leader-elect", "--leader-election-namespace",
                                                  "default"};

class OperatorFaultTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(cluster_.Start(), ""); }

  std::string LeaseHolder() {
    auto lease =
        cluster_.Kubectl({"get", "lease", "maildomain-operator", "-n", "default", "-o", "json"});
    if (!lease.exited_ok()) return "<no lease: " + lease.Describe() + ">";
    json l = json::parse(lease.stdout_text, nullptr, false);
    return l.is_object() ? l.value("spec", json::object()).value("holderIdentity", "") : "<bad>";
  }

  e2e::Cluster cluster_;
};

TEST_F(OperatorFaultTest, StatusWriteAnswered429WaitsForRetryAfterThenSucceeds) {
  auto op = cluster_.StartOperator();
  ASSERT_NE(op, nullptr);
  cluster_.Admin("POST", "/admin/faults",
                 {{"verb", "update"},
                  {"subresource", "status"},
                  {"name", "healthy"},
                  {"code", 429},
                  {"retryAfterSeconds", 3},
                  {"count", 1}});
  auto apply = cluster_.Kubectl(
      {"apply", "-f", (testing::SourceDir() / "demo" / "maildomains.yaml").string()});
  ASSERT_TRUE(apply.exited_ok()) << apply.Describe();
  // When the fault is used up, the 429 has just been answered.
  std::chrono::steady_clock::time_point faulted;
  ASSERT_TRUE(Eventually(
      [&] {
        // A used-up fault is listed with remaining 0 or no longer listed.
        json faults = cluster_.Admin("GET", "/admin/faults");
        if (!faults.is_object()) return false;
        if (!faults["faults"].empty() && faults["faults"][0].value("remaining", 1) != 0) {
          return false;
        }
        faulted = std::chrono::steady_clock::now();
        return true;
      },
      seconds(60)))
      << op->Log();
  ASSERT_TRUE(Eventually([&] {
    return CondStatus(cluster_.Condition("healthy", "Ready")) == "True";
  })) << op->Log();
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - faulted).count();
  // Retry-After: 3 s. Polling can only make the measured wait shorter by its period (~0.1 s).
  EXPECT_GE(waited, 2.5) << "the retry did not wait for Retry-After";
  std::vector<int> codes;
  for (const json& r : OperatorRequests(cluster_, "subresource=status")) {
    if (r.value("name", "") == "healthy") codes.push_back(r.value("code", 0));
  }
  EXPECT_EQ(codes, (std::vector<int>{429, 200})) << op->Log();
  EXPECT_TRUE(op->process->Running());
}

// True once the operator's event creations stop: none new over two reads a second apart (the
// recorder delivers queued events back to back, so a second with none means the queue is empty).
bool EventsSettled(e2e::Cluster& cluster) {
  std::size_t last = static_cast<std::size_t>(-1);
  auto previous = std::chrono::steady_clock::now();
  return Eventually(
      [&] {
        std::size_t creates = 0;
        for (const json& r : OperatorRequests(cluster, "resource=events")) {
          if (r.value("verb", "") == "create") ++creates;
        }
        const auto now = std::chrono::steady_clock::now();
        if (creates != last) {
          last = creates;
          previous = now;
          return false;
        }
        return now - previous >= std::chrono::seconds(1);
      },
      seconds(60));
}

TEST_F(OperatorFaultTest, RestartWithStateLossRelistsForgetsAndRecreatesNothing) {
  auto op = cluster_.StartOperator();
  ASSERT_NE(op, nullptr);
  ASSERT_EQ(cluster_.ApplyDemoDomains(), "") << op->Log();
  ASSERT_NE(op->Metrics().find("name=\"healthy\""), std::string::npos);
  // The first checks' events go out after their status writes, from the recorder's queue: wait
  // until they are all delivered, so that what follows the restart is the operator's own doing.
  ASSERT_TRUE(EventsSettled(cluster_)) << op->Log();
  cluster_.Admin("DELETE", "/admin/requests");

  // The API server comes back empty: no CRD, no MailDomains, old resourceVersions are gone.
  json restarted = cluster_.Admin("POST", "/admin/restart", {{"keepState", false}});
  ASSERT_TRUE(restarted.is_object()) << restarted.dump();
  // The operator notices (its watch or list is answered 404: the resource is gone) and keeps
  // running, retrying with backoff.
  ASSERT_TRUE(Eventually([&] {
    for (const json& r : OperatorRequests(cluster_, "resource=maildomains")) {
      if (r.value("code", 0) == 404) return true;
    }
    return false;
  })) << op->Log();
  EXPECT_TRUE(op->process->Running()) << op->Log();
  EXPECT_EQ(ProbeCode(*op, "/healthz"), 200);

  // The CRD comes back without objects: the relist finds none and the operator forgets them.
  auto crd = cluster_.Kubectl(
      {"apply", "-f", (testing::SourceDir() / "crds" / "mailops.dev_maildomains.yaml").string()});
  ASSERT_TRUE(crd.exited_ok()) << crd.Describe();
  EXPECT_TRUE(Eventually(
      [&] { return op->Metrics().find("name=\"healthy\"") == std::string::npos; }, seconds(90)))
      << op->Log();
  // It created nothing and wrote no status for objects that no longer exist.
  for (const json& r : OperatorRequests(cluster_)) {
    EXPECT_NE(r.value("verb", ""), "create") << r.dump();
    if (r.value("resource", "") == "maildomains") {
      EXPECT_TRUE(r.value("verb", "") == "list" || r.value("verb", "") == "watch") << r.dump();
    }
  }
  auto listed = cluster_.Kubectl({"get", "maildomains", "-A", "-o", "json"});
  ASSERT_TRUE(listed.exited_ok()) << listed.Describe();
  EXPECT_TRUE(
      json::parse(listed.stdout_text, nullptr, false).value("items", json::array()).empty());

  // Objects created again are checked again.
  ASSERT_EQ(cluster_.ApplyDemoDomains(), "") << op->Log();
  EXPECT_EQ(CondStatus(cluster_.Condition("healthy", "Ready")), "True");
  EXPECT_TRUE(op->process->Running());
}

class OperatorSlowDnsTest : public OperatorFaultTest {
 protected:
  void SetUp() override {
    OperatorFaultTest::SetUp();
    auto fault = testing::FaultDnsServer::Start();
    ASSERT_TRUE(fault.ok()) << fault.error().message;
    fault_ = std::move(fault).value();
  }

  std::unique_ptr<e2e::OperatorProcess> StartLeader(const std::string& config = kSlowDnsConfig) {
    OperatorLaunch launch;
    launch.dns_server = fault_->address();
    launch.config_yaml = config;
    launch.extra = kLeaderElection;
    auto op = StartOperator(cluster_, launch);
    if (op == nullptr) return nullptr;
    if (!Eventually([&] { return op->MetricValue("maildomain_leader") == 1; })) {
      ADD_FAILURE() << "no leadership: " << op->Log();
      return nullptr;
    }
    return op;
  }

  // SIGTERM once the domain's first delayed question has reached the DNS server.
  int TerminateMidCheck(e2e::OperatorProcess& op, const std::string& domain,
                        std::chrono::seconds exit_bound) {
    EXPECT_TRUE(Eventually([&] { return fault_->QueryCount(domain + ".") >= 1; }))
        << op.Log() << fault_->Log();
    json before = cluster_.GetMailDomain("slow");
    EXPECT_TRUE(before.is_object() &&
                !before.value("status", json::object()).contains("conditions"))
        << before.dump();
    ::kill(op.process->pid(), SIGTERM);
    EXPECT_TRUE(Eventually([&] { return !op.process->Running(); }, exit_bound)) << op.Log();
    return op.process->Stop();
  }

  std::unique_ptr<testing::FaultDnsServer> fault_;
};

TEST_F(OperatorSlowDnsTest, SigtermDuringACheckPastTheGraceExitsZeroReleasesAndWritesNothing) {
  auto op = StartLeader();
  ASSERT_NE(op, nullptr);
  // Every question about the domain is answered after 30 s: longer than the 10 s grace.
  const std::string domain = "delay-30000-sig.fault.test";
  ASSERT_EQ(Apply(cluster_, MailDomainYaml("slow", domain)), "");
  const auto started = std::chrono::steady_clock::now();
  const int status = TerminateMidCheck(*op, domain, seconds(25));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << "\n" << op->Log();
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(25));
  EXPECT_NE(op->Log().find("abandoning"), std::string::npos) << op->Log();
  EXPECT_EQ(LeaseHolder(), "");
  // No partial status: nothing was written for the abandoned check.
  json md = cluster_.GetMailDomain("slow");
  ASSERT_TRUE(md.is_object());
  EXPECT_FALSE(md.contains("status") && md["status"].contains("conditions")) << md.dump(2);
  EXPECT_TRUE(OperatorRequests(cluster_, "subresource=status").empty());
}

TEST_F(OperatorSlowDnsTest, SigtermDuringACheckWithinTheGraceFinishesItAndWritesAWholeStatus) {
  auto op = StartLeader();
  ASSERT_NE(op, nullptr);
  const std::string domain = "delay-3000-sig.fault.test";
  ASSERT_EQ(Apply(cluster_, MailDomainYaml("slow", domain)), "");
  const int status = TerminateMidCheck(*op, domain, seconds(25));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << "\n" << op->Log();
  EXPECT_EQ(LeaseHolder(), "");
  json md = cluster_.GetMailDomain("slow");
  ASSERT_TRUE(md.is_object());
  const json conditions = md.value("status", json::object()).value("conditions", json::array());
  std::set<std::string> types;
  for (const json& c : conditions) types.insert(c.value("type", ""));
  EXPECT_EQ(types, (std::set<std::string>{"SPFValid", "DKIMValid", "DMARCValid", "MXValid",
                                          "ReverseDNSValid", "NotBlacklisted", "Ready"}))
      << md.dump(2) << op->Log();
  EXPECT_EQ(md["status"].value("observedGeneration", 0), 1);
}

TEST_F(OperatorSlowDnsTest, DnsFailuresLeaveConditionsUnknownNeverFalse) {
  auto op = StartLeader(R"(checks: {defaultInterval: 1h}
blacklists: {ipZones: [dnsbl.example], domainZones: [dbl.example]}
dns: {timeoutMs: 300, attempts: 2}
)");
  ASSERT_NE(op, nullptr);
  // The fault is picked by the first label: questions about the domain itself (SPF, MX) fail;
  // _dmarc.DOMAIN is answered normally.
  for (const char* name : {"servfail", "refused", "garbage", "timeout"}) {
    ASSERT_EQ(Apply(cluster_, MailDomainYaml(name, std::string(name) + "-op.fault.test")), "");
  }
  for (const char* name : {"servfail", "refused", "garbage", "timeout"}) {
    EXPECT_TRUE(Eventually(
        [&] { return CondStatus(cluster_.Condition(name, "Ready")) != "<none>"; }, seconds(120)))
        << name << op->Log();
    for (const char* type : {"SPFValid", "MXValid"}) {
      json c = cluster_.Condition(name, type);
      EXPECT_EQ(CondStatus(c), "Unknown") << name << " " << c.dump();
      EXPECT_EQ(CondReason(c), "CheckError") << name << " " << c.dump();
    }
  }
  EXPECT_TRUE(op->process->Running());
}

TEST_F(OperatorFaultTest, HostileRecordsStillGetAValidStatusWritten) {
  auto knot = testing::KnotServer::Start(testing::ZonesFromDirectory(
      testing::SourceDir() / "tests" / "fixtures" / "zones" / "reliability"));
  ASSERT_TRUE(knot.ok()) << knot.error().message;
  OperatorLaunch launch;
  launch.dns_server = (*knot)->address();
  launch.log_format = "json";
  auto op = StartOperator(cluster_, launch);
  ASSERT_NE(op, nullptr);
  const std::map<std::string, std::string> expected_spf = {{"nul", "False"},
                                                           {"badutf8", "False"},
                                                           {"big", "True"},
                                                           {"cnloop", "Unknown"},
                                                           {"loop", "False"}};
  for (const auto& [name, _] : expected_spf) {
    ASSERT_EQ(Apply(cluster_,
                    MailDomainYaml(name, name + ".hostile.test", "  dkim: {selectors: [s1]}\n")),
              "");
  }
  for (const auto& [name, spf] : expected_spf) {
    ASSERT_TRUE(Eventually(
        [&] {
          return !op->process->Running() ||
                 CondStatus(cluster_.Condition(name, "Ready")) != "<none>";
        },
        seconds(90)))
        << name << " got no status\n"
        << op->Log();
    ASSERT_TRUE(op->process->Running()) << op->Log();
    EXPECT_EQ(CondStatus(cluster_.Condition(name, "SPFValid")), spf) << name;
  }
  // What the server stored (and kubectl printed) is valid UTF-8 JSON.
  auto listed = cluster_.Kubectl({"get", "maildomains", "-n", "mail", "-o", "json"});
  ASSERT_TRUE(listed.exited_ok()) << listed.Describe();
  EXPECT_FALSE(json::parse(listed.stdout_text, nullptr, false).is_discarded());
  EXPECT_TRUE(op->process->Running()) << op->Log();
  // Every JSON log line is valid UTF-8 JSON too.
  std::istringstream log(op->Log());
  std::string line;
  int lines = 0;
  while (std::getline(log, line)) {
    ++lines;
    EXPECT_FALSE(json::parse(line, nullptr, false).is_discarded()) << line;
  }
  EXPECT_GT(lines, 0);
}

}  // namespace
}  // namespace mdo::reliability
