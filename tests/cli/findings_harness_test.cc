// The findings harness (data-driven): for each folder tests/fixtures/findings/<check>/, one Knot
// server serves every *.zone file of the folder, and each case of its cases.yaml runs
//   build/bin/maildomain-check --dns-server 127.0.0.1:PORT --json <args> <domain>
// and checks the named check's status, the codes that must and must not appear, and optionally
// the exit status. Case format (cases.yaml):
//   cases:
//     - name: too-many-lookups          # the gtest name is Findings.<folder>_<name>
//       domain: toomany.spf.test
//       args: [--checks, spf]           # with -f MANIFEST, `domain` is not appended
//       expect: {check: spf, status: fail, codes: [SPFTooManyLookups], absent: [], exit: 1}
// `codes` must appear in checks.<check>.findings (for dkim also in any selector's findings),
// `absent` must not; `exit` is optional.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "api/manifest.h"
#include "support/knot_server.h"
#include "support/process.h"
#include "support/test_env.h"

namespace mdo {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct FindingsCase {
  std::string folder;  // the check folder, e.g. "spf"
  std::string name;
  std::string domain;
  std::vector<std::string> args;
  std::string check;
  std::string status;
  std::vector<std::string> codes;
  std::vector<std::string> absent;
  std::optional<int> exit;
  std::string load_error;  // a broken cases.yaml still yields one (failing) case
};

std::vector<std::string> Strings(const json& j) {
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const json& v : j) out.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

std::vector<FindingsCase> LoadCases() {
  std::vector<FindingsCase> cases;
  const fs::path root = testing::SourceDir() / "tests/fixtures/findings";
  std::error_code ec;
  std::vector<fs::path> folders;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (entry.is_directory() && fs::exists(entry.path() / "cases.yaml")) {
      folders.push_back(entry.path());
    }
  }
  std::sort(folders.begin(), folders.end());
  for (const fs::path& folder : folders) {
    const std::string check = folder.filename().string();
    Result<std::vector<json>> docs =
        api::YamlDocumentsToJson(testing::ReadFileOrEmpty(folder / "cases.yaml"));
    if (!docs.ok() || docs->empty() || !(*docs)[0].contains("cases") ||
        !(*docs)[0]["cases"].is_array()) {
      FindingsCase broken;
      broken.folder = check;
      broken.name = "cases_yaml";
      broken.load_error = docs.ok() ? "no `cases:` list" : docs.error().message;
      cases.push_back(broken);
      continue;
    }
    for (const json& c : (*docs)[0]["cases"]) {
      FindingsCase fc;
      fc.folder = check;
      fc.name = c.value("name", "");
      fc.domain = c.value("domain", "");
      fc.args = Strings(c.value("args", json::array()));
      const json expect = c.value("expect", json::object());
      fc.check = expect.value("check", check);
      fc.status = expect.value("status", "");
      fc.codes = Strings(expect.value("codes", json::array()));
      fc.absent = Strings(expect.value("absent", json::array()));
      if (expect.contains("exit") && expect["exit"].is_number_integer()) {
        fc.exit = expect["exit"].get<int>();
      }
      if (fc.name.empty() || fc.domain.empty() || fc.status.empty()) {
        fc.load_error = "case needs name, domain and expect.status: " + c.dump();
      }
      cases.push_back(std::move(fc));
    }
  }
  return cases;
}

// One Knot per folder, shared by the cases that run in this process.
testing::KnotServer* ServerFor(const std::string& folder, std::string& error) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<testing::KnotServer>> servers;
  std::lock_guard lock(mu);
  auto it = servers.find(folder);
  if (it != servers.end()) return it->second.get();
  auto zones =
      testing::ZonesFromDirectory(testing::SourceDir() / "tests/fixtures/findings" / folder);
  if (zones.empty()) {
    error = "no *.zone files in tests/fixtures/findings/" + folder;
    return nullptr;
  }
  auto server = testing::KnotServer::Start(zones);
  if (!server.ok()) {
    error = server.error().message;
    return nullptr;
  }
  return (servers[folder] = std::move(server).value()).get();
}

// One gtest case per YAML case, registered by name (Findings.<check>_<case>) so ctest lists
// readable names.
class FindingsCaseTest : public ::testing::Test {
 public:
  explicit FindingsCaseTest(FindingsCase c) : case_(std::move(c)) {}
  void TestBody() override;

 private:
  FindingsCase case_;
};

void FindingsCaseTest::TestBody() {
  const FindingsCase& c = case_;
  ASSERT_TRUE(c.load_error.empty()) << c.folder << ": " << c.load_error;
  std::string error;
  testing::KnotServer* knot = ServerFor(c.folder, error);
  ASSERT_NE(knot, nullptr) << error;

  std::vector<std::string> argv = {std::string(MDO_CLI_BINARY), "--dns-server", knot->address(),
                                   "--json"};
  argv.insert(argv.end(), c.args.begin(), c.args.end());
  const bool manifest = std::any_of(c.args.begin(), c.args.end(), [](const std::string& a) {
    return a == "-f" || a == "--file";
  });
  if (!manifest) argv.push_back(c.domain);
  const testing::ProcessResult run =
      testing::RunProcess(argv, {}, {}, std::chrono::seconds(90), testing::SourceDir());
  const std::string context = "case " + c.folder + "/" + c.name + ": " + run.Describe() +
                              "\nstderr: " + run.stderr_text + "\nstdout: " + run.stdout_text;
  ASSERT_TRUE(run.start_error.empty()) << context;
  ASSERT_FALSE(run.timed_out) << context;
  if (c.exit) {
    EXPECT_EQ(run.exit_code, *c.exit) << context;
  }

  json out = json::parse(run.stdout_text, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(out.is_discarded()) << "stdout is not JSON; " << context;
  json report = out;
  if (out.is_array()) {
    report = json();
    for (const json& r : out) {
      if (r.value("domain", "") == c.domain) report = r;
    }
    ASSERT_FALSE(report.is_null()) << "no report for " << c.domain << "; " << context;
  }
  ASSERT_TRUE(report.contains("checks") && report["checks"].contains(c.check)) << context;
  const json& block = report["checks"][c.check];
  EXPECT_EQ(block.value("status", ""), c.status) << context;

  std::multiset<std::string> codes;
  auto collect = [&](const json& findings) {
    if (!findings.is_array()) return;
    for (const json& f : findings) codes.insert(f.value("code", ""));
  };
  collect(block.value("findings", json::array()));
  for (const json& s : block.value("selectors", json::array())) {
    if (s.is_object()) collect(s.value("findings", json::array()));
  }
  for (const std::string& code : c.codes) {
    EXPECT_TRUE(codes.count(code)) << "missing " << code << "; " << context;
  }
  for (const std::string& code : c.absent) {
    EXPECT_FALSE(codes.count(code)) << "unexpected " << code << "; " << context;
  }
}

std::string CaseName(const FindingsCase& c) {
  std::string name = c.folder + "_" + c.name;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

const bool kRegistered = [] {
  for (const FindingsCase& c : LoadCases()) {
    ::testing::RegisterTest("Findings", CaseName(c).c_str(), nullptr, nullptr, __FILE__, __LINE__,
                            [c]() -> ::testing::Test* { return new FindingsCaseTest(c); });
  }
  return true;
}();

}  // namespace
}  // namespace mdo
