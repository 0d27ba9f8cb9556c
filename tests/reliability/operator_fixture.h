// Operators for the fault-matrix tests: the e2e cluster (kube-testserver over HTTPS, the CRD)
// with an operator pointed at a DNS server and configuration of the test's choosing, and small
// helpers to read what the operator and the server did.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "e2e/cluster.h"
#include "support/process.h"

namespace mdo::reliability {

using nlohmann::json;

struct OperatorLaunch {
  std::string dns_server;            // --dns-server
  std::string config_yaml;           // written to a file for --config ("" = demo config)
  std::filesystem::path kubeconfig;  // "" = the cluster's
  std::vector<std::string> extra;    // more flags
  std::string log_level = "debug";
  std::string log_format = "text";
  testing::EnvOverrides env;  // on top of POD_NAME / POD_NAMESPACE
};

// Starts maildomain-operator; nullptr when it cannot be started.
std::unique_ptr<e2e::OperatorProcess> StartOperator(e2e::Cluster& cluster,
                                                    const OperatorLaunch& launch);

// GET on the operator's health port (/healthz, /readyz): the HTTP code, 0 when unreachable.
int ProbeCode(const e2e::OperatorProcess& op, const std::string& path);

// Applies a YAML document with the cluster's kubectl; "" or the error.
std::string Apply(e2e::Cluster& cluster, const std::string& yaml);

// A MailDomain manifest in namespace "mail".
std::string MailDomainYaml(const std::string& name, const std::string& domain,
                           const std::string& extra_spec = "");

// The operator's requests recorded by kube-testserver (user agent maildomain-operator/...),
// filtered by the query (e.g. "subresource=status").
std::vector<json> OperatorRequests(e2e::Cluster& cluster, const std::string& query = "");

}  // namespace mdo::reliability
