#include "checks/rdns/rdns_check.h"

#include <gtest/gtest.h>

#include "checks/rdns/rdns_json.h"
#include "dns/memory_resolver.h"

namespace mdo::checks::rdns {
namespace {

using dns::MemoryResolver;
using dns::Outcome;
using dns::RecordType;

net::IpAddress Ip(std::string_view text) { return *net::IpAddress::Parse(text); }

TEST(RdnsCheckTest, ForwardConfirmedIpv4AndIpv6Pass) {
  MemoryResolver r;
  r.Add("25.2.0.192.in-addr.arpa", RecordType::kPtr, "mx1.example.com");
  r.Add("mx1.example.com", RecordType::kA, "192.0.2.25");
  r.Add(Ip("2001:db8::25").ReverseName(), RecordType::kPtr, "mx1.example.com");
  r.Add("mx1.example.com", RecordType::kAaaa, "2001:db8::25");
  RdnsCheckResult res = CheckReverseDns(r, {Ip("192.0.2.25"), Ip("2001:db8::25")});
  EXPECT_EQ(res.status, CheckStatus::kPass);
  ASSERT_EQ(res.addresses.size(), 2u);
  EXPECT_TRUE(res.addresses[0].forward_confirmed);
  EXPECT_TRUE(res.addresses[1].forward_confirmed);
  EXPECT_EQ(res.addresses[0].ptr, std::vector<std::string>{"mx1.example.com"});

  nlohmann::json j = ToJson(res);
  EXPECT_EQ(j["status"], "pass");
  EXPECT_EQ(j["addresses"][0]["ip"], "192.0.2.25");
  EXPECT_EQ(j["addresses"][0]["ptr"][0], "mx1.example.com");
  EXPECT_EQ(j["addresses"][0]["forwardConfirmed"], true);
}

TEST(RdnsCheckTest, MissingPtrFails) {
  MemoryResolver r;
  RdnsCheckResult res = CheckReverseDns(r, {Ip("192.0.2.30")});
  EXPECT_EQ(res.status, CheckStatus::kFail);
  EXPECT_TRUE(HasFinding(res.findings, "ReverseDNSMissing"));
  ASSERT_EQ(res.addresses.size(), 1u);
  EXPECT_FALSE(res.addresses[0].forward_confirmed);
}

TEST(RdnsCheckTest, PtrNotResolvingBackIsMismatch) {
  MemoryResolver r;
  r.Add("31.2.0.192.in-addr.arpa", RecordType::kPtr, "host.example.net");
  r.Add("host.example.net", RecordType::kA, "198.51.100.1");
  RdnsCheckResult res = CheckReverseDns(r, {Ip("192.0.2.31")});
  EXPECT_EQ(res.status, CheckStatus::kFail);
  EXPECT_TRUE(HasFinding(res.findings, "ReverseDNSMismatch"));
  EXPECT_EQ(res.addresses[0].ptr, std::vector<std::string>{"host.example.net"});
}

TEST(RdnsCheckTest, OneConfirmingNameOfSeveralIsEnough) {
  MemoryResolver r;
  r.Add("32.2.0.192.in-addr.arpa", RecordType::kPtr, "a.example.net");
  r.Add("32.2.0.192.in-addr.arpa", RecordType::kPtr, "b.example.net");
  r.SetOutcome("a.example.net", Outcome::kTimeout);
  r.Add("b.example.net", RecordType::kA, "192.0.2.32");
  RdnsCheckResult res = CheckReverseDns(r, {Ip("192.0.2.32")});
  EXPECT_EQ(res.status, CheckStatus::kPass);
  EXPECT_TRUE(res.addresses[0].forward_confirmed);
}

TEST(RdnsCheckTest, DnsFailuresAreErrors) {
  MemoryResolver r;
  r.SetOutcome("33.2.0.192.in-addr.arpa", RecordType::kPtr, Outcome::kServFail);
  RdnsCheckResult res = CheckReverseDns(r, {Ip("192.0.2.33")});
  EXPECT_EQ(res.status, CheckStatus::kError);
  EXPECT_TRUE(HasFinding(res.findings, "ReverseDNSError"));
  EXPECT_FALSE(HasFinding(res.findings, "ReverseDNSMissing"));

  r.Add("34.2.0.192.in-addr.arpa", RecordType::kPtr, "slow.example.net");
  r.SetOutcome("slow.example.net", Outcome::kTimeout);
  RdnsCheckResult fwd = CheckReverseDns(r, {Ip("192.0.2.34")});
  EXPECT_EQ(fwd.status, CheckStatus::kError);
  EXPECT_FALSE(HasFinding(fwd.findings, "ReverseDNSMismatch"));
}

TEST(RdnsCheckTest, NoAddressesIsSkippedAndDuplicatesAreCheckedOnce) {
  MemoryResolver r;
  EXPECT_EQ(CheckReverseDns(r, {}).status, CheckStatus::kSkipped);
  RdnsCheckResult res =
      CheckReverseDns(r, {Ip("192.0.2.40"), Ip("::ffff:192.0.2.40"), Ip("192.0.2.40")});
  EXPECT_EQ(res.addresses.size(), 1u);
  EXPECT_EQ(res.addresses[0].ip.ToString(), "192.0.2.40");
}

TEST(RdnsCheckTest, PtrToTheRootIsNoName) {
  MemoryResolver r;
  r.Add("42.2.0.192.in-addr.arpa", RecordType::kPtr, ".");
  RdnsCheckResult res = CheckReverseDns(r, {Ip("192.0.2.42")});
  EXPECT_EQ(res.status, CheckStatus::kFail);
  EXPECT_TRUE(HasFinding(res.findings, "ReverseDNSMissing"));
  EXPECT_EQ(r.query_count(), 1u);
}

TEST(RdnsCheckTest, ManyPtrNamesAreBounded) {
  MemoryResolver r;
  for (int i = 0; i < 100; ++i) {
    r.Add("41.2.0.192.in-addr.arpa", RecordType::kPtr, "h" + std::to_string(i) + ".example.net");
  }
  RdnsCheckResult res = CheckReverseDns(r, {Ip("192.0.2.41")});
  EXPECT_EQ(res.addresses[0].ptr.size(), kMaxPtrNames);
  EXPECT_EQ(r.query_count(), 1 + kMaxPtrNames);
}

}  // namespace
}  // namespace mdo::checks::rdns
