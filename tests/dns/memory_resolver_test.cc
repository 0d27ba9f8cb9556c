#include "dns/memory_resolver.h"

#include <gtest/gtest.h>

namespace mdo::dns {
namespace {

TEST(MemoryResolverTest, TellsOutcomesApart) {
  MemoryResolver r;
  r.Add("Example.COM.", RecordType::kTxt, "v=spf1 -all");
  r.SetOutcome("broken.example", Outcome::kServFail);
  EXPECT_EQ(r.Resolve("example.com", RecordType::kTxt).outcome, Outcome::kData);
  EXPECT_EQ(r.Resolve("example.com", RecordType::kTxt).records.at(0), "v=spf1 -all");
  EXPECT_EQ(r.Resolve("example.com", RecordType::kA).outcome, Outcome::kNoData);
  EXPECT_EQ(r.Resolve("missing.example", RecordType::kA).outcome, Outcome::kNxDomain);
  EXPECT_EQ(r.Resolve("broken.example", RecordType::kA).outcome, Outcome::kServFail);
  EXPECT_EQ(r.query_count(), 5u);
}

TEST(MemoryResolverTest, FollowsCnameChains) {
  MemoryResolver r;
  r.AddCname("www.example.com", "a.example.net", 30);
  r.AddCname("a.example.net", "b.example.org", 300);
  r.Add("b.example.org", RecordType::kA, "192.0.2.1", 600);
  Answer a = r.Resolve("www.example.com", RecordType::kA);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.records, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(a.cname_chain, (std::vector<std::string>{"a.example.net", "b.example.org"}));
  EXPECT_EQ(a.canonical_name(), "b.example.org");
  EXPECT_EQ(a.ttl, 30u);
}

TEST(MemoryResolverTest, BreaksCnameLoops) {
  MemoryResolver r;
  r.AddCname("a.example", "b.example");
  r.AddCname("b.example", "a.example");
  Answer a = r.Resolve("a.example", RecordType::kA);
  EXPECT_EQ(a.outcome, Outcome::kServFail);
  EXPECT_FALSE(a.error.empty());
}

}  // namespace
}  // namespace mdo::dns
