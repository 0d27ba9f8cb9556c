#include "cli/cli.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "dns/memory_resolver.h"
#include "support/process.h"
#include "support/test_env.h"

namespace mdo::cli {
namespace {

using dns::MemoryResolver;
using dns::RecordType;
using nlohmann::json;

struct CliRun {
  int exit = -1;
  std::string out, err;
  dns::ResolverOptions resolver_options;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    resolver_ = std::make_shared<MemoryResolver>();
    MemoryResolver& r = *resolver_;
    // A healthy-ish domain for SPF, MX and rDNS; DKIM/DMARC are not set up (tests pick checks).
    r.Add("example.test", RecordType::kTxt, "v=spf1 ip4:192.0.2.10 -all");
    r.AddMx("example.test", 10, "mx1.example.test");
    r.Add("mx1.example.test", RecordType::kA, "192.0.2.25");
    r.Add("25.2.0.192.in-addr.arpa", RecordType::kPtr, "mx1.example.test");
    r.Add("10.2.0.192.in-addr.arpa", RecordType::kPtr, "mail.example.test");
    r.Add("mail.example.test", RecordType::kA, "192.0.2.10");
    r.Add("sendonly.test", RecordType::kTxt, "v=spf1 -all");
    r.AddMx("sendonly.test", 0, ".");
  }

  CliRun Invoke(std::vector<std::string> args, bool color = false) {
    std::ostringstream out, err;
    CliRun run;
    CliContext context{
        out, err, color,
        [&](const dns::ResolverOptions& o) -> Result<std::shared_ptr<dns::Resolver>> {
          run.resolver_options = o;
          return std::shared_ptr<dns::Resolver>(resolver_);
        }};
    run.exit = RunMailDomainCheck(args, context);
    run.out = out.str();
    run.err = err.str();
    return run;
  }

  std::shared_ptr<MemoryResolver> resolver_;
};

TEST_F(CliTest, UsageErrorsExitTwoWithAClearMessage) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{}, "missing DOMAIN"},
      {{"a.example", "b.example"}, "only one DOMAIN"},
      {{"--bogus", "example.test"}, "unknown option \"--bogus\""},
      {{"--sender-ip", "300.1.2.3", "example.test"},
       "--sender-ip: \"300.1.2.3\" is not an IPv4 or IPv6 address"},
      {{"exa mple.test"}, "invalid domain"},
      {{"--ip-blacklist", "bad zone", "example.test"}, "--ip-blacklist: "},
      {{"--checks", "spf,smtp", "example.test"}, "--checks: unknown check \"smtp\""},
      {{"--dns-server", "ns.example", "example.test"}, "--dns-server: "},
      {{"--timeout", "0", "example.test"}, "--timeout expects a whole number"},
      {{"--attempts", "x", "example.test"}, "--attempts expects a whole number"},
      {{"example.test", "--timeout"}, "option --timeout needs a value"},
      {{"--json=yes", "example.test"}, "option --json takes no value"},
      {{"--ip", "192.0.2.1", "example.test"}, "only valid with the spf subcommand"},
      {{"spf", "example.test"}, "needs --ip"},
      {{"spf", "--ip", "192.0.2.1", "--sender-ip", "192.0.2.1", "example.test"},
       "not valid with the spf subcommand"},
      {{"-f", "/nonexistent/manifest.yaml"}, "cannot read the manifest"},
      {{"--dkim-selector", "bad sel", "example.test"}, "--dkim-selector: "},
  };
  for (const Case& c : cases) {
    CliRun run = Invoke(c.args);
    EXPECT_EQ(run.exit, kExitUsage) << c.message;
    EXPECT_EQ(run.err.rfind("maildomain-check: ", 0), 0u) << run.err;
    EXPECT_NE(run.err.find(c.message), std::string::npos) << run.err;
    EXPECT_TRUE(run.out.empty()) << run.out;
  }
}

TEST_F(CliTest, HelpListsEveryFlag) {
  CliRun run = Invoke({"--help"});
  EXPECT_EQ(run.exit, kExitOk);
  for (const char* flag : {"--dkim-selector", "--sender-ip", "--ip-blacklist", "--domain-blacklist",
                           "--checks", "--dns-server", "--timeout", "--attempts", "--json",
                           "-f, --file", "--ip IP", "--sender", "--helo"}) {
    EXPECT_NE(run.out.find(flag), std::string::npos) << flag;
  }
}

TEST_F(CliTest, JsonReportForOneDomain) {
  CliRun run =
      Invoke({"--json", "--checks", "spf,mx,rdns", "--sender-ip", "192.0.2.10", "--dns-server",
              "127.0.0.1:5300", "--timeout", "500", "--attempts", "3", "Example.TEST."});
  ASSERT_EQ(run.exit, kExitOk) << run.err << run.out;
  json j = json::parse(run.out);
  EXPECT_EQ(j["domain"], "example.test");
  EXPECT_EQ(j["status"], "pass");
  EXPECT_EQ(j["checks"]["spf"]["status"], "pass");
  EXPECT_EQ(j["checks"]["mx"]["status"], "pass");
  EXPECT_EQ(j["checks"]["rdns"]["status"], "pass");
  EXPECT_EQ(j["checks"]["dkim"]["status"], "skipped");
  EXPECT_EQ(j["checks"]["blacklists"]["status"], "skipped");
  EXPECT_EQ(run.resolver_options.servers, std::vector<std::string>{"127.0.0.1:5300"});
  EXPECT_EQ(run.resolver_options.timeout_ms, 500);
  EXPECT_EQ(run.resolver_options.attempts, 3);
}

TEST_F(CliTest, FailingCheckExitsOne) {
  CliRun run = Invoke({"--json", "--checks", "spf", "--sender-ip", "192.0.2.99", "example.test"});
  EXPECT_EQ(run.exit, kExitFailed) << run.out;
  json j = json::parse(run.out);
  EXPECT_EQ(j["checks"]["spf"]["status"], "fail");
}

TEST_F(CliTest, DnsErrorsExitThree) {
  resolver_->SetOutcome("broken.test", dns::Outcome::kServFail);
  CliRun run = Invoke({"--json", "--checks", "mx", "broken.test"});
  EXPECT_EQ(run.exit, kExitIncomplete) << run.out;
  EXPECT_EQ(json::parse(run.out)["checks"]["mx"]["status"], "error");
}

TEST_F(CliTest, ManifestChecksEveryMailDomain) {
  testing::TempDir dir;
  const auto path = dir.WriteFile("domains.yaml", R"(apiVersion: mailops.dev/v1alpha1
kind: MailDomain
metadata: {name: example}
spec:
  domain: example.test
  senders: [192.0.2.10]
---
apiVersion: mailops.dev/v1alpha1
kind: MailDomain
metadata: {name: sendonly}
spec:
  domain: sendonly.test
  mx: {required: false}
)");
  CliRun run = Invoke({"--json", "--checks", "spf,mx", "-f", path.string()});
  ASSERT_EQ(run.exit, kExitOk) << run.err << run.out;
  json j = json::parse(run.out);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["domain"], "example.test");
  EXPECT_EQ(j[1]["domain"], "sendonly.test");
  EXPECT_EQ(j[1]["checks"]["mx"]["status"], "pass");  // null MX is fine for a send-only domain
  EXPECT_EQ(j[1]["checks"]["mx"]["findings"][0]["code"], "MXNull");

  CliRun both = Invoke({"-f", path.string(), "example.test"});
  EXPECT_EQ(both.exit, kExitUsage);
  CliRun with_sender = Invoke({"-f", path.string(), "--sender-ip", "192.0.2.1"});
  EXPECT_EQ(with_sender.exit, kExitUsage);

  const auto bad = dir.WriteFile("bad.yaml", R"(apiVersion: mailops.dev/v1alpha1
kind: MailDomain
metadata: {name: bad}
spec: {domain: bad.test, senders: ["192.0.2.1", "300.1.2.3"]}
)");
  CliRun invalid = Invoke({"-f", bad.string()});
  EXPECT_EQ(invalid.exit, kExitUsage);
  EXPECT_NE(invalid.err.find("spec.senders[1]: \"300.1.2.3\" is not an IPv4 or IPv6 address"),
            std::string::npos)
      << invalid.err;
}

TEST_F(CliTest, SpfSubcommandPrintsTheResult) {
  CliRun pass = Invoke({"spf", "--ip", "192.0.2.10", "example.test"});
  EXPECT_EQ(pass.exit, kExitOk);
  EXPECT_EQ(pass.out, "pass\n");
  CliRun fail = Invoke({"spf", "--ip", "192.0.2.99", "--sender", "a@example.test", "--helo",
                        "mx.example.test", "--json", "example.test"});
  EXPECT_EQ(fail.exit, kExitFailed);
  json j = json::parse(fail.out);
  EXPECT_EQ(j["result"], "fail");
  EXPECT_EQ(j["mechanism"], "-all");
  EXPECT_TRUE(j["explanation"].is_string());
  EXPECT_EQ(j.size(), 3u);
  resolver_->SetOutcome("slow.test", dns::Outcome::kTimeout);
  CliRun temp = Invoke({"spf", "--ip", "192.0.2.10", "slow.test"});
  EXPECT_EQ(temp.exit, kExitIncomplete);
  EXPECT_EQ(temp.out, "temperror\n");
}

TEST_F(CliTest, HumanReportIsTextWithColourOnlyWhenAsked) {
  CliRun plain = Invoke({"--checks", "spf,mx", "--sender-ip", "192.0.2.99", "example.test"});
  EXPECT_EQ(plain.exit, kExitFailed);
  EXPECT_EQ(plain.out.find("FAIL  example.test"), 0u) << plain.out;
  EXPECT_NE(plain.out.find("SPFSenderNotAuthorized"), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("fix: "), std::string::npos);
  EXPECT_EQ(plain.out.find('\x1b'), std::string::npos);
  CliRun color = Invoke({"--checks", "spf", "example.test"}, /*color=*/true);
  EXPECT_NE(color.out.find("\x1b["), std::string::npos);
}

// The real binary: what a shell sees.
TEST(CliBinaryTest, UsageErrorsFromTheBinary) {
  const std::string bin = std::string(MDO_CLI_BINARY);
  testing::ProcessResult bad = testing::RunProcess({bin, "--sender-ip", "1.2.3", "example.com"});
  EXPECT_EQ(bad.exit_code, 2) << bin << ": " << bad.Describe();
  EXPECT_NE(bad.stderr_text.find("--sender-ip: \"1.2.3\" is not an IPv4 or IPv6 address"),
            std::string::npos)
      << bad.stderr_text;
  testing::ProcessResult help = testing::RunProcess({bin, "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.stdout_text.find("Usage:"), std::string::npos);
  // Not a terminal: no colour codes even in the human report of a usage error path.
  EXPECT_EQ(help.stdout_text.find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace mdo::cli
