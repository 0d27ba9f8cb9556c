#include "operator/options.h"

#include <gtest/gtest.h>

#include <fstream>

namespace mdo::operator_main {
namespace {

TEST(OperatorOptionsTest, DefaultsMatchTheDocs) {
  auto o = ParseOptions({});
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->metrics_bind_address, ":8080");
  EXPECT_EQ(o->health_probe_bind_address, ":8081");
  EXPECT_EQ(o->workers, 4);
  EXPECT_EQ(o->domains_per_worker, 16);
  EXPECT_EQ(o->default_interval, std::chrono::hours(1));
  EXPECT_EQ(o->ip_zones.size(), 5u);
  EXPECT_EQ(o->domain_zones.size(), 3u);
  EXPECT_FALSE(o->leader_election.enabled);
  EXPECT_EQ(o->dns_cache_max_bytes, 32 * 1024 * 1024);  // docs/configuration.md: 33554432
}

TEST(OperatorOptionsTest, AppliesTheConfigFile) {
  OperatorOptions o;
  auto s = ApplyConfigYaml(R"(
dns:
  servers: ["127.0.0.1:5300"]
  timeoutMs: 500
  cache: {maxTtlSeconds: 60, maxBytes: 8388608}
checks: {defaultInterval: 30m}
blacklists: {ipZones: [bl.test], domainZones: []}
workers: 8
domainsPerWorker: 3
namespaces: [mail, team-a]
leaderElection: {enabled: true, leaseDuration: 20s}
log: {format: json}
)",
                           "config.yaml", o);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(o.dns_servers, std::vector<std::string>{"127.0.0.1:5300"});
  EXPECT_EQ(o.dns_timeout_ms, 500);
  EXPECT_EQ(o.dns_cache_max_ttl, 60);
  EXPECT_EQ(o.dns_cache_max_bytes, 8388608);
  EXPECT_EQ(o.default_interval, std::chrono::minutes(30));
  EXPECT_EQ(o.ip_zones, std::vector<std::string>{"bl.test"});
  EXPECT_TRUE(o.domain_zones.empty());
  EXPECT_EQ(o.workers, 8);
  EXPECT_EQ(o.domains_per_worker, 3);
  EXPECT_EQ(o.namespaces.size(), 2u);
  EXPECT_TRUE(o.leader_election.enabled);
  EXPECT_EQ(o.leader_election.lease_duration, std::chrono::seconds(20));
  EXPECT_EQ(o.log_format, "json");
}

TEST(OperatorOptionsTest, ConfigErrorsNameTheKey) {
  struct Case {
    const char* yaml;
    const char* expected;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"dns: {timeoutMs: fast}",
            "config.yaml: dns.timeoutMs: expected an integer, got \"fast\""},
           {"dnss: {}", "config.yaml: dnss: unknown key"},
           {"checks: {defaultInterval: 10s}",
            "config.yaml: checks.defaultInterval: must be at least 1m"},
           {"checks: {defaultInterval: soon}",
            "config.yaml: checks.defaultInterval: invalid duration"},
           {"workers: 0", "config.yaml: workers: must be between 1 and 256"},
           {"domainsPerWorker: 0", "config.yaml: domainsPerWorker: must be between 1 and 1024"},
           {"dns: {cache: {maxBytes: -1}}",
            "config.yaml: dns.cache.maxBytes: must be between 0 and 2147483647"},
           {"namespaces: {a: b}", "config.yaml: namespaces: expected a list of strings"},
           {"leaderElection: {leaseDuration: 5s}",
            "config.yaml: leaderElection: need leaseDuration"},
           {"dns: [", "config.yaml: not valid YAML"},
       }) {
    OperatorOptions o;
    auto s = ApplyConfigYaml(c.yaml, "config.yaml", o);
    ASSERT_FALSE(s.ok()) << c.yaml;
    EXPECT_EQ(s.error().message.rfind(c.expected, 0), 0u) << s.error().message;
  }
}

TEST(OperatorOptionsTest, FlagsOverrideTheFile) {
  const std::string path = ::testing::TempDir() + "/operator-options-test.yaml";
  {
    std::ofstream out(path);
    out << "workers: 8\nnamespaces: [a]\ndns: {servers: [\"10.0.0.1\"]}\n";
  }
  auto o = ParseOptions({"--config", path, "--workers=2", "--namespace", "b", "--namespace=c",
                         "--leader-elect", "--log-format", "json", "--domains-per-worker=1"});
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->workers, 2);
  EXPECT_EQ(o->domains_per_worker, 1);
  EXPECT_EQ(o->namespaces, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(o->dns_servers, std::vector<std::string>{"10.0.0.1"});
  EXPECT_TRUE(o->leader_election.enabled);
  EXPECT_EQ(o->log_format, "json");
}

TEST(OperatorOptionsTest, RejectsBadFlags) {
  EXPECT_EQ(ParseOptions({"--bogus"}).error().message, "unknown argument \"--bogus\" (see --help)");
  EXPECT_EQ(ParseOptions({"--workers"}).error().message, "--workers: missing value");
  EXPECT_FALSE(ParseOptions({"--workers", "many"}).ok());
  EXPECT_FALSE(ParseOptions({"--domains-per-worker", "0"}).ok());
  EXPECT_FALSE(ParseOptions({"--domains-per-worker", "2000"}).ok());
  EXPECT_FALSE(ParseOptions({"--log-format", "xml"}).ok());
  EXPECT_FALSE(ParseOptions({"--config", "/nonexistent/config.yaml"}).ok());
}

}  // namespace
}  // namespace mdo::operator_main
