// Runs tests/fixtures/findings/spf/cases.yaml (the CLI harness's data) through CheckSpf with
// spf.test.zone loaded into a MemoryResolver: one GoogleTest case per fixture case.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "checks/spf/spf_check.h"
#include "checks/spf/spf_json.h"
#include "common/strings.h"
#include "dns/memory_resolver.h"
#include "support/zone_file.h"

namespace mdo::checks::spf {
namespace {

namespace fs = std::filesystem;

fs::path SourceDir() {
  const char* dir = std::getenv("MDO_SOURCE_DIR");
  return dir ? fs::path(dir) : fs::path(MDO_DEFAULT_SOURCE_DIR);
}

fs::path FixtureDir() { return SourceDir() / "tests" / "fixtures" / "findings" / "spf"; }

// Answers REFUSED outside spf.test, as an authoritative server does for zones it lacks.
class FixtureResolver : public dns::Resolver {
 public:
  FixtureResolver() {
    // SOA and NS are not loaded: no SPF case needs them.
    auto loaded = mdo::testing::ParseZoneFile(FixtureDir() / "spf.test.zone", "spf.test");
    load_error_ = loaded ? "" : loaded.error().message;
    if (loaded) {
      records_ =
          mdo::testing::AddRecords(*loaded, zone_, {dns::RecordType::kSoa, dns::RecordType::kNs});
    }
  }
  void Query(std::string_view name, dns::RecordType type, Callback done) override {
    const std::string key = NormalizeDnsName(name);
    if (key != "spf.test" && !key.ends_with(".spf.test")) {
      dns::Answer a;
      a.name = key;
      a.type = type;
      a.outcome = dns::Outcome::kRefused;
      done(a);
      return;
    }
    zone_.Query(name, type, std::move(done));
  }
  std::string load_error_;
  int records_ = 0;

 private:
  dns::MemoryResolver zone_;
};

struct FixtureCase {
  std::string name;
  std::string domain;
  SpfCheckOptions options;
  std::string manifest;
  std::string status;
  std::vector<std::string> codes;
  std::vector<std::string> absent;
};

void PrintTo(const FixtureCase& c, std::ostream* os) { *os << c.name; }

std::vector<FixtureCase> LoadCases() {
  std::vector<FixtureCase> out;
  YAML::Node root;
  try {
    root = YAML::LoadFile((FixtureDir() / "cases.yaml").string());
  } catch (const std::exception&) {
    return out;  // the CasesLoad test reports it
  }
  for (const auto& c : root["cases"]) {
    FixtureCase f;
    f.name = c["name"].as<std::string>();
    f.domain = c["domain"].as<std::string>();
    std::vector<std::string> args;
    for (const auto& a : c["args"]) args.push_back(a.as<std::string>());
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
      if (args[i] == "--sender-ip") {
        if (auto ip = net::IpAddress::Parse(args[i + 1])) f.options.senders.push_back(*ip);
      } else if (args[i] == "-f" || args[i] == "--file") {
        f.manifest = args[i + 1];
      }
    }
    if (!f.manifest.empty()) {
      // The manifest's spec decides the domain, senders and requireHardFail.
      YAML::Node m = YAML::LoadFile((SourceDir() / f.manifest).string());
      f.domain = m["spec"]["domain"].as<std::string>();
      f.options.require_hard_fail = m["spec"]["spf"]["requireHardFail"].as<bool>(false);
      if (m["spec"]["senders"]) {
        for (const auto& s : m["spec"]["senders"]) {
          if (auto ip = net::IpAddress::Parse(s.as<std::string>()))
            f.options.senders.push_back(*ip);
        }
      }
    }
    const auto& e = c["expect"];
    f.status = e["status"].as<std::string>();
    for (const auto& code : e["codes"]) f.codes.push_back(code.as<std::string>());
    for (const auto& code : e["absent"]) f.absent.push_back(code.as<std::string>());
    out.push_back(std::move(f));
  }
  return out;
}

class SpfFindingFixtureTest : public ::testing::TestWithParam<FixtureCase> {};

TEST_P(SpfFindingFixtureTest, ProducesExpectedFindings) {
  const FixtureCase& c = GetParam();
  FixtureResolver resolver;
  ASSERT_EQ(resolver.load_error_, "");
  SpfCheckResult r = CheckSpf(resolver, c.domain, c.options);
  const std::string dump = ToJson(r).dump(2);
  EXPECT_EQ(std::string(checks::ToString(r.status)), c.status) << dump;
  for (const auto& code : c.codes)
    EXPECT_TRUE(checks::HasFinding(r.findings, code)) << code << dump;
  for (const auto& code : c.absent) {
    EXPECT_FALSE(checks::HasFinding(r.findings, code)) << code << dump;
  }
  for (const auto& f : r.findings) {
    EXPECT_FALSE(f.message.empty());
    EXPECT_TRUE(f.message.find(c.domain) != std::string::npos ||
                f.message.find("spf.test") != std::string::npos)
        << "a finding message should name what it concerns: " << f.message;
  }
}

std::string CaseName(const ::testing::TestParamInfo<FixtureCase>& info) {
  std::string name = info.param.name;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Cases, SpfFindingFixtureTest, ::testing::ValuesIn(LoadCases()), CaseName);

TEST(SpfFindingFixtures, CasesLoadAndCoverEveryCode) {
  auto cases = LoadCases();
  ASSERT_GE(cases.size(), 30u);
  FixtureResolver resolver;
  EXPECT_EQ(resolver.load_error_, "");
  EXPECT_GT(resolver.records_, 50);
  for (const char* code :
       {"SPFMissing", "SPFMultipleRecords", "SPFSyntaxError", "SPFTooManyLookups",
        "SPFTooManyVoidLookups", "SPFIncludeLoop", "SPFIncludeMissing", "SPFPassAll",
        "SPFNeutralAll", "SPFNoAll", "SPFSoftFailAll", "SPFPtrUsed", "SPFRecordTooLong",
        "SPFSenderNotAuthorized", "SPFDNSError", "SPFTooManyMXRecords", "SPFRedirectIgnored"}) {
    int produces = 0;
    int near_miss = 0;
    for (const auto& c : cases) {
      for (const auto& x : c.codes) produces += x == code;
      for (const auto& x : c.absent) near_miss += x == code;
    }
    EXPECT_GE(produces, 1) << code;
    EXPECT_GE(near_miss, 1) << code;
  }
}

}  // namespace
}  // namespace mdo::checks::spf
