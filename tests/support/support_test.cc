// Tests of the shared fixtures themselves: processes, Knot, the fault server.
#include <gtest/gtest.h>

#include "support/fault_dns_server.h"
#include "support/knot_server.h"
#include "support/process.h"
#include "support/test_env.h"
#include "support/wire_probe.h"

namespace mdo::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::uint16_t kTypeA = 1;
constexpr std::uint16_t kTypeTxt = 16;

std::filesystem::path DnsZones() { return SourceDir() / "tests" / "fixtures" / "zones" / "dns"; }

TEST(ProcessTest, CapturesOutputsExitCodeAndStdin) {
  ProcessResult r = RunProcess({"sh", "-c", "cat; echo err >&2; echo \"$MDO_X\"; exit 3"},
                               {{"MDO_X", "from-env"}}, "from-stdin\n");
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  EXPECT_EQ(r.stdout_text, "from-stdin\nfrom-env\n");
  EXPECT_EQ(r.stderr_text, "err\n");
  EXPECT_FALSE(r.timed_out);
}

TEST(ProcessTest, KillsOnTimeout) {
  ProcessResult r = RunProcess({"sh", "-c", "echo started; sleep 30"}, {}, {}, milliseconds(300));
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.term_signal, SIGKILL);
  EXPECT_EQ(r.stdout_text, "started\n");
}

TEST(ProcessTest, ReportsMissingProgram) {
  ProcessResult r = RunProcess({"/nonexistent/program"});
  EXPECT_EQ(r.exit_code, 127);
}

TEST(TestEnvTest, TempDirIsRemovedAndPortsAreFree) {
  std::filesystem::path kept;
  {
    TempDir dir;
    kept = dir.WriteFile("a/b.txt", "hello");
    EXPECT_EQ(ReadFileOrEmpty(kept), "hello");
  }
  EXPECT_FALSE(std::filesystem::exists(kept));
  int port = FreePort();
  EXPECT_GE(port, 20000);
  EXPECT_LT(port, 32000);
  EXPECT_TRUE(std::filesystem::exists(SourceDir() / "CMakeLists.txt"));
}

TEST(KnotServerTest, ServesZonesAndReloads) {
  auto zones = ZonesFromDirectory(DnsZones());
  ASSERT_GE(zones.size(), 3u);
  auto knot = KnotServer::Start(zones);
  ASSERT_TRUE(knot.ok()) << knot.error().message;
  KnotServer& server = **knot;
  EXPECT_EQ(server.address(), "127.0.0.1:" + std::to_string(server.port()));

  auto reply = ProbeUdp(server.port(), "www.dns.test", kTypeA, seconds(5));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->rcode, 0);
  EXPECT_EQ(reply->answer_count, 2);

  std::string zone = ReadFileOrEmpty(DnsZones() / "dns.test.zone");
  std::string bumped = zone;
  bumped.replace(bumped.find("1       ; serial"), 1, "2");
  bumped += "reloaded IN TXT \"new data\"\n";
  Status replaced = server.ReplaceZone("dns.test", bumped);
  ASSERT_TRUE(replaced.ok()) << replaced.error().message;
  reply = ProbeUdp(server.port(), "reloaded.dns.test", kTypeTxt, seconds(5));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->txt, std::vector<std::string>{"new data"});

  EXPECT_TRUE(server.Reload().ok());
  EXPECT_FALSE(server.ReplaceZone("other.test", "").ok());
}

TEST(KnotServerTest, FindsSerialInZoneText) {
  EXPECT_EQ(SoaSerialInZoneText("@ IN SOA ns. host. ( 2024 ; c\n 1 2 3 4 )"), 2024u);
  EXPECT_EQ(SoaSerialInZoneText("@ 60 IN SOA ns. host. 7 1 2 3 4"), 7u);
  EXPECT_FALSE(SoaSerialInZoneText("@ IN A 192.0.2.1").has_value());
}

TEST(KnotServerTest, ReportsABrokenZoneFile) {
  TempDir dir;
  auto path = dir.WriteFile("broken.test.zone", "this is not a zone\n");
  KnotServer::Options options;
  options.start_timeout = seconds(3);
  auto knot = KnotServer::Start({{"broken.test", path}}, options);
  ASSERT_FALSE(knot.ok());
  EXPECT_NE(knot.error().message.find("broken.test"), std::string::npos) << knot.error().message;
}

TEST(FaultDnsServerTest, InjectsFaultsAndCountsQueries) {
  auto fault = FaultDnsServer::Start();
  ASSERT_TRUE(fault.ok()) << fault.error().message;
  FaultDnsServer& server = **fault;

  auto ok = ProbeUdp(server.port(), "www.fault.test", kTypeA, seconds(5));
  ASSERT_TRUE(ok.has_value()) << server.Log();
  EXPECT_EQ(ok->rcode, 0);
  EXPECT_EQ(ok->answer_count, 1);
  auto servfail = ProbeUdp(server.port(), "servfail.fault.test", kTypeA, seconds(5));
  ASSERT_TRUE(servfail.has_value());
  EXPECT_EQ(servfail->rcode, 2);
  auto refused = ProbeUdp(server.port(), "refused.fault.test", kTypeA, seconds(5));
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->rcode, 5);
  auto nx = ProbeUdp(server.port(), "nxdomain.fault.test", kTypeA, seconds(5));
  ASSERT_TRUE(nx.has_value());
  EXPECT_EQ(nx->rcode, 3);
  auto tc = ProbeUdp(server.port(), "tc.fault.test", kTypeTxt, seconds(5));
  ASSERT_TRUE(tc.has_value());
  EXPECT_TRUE(tc->truncated);
  // No reply at all, and a reply with another ID (which the probe ignores).
  EXPECT_FALSE(ProbeUdp(server.port(), "timeout.fault.test", kTypeA, milliseconds(200)));
  EXPECT_FALSE(ProbeUdp(server.port(), "badid.fault.test", kTypeA, milliseconds(200)));

  EXPECT_EQ(server.QueryCount(), 7);
  EXPECT_EQ(server.QueryCount("www.fault.test"), 1);
  EXPECT_EQ(server.QueryCount("WWW.fault.test."), 1);
  EXPECT_EQ(server.TcpQueryCount("www.fault.test"), 0);
  server.ResetCounts();
  EXPECT_EQ(server.QueryCount(), 0);
}

}  // namespace
}  // namespace mdo::testing
