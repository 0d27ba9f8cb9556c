// Where and how to reach the API server: kubeconfig files (merged as kubectl merges
// $KUBECONFIG) or the in-cluster service account. Parsing is pure: text in, ClientConfig or an
// error that names the missing or bad field out.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace mdo::kube {

// users[].user.exec: a client.authentication.k8s.io credential plugin (EKS, GKE, AKS).
struct ExecConfig {
  std::string api_version;  // client.authentication.k8s.io/v1 (v1beta1 accepted)
  std::string command;      // run via PATH unless it contains a '/'; relative to base_dir then
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  bool provide_cluster_info = false;
  std::filesystem::path base_dir;  // the folder of the kubeconfig that defined it
};

struct ClientConfig {
  std::string server;  // https://host:port (no trailing slash)
  std::string ca_pem;  // PEM bundle to trust; empty = the system store
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;  // name to verify the serving certificate against, if not the host
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string token;                       // a fixed bearer token
  std::filesystem::path token_file;        // a bearer token re-read from disk (rotating tokens)
  std::optional<ExecConfig> exec;          // a credential plugin
  std::string namespace_name = "default";  // the context's namespace
  std::string context;                     // the context chosen; "" in-cluster
  std::string user_agent = "maildomain-operator";
};

// Parses one kubeconfig document. Relative file paths resolve against `base_dir`. `context`
// overrides current-context when not empty.
Result<ClientConfig> ParseKubeconfig(std::string_view yaml_text,
                                     const std::filesystem::path& base_dir,
                                     std::string_view context = "");

// Loads and merges several kubeconfig files as kubectl does: for current-context and for each
// named cluster, user and context the first file that sets it wins; missing files are skipped
// (but at least one must exist).
Result<ClientConfig> LoadKubeconfigFiles(const std::vector<std::filesystem::path>& files,
                                         std::string_view context = "");

// Splits a $KUBECONFIG value on ':' (empty pieces dropped).
std::vector<std::filesystem::path> SplitKubeconfigPaths(std::string_view value);

// What the in-cluster config reads, injectable for tests.
struct InClusterEnvironment {
  std::string service_host;   // KUBERNETES_SERVICE_HOST
  std::string service_port;   // KUBERNETES_SERVICE_PORT
  std::string pod_namespace;  // POD_NAMESPACE (optional)
  std::filesystem::path secrets_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
  static InClusterEnvironment FromProcess();
};

// client-go's InClusterConfig: https://host:port, the service account CA, a token file that the
// credential layer re-reads (bound tokens rotate), namespace from POD_NAMESPACE or the file.
Result<ClientConfig> InClusterConfig(const InClusterEnvironment& env);

// The operator's order: an explicit --kubeconfig; else in-cluster when KUBERNETES_SERVICE_HOST
// is set; else $KUBECONFIG; else ~/.kube/config.
Result<ClientConfig> LoadClientConfig(std::string_view kubeconfig_flag,
                                      std::string_view context = "");

// Strict base64 (RFC 4648, padding optional, whitespace ignored) for the *-data fields.
Result<std::string> Base64Decode(std::string_view text);

}  // namespace mdo::kube
