// Runs tests/fixtures/findings/dmarc/cases.yaml against the zones in that folder through the
// check engine (the CLI harness runs the same cases through maildomain-check and Knot), and
// makes sure knotd accepts the zone files the harness will serve.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "checks/dkim/zone_fixture.h"
#include "checks/dmarc/dmarc_check.h"
#include "support/knot_server.h"

namespace mdo::checks::dmarc {
namespace {

std::filesystem::path SourceDir() {
  if (const char* dir = std::getenv("MDO_SOURCE_DIR"); dir && *dir) return dir;
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path();
}

std::filesystem::path FixtureDir() { return SourceDir() / "tests/fixtures/findings/dmarc"; }

struct Case {
  std::string name;
  std::string domain;
  DmarcCheckOptions options;
  std::string status;
  std::vector<std::string> codes;
  std::vector<std::string> absent;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name << " (" << c.domain << ")"; }

std::vector<std::string> Strings(const YAML::Node& node) {
  std::vector<std::string> out;
  if (node) {
    for (const auto& n : node) out.push_back(n.as<std::string>());
  }
  return out;
}

std::vector<Case> LoadCases() {
  std::vector<Case> cases;
  YAML::Node root = YAML::LoadFile((FixtureDir() / "cases.yaml").string());
  for (const auto& node : root["cases"]) {
    Case c;
    c.name = node["name"].as<std::string>();
    c.domain = node["domain"].as<std::string>();
    std::vector<std::string> args = Strings(node["args"]);
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
      if (args[i] != "-f") continue;
      YAML::Node spec = YAML::LoadFile((SourceDir() / args[i + 1]).string())["spec"];
      c.domain = spec["domain"].as<std::string>();
      if (spec["dmarc"]["minimumPolicy"]) {
        auto policy = ParsePolicy(spec["dmarc"]["minimumPolicy"].as<std::string>());
        if (policy) c.options.minimum_policy = *policy;
      }
      if (spec["dmarc"]["requireReports"]) {
        c.options.require_reports = spec["dmarc"]["requireReports"].as<bool>();
      }
    }
    c.status = node["expect"]["status"].as<std::string>();
    c.codes = Strings(node["expect"]["codes"]);
    c.absent = Strings(node["expect"]["absent"]);
    cases.push_back(std::move(c));
  }
  return cases;
}

class DmarcFindingsFixtureTest : public ::testing::TestWithParam<Case> {};

TEST_P(DmarcFindingsFixtureTest, ProducesTheExpectedFindings) {
  const Case& c = GetParam();
  checks::testing::ZoneFixtureResolver resolver;
  Status loaded = resolver.LoadZoneDirectory(FixtureDir());
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  DmarcCheckResult result = CheckDmarc(resolver, c.domain, c.options);
  std::set<std::string> codes;
  std::string all;
  for (const auto& f : result.findings) {
    codes.insert(f.code);
    all += "\n  " + f.code + " (" + std::string(checks::ToString(f.severity)) + "): " + f.message;
  }
  EXPECT_EQ(checks::ToString(result.status), c.status) << c.name << all;
  for (const auto& code : c.codes) EXPECT_TRUE(codes.contains(code)) << code << all;
  for (const auto& code : c.absent) EXPECT_FALSE(codes.contains(code)) << code << all;
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.name;
  std::replace_if(
      name.begin(), name.end(), [](char ch) { return !std::isalnum(ch); }, '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Cases, DmarcFindingsFixtureTest, ::testing::ValuesIn(LoadCases()),
                         CaseName);

TEST(DmarcFindingsFixtureFiles, EveryCodeHasACaseThatProducesIt) {
  std::set<std::string> produced;
  for (const Case& c : LoadCases()) produced.insert(c.codes.begin(), c.codes.end());
  for (const char* code :
       {"DMARCMissing", "DMARCMultipleRecords", "DMARCSyntaxError", "DMARCPolicyNone",
        "DMARCPolicyBelowMinimum", "DMARCPartialPercentage", "DMARCNoReports",
        "DMARCInvalidReportURI", "DMARCExternalReportUnauthorized", "DMARCInherited",
        "DMARCDNSError", "DMARCRecordAtApex", "DMARCDiscoveryMismatch", "DMARCTestingMode",
        "DMARCUnknownTag"}) {
    EXPECT_TRUE(produced.contains(code)) << code;
  }
}

TEST(DmarcFindingsFixtureFiles, KnotServesTheZones) {
  auto zones = mdo::testing::ZonesFromDirectory(FixtureDir());
  ASSERT_EQ(zones.size(), 3u);
  auto knot = mdo::testing::KnotServer::Start(zones);
  ASSERT_TRUE(knot.ok()) << knot.error().message;
}

}  // namespace
}  // namespace mdo::checks::dmarc
