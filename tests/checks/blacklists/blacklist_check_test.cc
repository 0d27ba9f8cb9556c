#include "checks/blacklists/blacklist_check.h"

#include <gtest/gtest.h>

#include "checks/blacklists/blacklist_json.h"
#include "dns/memory_resolver.h"

namespace mdo::checks::blacklists {
namespace {

using dns::MemoryResolver;
using dns::Outcome;
using dns::RecordType;

net::IpAddress Ip(std::string_view text) { return *net::IpAddress::Parse(text); }

// A well-behaved IP list: RFC 5782 test entries for IPv4 and IPv6.
void AddHealthyIpZone(MemoryResolver& r, const std::string& zone) {
  r.Add("2.0.0.127." + zone, RecordType::kA, "127.0.0.2");
  r.Add("2.0.0.127." + zone, RecordType::kTxt, "test entry");
  r.Add(Ip("::ffff:7f00:2").ReversedLabels() + "." + zone, RecordType::kA, "127.0.0.2");
}

void AddHealthyDomainZone(MemoryResolver& r, const std::string& zone) {
  r.Add("test." + zone, RecordType::kA, "127.0.0.2");
}

TEST(BlacklistCheckTest, QueryNamesFollowRfc5782) {
  EXPECT_EQ(QueryName(Ip("192.0.2.25"), "zen.spamhaus.org"), "25.2.0.192.zen.spamhaus.org");
  EXPECT_EQ(QueryName(Ip("2001:db8::1"), "bl.test"),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test");
  EXPECT_EQ(QueryName(Ip("::ffff:192.0.2.25"), "bl.test"), "25.2.0.192.bl.test");
  EXPECT_EQ(QueryName("Example.COM", "dbl.test."), "example.com.dbl.test");
}

TEST(BlacklistCheckTest, ListedIpAndDomainWithReasons) {
  MemoryResolver r;
  AddHealthyIpZone(r, "bl.test");
  AddHealthyDomainZone(r, "dbl.test");
  r.Add("66.2.0.192.bl.test", RecordType::kA, "127.0.0.2");
  r.Add("66.2.0.192.bl.test", RecordType::kTxt, "Listed: see https://bl.test/66\x01");
  r.Add("bad.example.dbl.test", RecordType::kA, "127.0.0.2");
  ProbeCache cache;
  BlacklistCheckResult res = CheckBlacklists(r, {.ips = {Ip("192.0.2.66"), Ip("192.0.2.67")},
                                                 .domains = {"bad.example"},
                                                 .ip_zones = {"bl.test"},
                                                 .domain_zones = {"dbl.test"},
                                                 .probe_cache = &cache});
  EXPECT_EQ(res.status, CheckStatus::kFail);
  ASSERT_EQ(res.listings.size(), 2u);
  EXPECT_EQ(res.listings[0].target, "192.0.2.66");
  EXPECT_EQ(res.listings[0].zone, "bl.test");
  EXPECT_EQ(res.listings[0].codes, std::vector<std::string>{"127.0.0.2"});
  EXPECT_EQ(res.listings[0].reason, "Listed: see https://bl.test/66");
  EXPECT_EQ(res.listings[1].target, "bad.example");
  EXPECT_EQ(res.listings[1].reason, "");
  EXPECT_EQ(res.queries, 3 + 2);  // three list lookups, two TXT reasons
  EXPECT_TRUE(HasFinding(res.findings, "Blacklisted"));

  nlohmann::json j = ToJson(res);
  EXPECT_EQ(j["status"], "fail");
  EXPECT_EQ(j["queries"], 5);
  EXPECT_EQ(j["listings"][0]["zone"], "bl.test");
  EXPECT_EQ(j["listings"][0]["codes"][0], "127.0.0.2");
  EXPECT_EQ(j["listings"][0]["meaning"], "listed");
}

TEST(BlacklistCheckTest, CleanTargetsPass) {
  MemoryResolver r;
  AddHealthyIpZone(r, "bl.test");
  ProbeCache cache;
  BlacklistCheckResult res = CheckBlacklists(r, {.ips = {Ip("192.0.2.10"), Ip("2001:db8::10")},
                                                 .ip_zones = {"bl.test"},
                                                 .probe_cache = &cache});
  EXPECT_EQ(res.status, CheckStatus::kPass);
  EXPECT_TRUE(res.listings.empty());
  EXPECT_EQ(res.queries, 2);
}

TEST(BlacklistCheckTest, RefusalCodesAreNeverListings) {
  MemoryResolver r;
  // A list that answers every question, the probes too, with Spamhaus's public-resolver code.
  r.Add("2.0.0.127.zen.spamhaus.org", RecordType::kA, "127.255.255.254");
  r.Add("10.2.0.192.zen.spamhaus.org", RecordType::kA, "127.255.255.254");
  ProbeCache cache;
  BlacklistCheckResult res = CheckBlacklists(
      r, {.ips = {Ip("192.0.2.10")}, .ip_zones = {"zen.spamhaus.org"}, .probe_cache = &cache});
  EXPECT_EQ(res.status, CheckStatus::kError);
  EXPECT_TRUE(res.listings.empty());
  EXPECT_TRUE(HasFinding(res.findings, "BlacklistRefused"));
  EXPECT_FALSE(HasFinding(res.findings, "Blacklisted"));

  // IPv4 and IPv6 probes both refused: one finding, not two identical ones.
  r.Add(Ip("::ffff:7f00:2").ReversedLabels() + ".zen.spamhaus.org", RecordType::kA,
        "127.255.255.254");
  ProbeCache fresh;
  BlacklistCheckResult both = CheckBlacklists(r, {.ips = {Ip("192.0.2.10"), Ip("2001:db8::10")},
                                                  .ip_zones = {"zen.spamhaus.org"},
                                                  .probe_cache = &fresh});
  EXPECT_EQ(both.findings.size(), 1u);
}

TEST(BlacklistCheckTest, RefusalOnTargetOnlyIsRefused) {
  MemoryResolver r;
  AddHealthyIpZone(r, "bl.test");
  r.Add("10.2.0.192.bl.test", RecordType::kA, "10.0.0.1");
  ProbeCache cache;
  BlacklistCheckResult res = CheckBlacklists(
      r, {.ips = {Ip("192.0.2.10")}, .ip_zones = {"bl.test"}, .probe_cache = &cache});
  EXPECT_EQ(res.status, CheckStatus::kError);
  EXPECT_TRUE(res.listings.empty());
  EXPECT_TRUE(HasFinding(res.findings, "BlacklistRefused"));
}

TEST(BlacklistCheckTest, ZonesFailingTheProbeAreUntrustedAndIgnored) {
  MemoryResolver r;
  // No test entry at all: a dead or mistyped zone.
  r.Add("10.2.0.192.dead.test", RecordType::kA, "127.0.0.2");
  // Lists everything, 127.0.0.1 included: a lapsed list domain behind a wildcard.
  r.Add("2.0.0.127.wild.test", RecordType::kA, "127.0.0.2");
  r.Add("1.0.0.127.wild.test", RecordType::kA, "127.0.0.2");
  r.Add("10.2.0.192.wild.test", RecordType::kA, "127.0.0.2");
  ProbeCache cache;
  BlacklistCheckResult res = CheckBlacklists(
      r,
      {.ips = {Ip("192.0.2.10")}, .ip_zones = {"dead.test", "wild.test"}, .probe_cache = &cache});
  EXPECT_EQ(res.status, CheckStatus::kWarn);
  EXPECT_TRUE(res.listings.empty());
  int untrusted = 0;
  for (const Finding& f : res.findings) untrusted += f.code == "BlacklistZoneUntrusted";
  EXPECT_EQ(untrusted, 2);
}

TEST(BlacklistCheckTest, Ipv6NeedsTheIpv6TestEntry) {
  MemoryResolver r;
  r.Add("2.0.0.127.v4only.test", RecordType::kA, "127.0.0.2");
  ProbeCache cache;
  BlacklistCheckResult res = CheckBlacklists(r, {.ips = {Ip("192.0.2.10"), Ip("2001:db8::10")},
                                                 .ip_zones = {"v4only.test"},
                                                 .probe_cache = &cache});
  EXPECT_EQ(res.status, CheckStatus::kWarn);
  ASSERT_EQ(res.findings.size(), 1u);
  EXPECT_EQ(res.findings[0].code, "BlacklistZoneUntrusted");
  EXPECT_NE(res.findings[0].message.find("IPv6"), std::string::npos);
}

TEST(BlacklistCheckTest, ProbeVerdictsAreCachedUntilTheyExpire) {
  MemoryResolver r;
  AddHealthyIpZone(r, "bl.test");
  ProbeCache cache;
  BlacklistCheckOptions options{
      .ips = {Ip("192.0.2.10")}, .ip_zones = {"bl.test"}, .probe_cache = &cache};
  (void)CheckBlacklists(r, options);
  EXPECT_EQ(r.query_count(), 3u);  // two probes, one lookup
  r.ClearQueries();
  (void)CheckBlacklists(r, options);
  EXPECT_EQ(r.query_count(), 1u);  // the cached probe is not asked again
  r.ClearQueries();
  options.trusted_ttl = std::chrono::seconds(0);
  cache.Clear();
  (void)CheckBlacklists(r, options);
  (void)CheckBlacklists(r, options);
  EXPECT_EQ(r.query_count(), 6u);  // expired at once: probed both times
  EXPECT_FALSE(cache.Get("IPv4 bl.test", ProbeCache::Clock::now()).has_value());
}

TEST(BlacklistCheckTest, DnsFailuresAreErrorsNotListings) {
  MemoryResolver r;
  AddHealthyIpZone(r, "bl.test");
  r.SetOutcome("10.2.0.192.bl.test", Outcome::kTimeout);
  r.SetOutcome("2.0.0.127.down.test", Outcome::kServFail);
  ProbeCache cache;
  BlacklistCheckResult res = CheckBlacklists(
      r, {.ips = {Ip("192.0.2.10")}, .ip_zones = {"bl.test", "down.test"}, .probe_cache = &cache});
  EXPECT_EQ(res.status, CheckStatus::kError);
  EXPECT_TRUE(res.listings.empty());
  int errors = 0;
  for (const Finding& f : res.findings) errors += f.code == "BlacklistDNSError";
  EXPECT_EQ(errors, 2);
  // A failed probe is not cached: the next run asks again.
  EXPECT_FALSE(cache.Get("IPv4 down.test", ProbeCache::Clock::now()).has_value());
}

TEST(BlacklistCheckTest, NothingToCheckIsSkipped) {
  MemoryResolver r;
  ProbeCache cache;
  EXPECT_EQ(CheckBlacklists(r, {.ip_zones = {"bl.test"}, .probe_cache = &cache}).status,
            CheckStatus::kSkipped);
  EXPECT_EQ(r.query_count(), 0u);
}

TEST(BlacklistCheckTest, HugeAnswersAreBounded) {
  MemoryResolver r;
  AddHealthyIpZone(r, "bl.test");
  for (int i = 2; i < 250; ++i) {
    r.Add("10.2.0.192.bl.test", RecordType::kA, "127.0.0." + std::to_string(i));
  }
  r.Add("10.2.0.192.bl.test", RecordType::kTxt, std::string(100000, 'x'));
  ProbeCache cache;
  BlacklistCheckResult res = CheckBlacklists(
      r, {.ips = {Ip("192.0.2.10")}, .ip_zones = {"bl.test"}, .probe_cache = &cache});
  ASSERT_EQ(res.listings.size(), 1u);
  EXPECT_LE(res.listings[0].codes.size(), 16u);
  EXPECT_LE(res.listings[0].reason.size(), 512u);
}

}  // namespace
}  // namespace mdo::checks::blacklists
