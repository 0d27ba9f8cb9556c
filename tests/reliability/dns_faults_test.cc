// The DNS rows of the fault matrix (docs/reliability.md) through the real `maildomain-check`:
// server failures, a slow server, truncation, answers near the message size bound, and hostile
// data (huge TXT records, SPF include loops, deep and looping CNAME chains, NUL bytes and invalid
// UTF-8 inside SPF, DMARC and DKIM records) served by Knot and by the fault server.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/fault_dns_server.h"
#include "support/knot_server.h"
#include "support/process.h"
#include "support/test_env.h"

namespace mdo::reliability {
namespace {

using nlohmann::json;
using testing::FaultDnsServer;
using testing::KnotServer;

struct CliRun {
  testing::ProcessResult result;
  json report;  // discarded when stdout is not valid (UTF-8) JSON
  std::string Describe() const {
    return result.Describe() + "\nstdout: " + result.stdout_text.substr(0, 3000) +
           "\nstderr: " + result.stderr_text.substr(0, 2000);
  }
  const json& Check(const std::string& name) const { return report["checks"][name]; }
  std::string Status(const std::string& check) const {
    return report.is_object() ? Check(check).value("status", "<none>") : "<no report>";
  }
  bool HasFinding(const std::string& check, const std::string& code) const {
    if (!report.is_object()) return false;
    for (const json& f : Check(check).value("findings", json::array())) {
      if (f.value("code", "") == code) return true;
    }
    return false;
  }
  std::string FindingMessages(const std::string& check) const {
    std::string out;
    if (!report.is_object()) return out;
    for (const json& f : Check(check).value("findings", json::array())) {
      out += f.value("code", "") + ": " + f.value("message", "") + "\n";
    }
    return out;
  }
};

CliRun RunCheck(const std::string& server, const std::string& domain,
                const std::vector<std::string>& extra, bool as_json = true) {
  std::vector<std::string> argv = {(testing::BinaryDir() / "bin" / "maildomain-check").string(),
                                   "--dns-server", server};
  if (as_json) argv.push_back("--json");
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(domain);
  CliRun run;
  run.result = testing::RunProcess(argv, {}, {}, std::chrono::seconds(90));
  // nlohmann's parser rejects invalid UTF-8 inside strings, as any strict JSON consumer does.
  run.report = json::parse(run.result.stdout_text, nullptr, /*allow_exceptions=*/false);
  return run;
}

class HostileZoneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto knot = KnotServer::Start(testing::ZonesFromDirectory(
        testing::SourceDir() / "tests" / "fixtures" / "zones" / "reliability"));
    ASSERT_TRUE(knot.ok()) << knot.error().message;
    knot_ = std::move(knot).value();
  }
  CliRun Check(const std::string& domain, const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"--timeout", "1000", "--attempts", "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCheck(knot_->address(), domain, args);
  }
  std::unique_ptr<KnotServer> knot_;
};

TEST_F(HostileZoneTest, HugeTxtRecordAmongManyArrivesWholeOverTcp) {
  // A 4,000+ byte SPF record of 17 strings next to 40 other TXT records: over 1232 bytes of
  // EDNS the answer is truncated, so it must come again over TCP and be joined whole.
  // The sender matches the last term only: the whole record was read.
  CliRun run = Check("big.hostile.test", {"--checks", "spf,dmarc,mx", "--sender-ip", "192.0.2.10"});
  ASSERT_TRUE(run.report.is_object()) << run.Describe();
  EXPECT_EQ(run.result.exit_code, 0) << run.Describe();
  // Too long for 512 bytes of UDP: a warning that says so, not a failure.
  EXPECT_EQ(run.Status("spf"), "warn") << run.FindingMessages("spf");
  EXPECT_TRUE(run.HasFinding("spf", "SPFRecordTooLong")) << run.FindingMessages("spf");
  EXPECT_FALSE(run.HasFinding("spf", "SPFSenderNotAuthorized")) << run.FindingMessages("spf");
  ASSERT_EQ(run.Check("spf").value("senders", json::array()).size(), 1u);
  EXPECT_EQ(run.Check("spf")["senders"][0].value("result", ""), "pass");
  const std::string record = run.Check("spf").value("record", "");
  EXPECT_GT(record.size(), 4000u);
  EXPECT_EQ(record.rfind("v=spf1 ip4:198.51.100.1 ", 0), 0u) << record.substr(0, 80);
  EXPECT_NE(record.find("ip4:192.0.2.10 -all"), std::string::npos);
  EXPECT_EQ(run.Status("dmarc"), "pass") << run.FindingMessages("dmarc");
}

TEST_F(HostileZoneTest, SpfIncludeLoopsFailInsteadOfRecursing) {
  for (const char* domain : {"loop.hostile.test", "mutual-a.hostile.test"}) {
    CliRun run = Check(domain, {"--checks", "spf", "--sender-ip", "192.0.2.99"});
    ASSERT_TRUE(run.report.is_object()) << domain << ": " << run.Describe();
    EXPECT_EQ(run.result.exit_code, 1) << domain << ": " << run.Describe();
    EXPECT_EQ(run.Status("spf"), "fail") << domain;
    EXPECT_TRUE(run.HasFinding("spf", "SPFIncludeLoop")) << domain << run.FindingMessages("spf");
  }
}

TEST_F(HostileZoneTest, CnameLoopIsADnsErrorNotAHang) {
  CliRun run = Check("cnloop.hostile.test", {"--checks", "spf"});
  ASSERT_TRUE(run.report.is_object()) << run.Describe();
  EXPECT_EQ(run.result.exit_code, 3) << run.Describe();
  EXPECT_EQ(run.Status("spf"), "error");
  EXPECT_TRUE(run.HasFinding("spf", "SPFDNSError")) << run.FindingMessages("spf");
  EXPECT_NE(run.FindingMessages("spf").find("CNAME chain longer than 16"), std::string::npos)
      << run.FindingMessages("spf");
}

TEST_F(HostileZoneTest, NulBytesAndInvalidUtf8KeepTheReportValidJson) {
  for (const char* domain : {"nul.hostile.test", "badutf8.hostile.test"}) {
    CliRun run = Check(domain, {"--checks", "spf,dkim,dmarc,mx", "--dkim-selector", "s1",
                                "--sender-ip", "192.0.2.10"});
    ASSERT_TRUE(run.report.is_object()) << domain << ": the JSON report is not valid UTF-8 JSON\n"
                                        << run.Describe();
    EXPECT_EQ(run.result.exit_code, 1) << domain << ": " << run.Describe();
    // The records are read (not an error), found malformed and reported as failures.
    EXPECT_EQ(run.Status("spf"), "fail") << domain << run.FindingMessages("spf");
    EXPECT_TRUE(run.HasFinding("spf", "SPFSyntaxError")) << domain << run.FindingMessages("spf");
    EXPECT_EQ(run.Status("dmarc"), "fail") << domain << run.FindingMessages("dmarc");
    EXPECT_EQ(run.Status("dkim"), "fail") << domain << run.FindingMessages("dkim");
    EXPECT_NE(run.Status("mx"), "error") << domain << run.FindingMessages("mx");
    EXPECT_EQ(run.result.stdout_text.find('\0'), std::string::npos) << domain;

    // The human report escapes what could drive a terminal: no NUL, no raw control bytes.
    CliRun text = RunCheck(knot_->address(), domain,
                           {"--checks", "spf,dkim,dmarc", "--dkim-selector", "s1"}, false);
    EXPECT_EQ(text.result.exit_code, 1) << text.Describe();
    EXPECT_FALSE(text.result.stdout_text.empty());
    for (unsigned char c : text.result.stdout_text) {
      EXPECT_TRUE(c >= 0x20 || c == '\n') << domain << ": byte " << static_cast<int>(c);
      if (c < 0x20 && c != '\n') break;
    }
  }
}

class FaultServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fault = FaultDnsServer::Start();
    ASSERT_TRUE(fault.ok()) << fault.error().message;
    fault_ = std::move(fault).value();
  }
  CliRun Check(const std::string& domain, const std::vector<std::string>& extra) {
    return RunCheck(fault_->address(), domain, extra);
  }
  std::unique_ptr<FaultDnsServer> fault_;
};

TEST_F(FaultServerTest, EveryServerFailureIsACheckErrorNamingTheCause) {
  struct Case {
    const char* domain;
    const char* words;  // in the finding's message
  };
  for (const Case& c : std::vector<Case>{
           {"servfail.fault.test", "SERVFAIL"},
           {"refused.fault.test", "REFUSED"},
           {"timeout.fault.test", "no answer"},
           {"garbage.fault.test", "no answer"},  // garbage is ignored: it ends as a timeout
           {"short.fault.test", "no answer"},
           {"badid.fault.test", "no answer"},
           {"badrr.fault.test", "malformed"},
           {"ptrloop.fault.test", "malformed"},
       }) {
    CliRun run = Check(c.domain, {"--checks", "spf,mx", "--timeout", "300", "--attempts", "2"});
    ASSERT_TRUE(run.report.is_object()) << c.domain << ": " << run.Describe();
    EXPECT_EQ(run.result.exit_code, 3) << c.domain << ": " << run.Describe();
    EXPECT_EQ(run.Status("spf"), "error") << c.domain;
    EXPECT_EQ(run.Status("mx"), "error") << c.domain;
    EXPECT_NE(run.FindingMessages("spf").find(c.words), std::string::npos)
        << c.domain << ": " << run.FindingMessages("spf");
  }
}

TEST_F(FaultServerTest, SlowServerWithinTheTimeoutIsFineAndPastItIsAnError) {
  // 400 ms late against a 2 s try: the answer counts.
  CliRun within = Check("delay-400-a.fault.test", {"--checks", "mx", "--timeout", "2000"});
  ASSERT_TRUE(within.report.is_object()) << within.Describe();
  EXPECT_NE(within.Status("mx"), "error") << within.FindingMessages("mx");
  EXPECT_NE(within.result.exit_code, 3) << within.Describe();
  // 3 s late against 300 ms tries (two, about 900 ms in all): an error, not a wait.
  CliRun past =
      Check("delay-3000-b.fault.test", {"--checks", "mx", "--timeout", "300", "--attempts", "2"});
  ASSERT_TRUE(past.report.is_object()) << past.Describe();
  EXPECT_EQ(past.Status("mx"), "error") << past.FindingMessages("mx");
  EXPECT_EQ(past.result.exit_code, 3);
  EXPECT_NE(past.FindingMessages("mx").find("no answer"), std::string::npos)
      << past.FindingMessages("mx");
}

TEST_F(FaultServerTest, TruncatedAnswersAreFetchedOverTcp) {
  CliRun run = Check("tc-spf.fault.test", {"--checks", "spf"});
  ASSERT_TRUE(run.report.is_object()) << run.Describe();
  // The TCP answer is 16 TXT records, none of them SPF: a definite "no SPF record".
  EXPECT_EQ(run.Status("spf"), "fail") << run.FindingMessages("spf");
  EXPECT_TRUE(run.HasFinding("spf", "SPFMissing")) << run.FindingMessages("spf");
  EXPECT_GE(fault_->TcpQueryCount("tc-spf.fault.test."), 1);
}

TEST_F(FaultServerTest, AnswerNearTheMessageSizeBoundIsReadWhole) {
  // 244 TXT records, about 61 KB: only TCP can carry it, and 65,535 bytes is the bound.
  CliRun run = Check("huge.fault.test", {"--checks", "spf"});
  ASSERT_TRUE(run.report.is_object()) << run.Describe();
  EXPECT_EQ(run.Status("spf"), "fail") << run.FindingMessages("spf");
  EXPECT_TRUE(run.HasFinding("spf", "SPFMissing")) << run.FindingMessages("spf");
  EXPECT_GE(fault_->TcpQueryCount("huge.fault.test."), 1);
}

TEST_F(FaultServerTest, CnameChainsAreFollowedUpToTheBoundAndNoFurther) {
  // Ten hops (past the 8 many resolvers allow, within our 16): the record at the end counts.
  CliRun ten = Check("cname-10.fault.test", {"--checks", "spf", "--sender-ip", "192.0.2.10"});
  ASSERT_TRUE(ten.report.is_object()) << ten.Describe();
  EXPECT_EQ(ten.Status("spf"), "pass") << ten.FindingMessages("spf");
  EXPECT_EQ(ten.result.exit_code, 0) << ten.Describe();
  // Twenty hops and a two-name loop: a DNS error naming the bound, never a hang.
  for (const char* domain : {"cname-20.fault.test", "cnameloop.fault.test"}) {
    CliRun run = Check(domain, {"--checks", "spf"});
    ASSERT_TRUE(run.report.is_object()) << domain << ": " << run.Describe();
    EXPECT_EQ(run.Status("spf"), "error") << domain;
    EXPECT_EQ(run.result.exit_code, 3) << domain;
    EXPECT_NE(run.FindingMessages("spf").find("CNAME chain longer than 16"), std::string::npos)
        << domain << ": " << run.FindingMessages("spf");
  }
}

}  // namespace
}  // namespace mdo::reliability
