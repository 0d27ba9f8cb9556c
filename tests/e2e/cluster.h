// A throwaway "cluster" for end-to-end tests: Knot serving the demo zones, kube-testserver over
// HTTPS with a bearer token, the CRD applied with the real kubectl, and operator processes.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/knot_server.h"
#include "support/process.h"
#include "support/test_env.h"

namespace mdo::e2e {

using nlohmann::json;

// Polls `condition` every 100 ms until it holds or `timeout` passes.
bool Eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(60));

struct OperatorProcess {
  std::unique_ptr<testing::Subprocess> process;
  int metrics_port = 0;
  int health_port = 0;
  std::filesystem::path log_file;
  std::string Metrics() const;                          // the /metrics text ("" when unreachable)
  double MetricValue(const std::string& series) const;  // e.g. maildomain_leader; -1 if absent
  std::string Log() const;
};

class Cluster {
 public:
  // Starts Knot (demo zones), kube-testserver, applies the CRD; returns "" or an error.
  std::string Start();
  ~Cluster();

  // kubectl with this cluster's kubeconfig and a private cache.
  testing::ProcessResult Kubectl(const std::vector<std::string>& args,
                                 std::string_view stdin_text = {});
  // GET/POST/DELETE on kube-testserver's admin endpoint; the parsed JSON answer.
  json Admin(const std::string& method, const std::string& path, const json& body = nullptr);
  json GetMailDomain(const std::string& name, const std::string& ns = "mail");
  // The condition of `type` on a MailDomain, or null.
  json Condition(const std::string& name, const std::string& type, const std::string& ns = "mail");
  // Events regarding a MailDomain (events.k8s.io/v1 items).
  std::vector<json> Events(const std::string& name, const std::string& ns = "mail");

  // Starts an operator with the demo config; `extra` flags appended.
  std::unique_ptr<OperatorProcess> StartOperator(const std::vector<std::string>& extra = {});
  // Applies demo/maildomains.yaml and waits until every demo domain has a Ready condition.
  std::string ApplyDemoDomains();
  // Bumps the recheck annotation of a MailDomain.
  void Recheck(const std::string& name, const std::string& ns = "mail");

  testing::KnotServer& knot() { return *knot_; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  std::string ZoneText(const std::string& zone) const;  // the demo zone file's text

 private:
  testing::TempDir dir_{"mdo-e2e"};
  std::unique_ptr<testing::KnotServer> knot_;
  std::unique_ptr<testing::Subprocess> apiserver_;
  std::string url_;
  std::filesystem::path kubeconfig_;
  int recheck_counter_ = 0;
  int operator_counter_ = 0;
};

}  // namespace mdo::e2e
