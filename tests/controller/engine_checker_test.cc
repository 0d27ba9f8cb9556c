#include "controller/engine_checker.h"

#include <gtest/gtest.h>

#include "dns/memory_resolver.h"

namespace mdo::controller {
namespace {

using nlohmann::json;

TEST(EngineCheckerTest, ReturnsTheReportJsonForAValidSpec) {
  dns::MemoryResolver resolver;
  resolver.Add("example.com", dns::RecordType::kTxt, "v=spf1 ip4:192.0.2.10 -all");
  report::ReportOptions options;
  options.checks = {report::CheckKind::kSpf};
  EngineChecker checker(resolver, options);
  auto report = checker.Check({{"domain", "Example.COM"}, {"senders", {"192.0.2.10"}}}, false);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ((*report)["domain"], "example.com");
  EXPECT_EQ((*report)["checks"]["spf"]["status"], "pass");
  EXPECT_EQ((*report)["checks"]["spf"]["senders"][0]["result"], "pass");
  EXPECT_EQ((*report)["checks"]["mx"]["status"], "skipped");
}

TEST(EngineCheckerTest, NamesTheInvalidField) {
  dns::MemoryResolver resolver;
  EngineChecker checker(resolver, {});
  auto report =
      checker.Check({{"domain", "example.com"}, {"senders", {"192.0.2.10", "300.1.2.3"}}}, false);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("spec.senders[1]"), std::string::npos)
      << report.error().message;
  EXPECT_EQ(resolver.query_count(), 0u);
}

TEST(EngineCheckerTest, ClearsTheCacheOnlyWhenFreshAnswersAreAsked) {
  dns::MemoryResolver resolver;
  int clears = 0;
  report::ReportOptions options;
  options.checks = {report::CheckKind::kSpf};
  EngineChecker checker(resolver, options, [&] { ++clears; });
  ASSERT_TRUE(checker.Check({{"domain", "example.com"}}, false).ok());
  EXPECT_EQ(clears, 0);
  ASSERT_TRUE(checker.Check({{"domain", "example.com"}}, true).ok());
  EXPECT_EQ(clears, 1);
}

}  // namespace
}  // namespace mdo::controller
