// Helpers for the chart tests: run the real helm (and kubectl) with a private HOME, parse the
// rendered multi-document YAML, find objects, compare YAML trees, judge pod specs against the
// Pod Security "restricted" profile.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/test_env.h"

namespace mdo::chart_test {

// The chart, the repository's single CRD source and the test values files.
std::filesystem::path ChartDir();
std::filesystem::path CrdSource();
std::filesystem::path TestValues(const std::string& file_name);

// Every YAML document of `text` that is a map (empty documents are skipped). Throws
// YAML::Exception on malformed input, which fails the calling test.
std::vector<YAML::Node> ParseDocuments(const std::string& text);

// A YAML tree as JSON, every scalar as a string: enough to compare two trees for equality and
// print the difference.
nlohmann::json ToJson(const YAML::Node& node);

// Objects of `kind` (and `name` when not empty) in `objects`.
std::vector<YAML::Node> FindAll(const std::vector<YAML::Node>& objects, const std::string& kind,
                                const std::string& name = "");

// Runs helm and kubectl from the repository's .tools/bin with HOME, XDG folders and KUBECONFIG
// in a fresh temporary folder, so that tests neither share nor touch anyone's caches.
class Tools {
 public:
  Tools();

  testing::ProcessResult Helm(const std::vector<std::string>& args) const;
  testing::ProcessResult Kubectl(const std::vector<std::string>& args) const;

  // `helm template <release> <chart> --namespace <namespace> <extra>`; fails the test (via
  // ADD_FAILURE) and returns nothing when helm fails.
  std::vector<YAML::Node> Template(const std::vector<std::string>& extra = {},
                                   const std::string& release = "maildomain-operator",
                                   const std::string& namespace_name = "maildomain-system") const;

  const testing::TempDir& dir() const { return dir_; }

 private:
  testing::ProcessResult Run(const std::string& tool, const std::vector<std::string>& args) const;

  testing::TempDir dir_{"mdo-chart"};
};

// Every way `pod_spec` breaks the Pod Security Standards "restricted" profile (latest), as one
// sentence each; empty when it complies.
std::vector<std::string> RestrictedViolations(const YAML::Node& pod_spec);

}  // namespace mdo::chart_test
