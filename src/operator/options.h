// The operator's configuration: the YAML file of docs/configuration.md, then flags over it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace mdo::operator_main {

struct LeaderElectionOptions {
  bool enabled = false;
  std::string namespace_name;  // "" = the pod's namespace
  std::string id = "maildomain-operator";
  std::chrono::milliseconds lease_duration{15000};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
};

struct OperatorOptions {
  std::string kubeconfig;                // "" = in-cluster, then $KUBECONFIG, then ~/.kube/config
  std::string config_file;               // "" = none
  std::vector<std::string> dns_servers;  // HOST[:PORT]; empty = /etc/resolv.conf
  int dns_timeout_ms = 2000;
  int dns_attempts = 2;
  int dns_cache_min_ttl = 0;
  int dns_cache_max_ttl = 3600;
  int64_t dns_cache_max_bytes = 32 * 1024 * 1024;  // 0 = unbounded
  std::chrono::seconds default_interval{3600};
  std::vector<std::string> ip_zones = {"zen.spamhaus.org", "bl.spamcop.net",
                                       "b.barracudacentral.org", "psbl.surriel.com",
                                       "bl.mailspike.net"};
  std::vector<std::string> domain_zones = {"dbl.spamhaus.org", "multi.uribl.com",
                                           "multi.surbl.org"};
  int workers = 4;
  // MailDomains each worker keeps in flight, their DNS questions sent together
  // (report/interleaved.h); 1 checks one at a time.
  int domains_per_worker = 16;
  std::vector<std::string> namespaces;  // empty = all
  LeaderElectionOptions leader_election;
  std::string metrics_bind_address = ":8080";
  std::string health_probe_bind_address = ":8081";
  std::string log_level = "info";
  std::string log_format = "text";
  bool show_help = false;
};

// Applies the YAML configuration text over `options`; errors name the file and the key.
Status ApplyConfigYaml(const std::string& yaml_text, const std::string& file_name,
                       OperatorOptions& options);

// Parses argv: reads --config first (if given), then applies every flag over it.
Result<OperatorOptions> ParseOptions(const std::vector<std::string>& args);

std::string UsageText();

}  // namespace mdo::operator_main
