// Runs tests/fixtures/findings/dkim/cases.yaml against its zone through the check engine (the
// CLI harness runs the same cases through maildomain-check and Knot), and makes sure knotd
// accepts the zone files the harness will serve.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "checks/dkim/dkim_check.h"
#include "checks/dkim/test_keys.h"
#include "checks/dkim/zone_fixture.h"
#include "support/knot_server.h"

namespace mdo::checks::dkim {
namespace {

std::filesystem::path FixtureDir() { return testing::SourceDir() / "tests/fixtures/findings/dkim"; }

struct Case {
  std::string name;
  std::string domain;
  DkimCheckOptions options;
  std::string status;
  std::vector<std::string> codes;
  std::vector<std::string> absent;
};

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
      if (args[i] == "--dkim-selector") c.options.selectors.push_back(args[i + 1]);
      if (args[i] == "-f") {
        YAML::Node spec = YAML::LoadFile((testing::SourceDir() / args[i + 1]).string())["spec"];
        c.domain = spec["domain"].as<std::string>();
        c.options.selectors = Strings(spec["dkim"]["selectors"]);
        if (spec["dkim"]["minimumKeyBits"]) {
          c.options.minimum_key_bits = spec["dkim"]["minimumKeyBits"].as<int>();
        }
      }
    }
    c.status = node["expect"]["status"].as<std::string>();
    c.codes = Strings(node["expect"]["codes"]);
    c.absent = Strings(node["expect"]["absent"]);
    cases.push_back(std::move(c));
  }
  return cases;
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.name << " (" << c.domain << ")"; }

class DkimFindingsFixtureTest : public ::testing::TestWithParam<Case> {};

TEST_P(DkimFindingsFixtureTest, ProducesTheExpectedFindings) {
  const Case& c = GetParam();
  checks::testing::ZoneFixtureResolver resolver;
  Status loaded = resolver.LoadZoneDirectory(FixtureDir());
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  DkimCheckResult result = CheckDkim(resolver, c.domain, c.options);
  std::set<std::string> codes;
  std::string all;
  auto collect = [&](const std::vector<checks::Finding>& findings) {
    for (const auto& f : findings) {
      codes.insert(f.code);
      all += "\n  " + f.code + " (" + std::string(checks::ToString(f.severity)) + "): " + f.message;
    }
  };
  collect(result.findings);
  for (const auto& s : result.selectors) collect(s.findings);
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

INSTANTIATE_TEST_SUITE_P(Cases, DkimFindingsFixtureTest, ::testing::ValuesIn(LoadCases()),
                         CaseName);

TEST(DkimFindingsFixtureFiles, EveryCodeHasACaseThatProducesIt) {
  std::set<std::string> produced;
  for (const Case& c : LoadCases()) produced.insert(c.codes.begin(), c.codes.end());
  for (const char* code :
       {"DKIMKeyMissing", "DKIMKeyRevoked", "DKIMKeyInvalid", "DKIMKeyWeak", "DKIMSyntaxError",
        "DKIMMultipleRecords", "DKIMTestingMode", "DKIMSha1Only", "DKIMNoSelectors", "DKIMDNSError",
        "DKIMServiceNotEmail", "DKIMKeyDelegated"}) {
    EXPECT_TRUE(produced.contains(code)) << code;
  }
}

TEST(DkimFindingsFixtureFiles, KnotServesTheZones) {
  auto zones = mdo::testing::ZonesFromDirectory(FixtureDir());
  ASSERT_FALSE(zones.empty());
  auto knot = mdo::testing::KnotServer::Start(zones);
  ASSERT_TRUE(knot.ok()) << knot.error().message;
}

}  // namespace
}  // namespace mdo::checks::dkim
