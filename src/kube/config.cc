#include "kube/config.h"

#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "common/strings.h"

namespace mdo::kube {
namespace {

namespace fs = std::filesystem;

// Kubeconfigs and service-account files are small; anything larger is not one.
constexpr std::uintmax_t kMaxConfigFileBytes = 4 << 20;

struct NamedEntry {
  YAML::Node node;
  fs::path base_dir;
};

// One or more kubeconfig files folded together, first setter wins.
struct MergedKubeconfig {
  std::string current_context;
  std::map<std::string, NamedEntry> clusters;
  std::map<std::string, NamedEntry> users;
  std::map<std::string, NamedEntry> contexts;
};

Result<std::string> ReadSmallFile(const fs::path& path) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) return Fail("cannot read " + path.string() + ": " + ec.message());
  if (size > kMaxConfigFileBytes) return Fail(path.string() + " is too large to be a config file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail("cannot open " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Scalar(const YAML::Node& node, const char* key) {
  YAML::Node v = node[key];
  if (!v || !v.IsScalar()) return "";
  return v.as<std::string>();
}

bool Flag(const YAML::Node& node, const char* key) {
  YAML::Node v = node[key];
  if (!v || !v.IsScalar()) return false;
  std::string s = AsciiLower(v.as<std::string>());
  return s == "true" || s == "yes" || s == "1";
}

fs::path Resolve(const fs::path& base_dir, const std::string& file) {
  fs::path p(file);
  if (p.is_absolute() || base_dir.empty()) return p;
  return base_dir / p;
}

Status MergeNamedList(const YAML::Node& root, const char* list_key, const char* inner_key,
                      const fs::path& base_dir, std::map<std::string, NamedEntry>& into) {
  YAML::Node list = root[list_key];
  if (!list || list.IsNull()) return {};
  if (!list.IsSequence())
    return Fail(std::string("kubeconfig: \"") + list_key + "\" is not a list");
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node& item = list[i];
    std::string name = item.IsMap() ? Scalar(item, "name") : "";
    if (name.empty()) {
      return Fail(std::string("kubeconfig: ") + list_key + "[" + std::to_string(i) +
                  "] has no \"name\"");
    }
    YAML::Node inner = item[inner_key];
    if (!inner || !inner.IsMap()) {
      // An entry with no body is legal for users (anonymous); keep an empty map.
      inner = YAML::Node(YAML::NodeType::Map);
    }
    into.try_emplace(name, NamedEntry{inner, base_dir});
  }
  return {};
}

Status MergeDocument(std::string_view text, const fs::path& base_dir, const std::string& origin,
                     MergedKubeconfig& merged) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Fail("kubeconfig " + origin + ": YAML error at line " + std::to_string(e.mark.line + 1) +
                ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  if (root.IsNull()) return {};  // an empty file contributes nothing, as in kubectl
  if (!root.IsMap()) return Fail("kubeconfig " + origin + ": the document is not a mapping");
  try {
    if (merged.current_context.empty()) merged.current_context = Scalar(root, "current-context");
    for (auto [list, inner, into] : {std::tuple{"clusters", "cluster", &merged.clusters},
                                     std::tuple{"users", "user", &merged.users},
                                     std::tuple{"contexts", "context", &merged.contexts}}) {
      if (Status s = MergeNamedList(root, list, inner, base_dir, *into); !s) {
        return Fail(s.error().message + " (in " + origin + ")");
      }
    }
  } catch (const YAML::Exception& e) {
    return Fail("kubeconfig " + origin + ": " + e.msg);
  }
  return {};
}

// Reads "<key>-data" (base64) or "<key>" (a file), preferring the data as kubectl does.
Result<std::string> PemField(const NamedEntry& entry, const std::string& key,
                             const std::string& where) {
  std::string data = Scalar(entry.node, (key + "-data").c_str());
  if (!data.empty()) {
    auto decoded = Base64Decode(data);
    if (!decoded) return Fail(where + ": \"" + key + "-data\" is not valid base64");
    return *decoded;
  }
  std::string file = Scalar(entry.node, key.c_str());
  if (file.empty()) return std::string();
  auto text = ReadSmallFile(Resolve(entry.base_dir, file));
  if (!text) return Fail(where + ": \"" + key + "\": " + text.error().message);
  return *text;
}

Result<ExecConfig> ParseExec(const NamedEntry& user, const std::string& where) {
  const YAML::Node exec = user.node["exec"];
  if (!exec.IsMap()) return Fail(where + ": \"exec\" is not a mapping");
  ExecConfig config;
  config.base_dir = user.base_dir;
  config.api_version = Scalar(exec, "apiVersion");
  config.command = Scalar(exec, "command");
  if (config.command.empty()) return Fail(where + ": exec has no \"command\"");
  if (config.api_version.empty()) return Fail(where + ": exec has no \"apiVersion\"");
  if (config.api_version != "client.authentication.k8s.io/v1" &&
      config.api_version != "client.authentication.k8s.io/v1beta1") {
    return Fail(where + ": exec \"apiVersion\" " + QuoteForMessage(config.api_version) +
                " is not supported (use client.authentication.k8s.io/v1)");
  }
  if (YAML::Node args = exec["args"]; args && args.IsSequence()) {
    for (const auto& a : args) config.args.push_back(a.as<std::string>());
  }
  if (YAML::Node env = exec["env"]; env && env.IsSequence()) {
    for (const auto& e : env) {
      std::string name = Scalar(e, "name");
      if (name.empty()) return Fail(where + ": exec env entry has no \"name\"");
      config.env.emplace_back(name, Scalar(e, "value"));
    }
  }
  config.provide_cluster_info = Flag(exec, "provideClusterInfo");
  return config;
}

// tls-server-name is a bare DNS name or IP address: what the certificate must be valid for.
bool IsServerName(const std::string& name) {
  if (name.size() > 253) return false;
  in6_addr addr;
  if (inet_pton(AF_INET6, name.c_str(), &addr) == 1) return true;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
  });
}

Result<ClientConfig> Resolve(const MergedKubeconfig& merged, std::string_view context_override) {
  ClientConfig config;
  config.context =
      context_override.empty() ? merged.current_context : std::string(context_override);
  if (config.context.empty()) {
    return Fail("kubeconfig: no \"current-context\" is set and no context was given");
  }
  auto ctx_it = merged.contexts.find(config.context);
  if (ctx_it == merged.contexts.end()) {
    return Fail("kubeconfig: context \"" + config.context + "\" is not in \"contexts\"");
  }
  const YAML::Node& ctx = ctx_it->second.node;
  std::string where_ctx = "kubeconfig: context \"" + config.context + "\"";
  std::string cluster_name = Scalar(ctx, "cluster");
  if (cluster_name.empty()) return Fail(where_ctx + " has no \"cluster\"");
  if (std::string ns = Scalar(ctx, "namespace"); !ns.empty()) config.namespace_name = ns;

  auto cl_it = merged.clusters.find(cluster_name);
  if (cl_it == merged.clusters.end()) {
    return Fail(where_ctx + " names cluster \"" + cluster_name +
                "\", which is not in \"clusters\"");
  }
  const NamedEntry& cluster = cl_it->second;
  std::string where_cluster = "kubeconfig: cluster \"" + cluster_name + "\"";
  config.server = Scalar(cluster.node, "server");
  if (config.server.empty()) return Fail(where_cluster + " has no \"server\"");
  while (!config.server.empty() && config.server.back() == '/') config.server.pop_back();
  if (!StartsWithIgnoreCase(config.server, "https://") &&
      !StartsWithIgnoreCase(config.server, "http://")) {
    return Fail(where_cluster + ": \"server\" " + QuoteForMessage(config.server) +
                " is not an http(s) URL");
  }
  config.insecure_skip_tls_verify = Flag(cluster.node, "insecure-skip-tls-verify");
  config.tls_server_name = Scalar(cluster.node, "tls-server-name");
  if (!config.tls_server_name.empty() && !IsServerName(config.tls_server_name)) {
    return Fail(where_cluster + ": \"tls-server-name\" " + QuoteForMessage(config.tls_server_name) +
                " is not a host name or IP address (no scheme, no port)");
  }
  auto ca = PemField(cluster, "certificate-authority", where_cluster);
  if (!ca) return MakeUnexpected(ca.error());
  config.ca_pem = std::move(*ca);

  std::string user_name = Scalar(ctx, "user");
  if (user_name.empty()) return config;  // anonymous
  auto user_it = merged.users.find(user_name);
  if (user_it == merged.users.end()) {
    return Fail(where_ctx + " names user \"" + user_name + "\", which is not in \"users\"");
  }
  const NamedEntry& user = user_it->second;
  std::string where_user = "kubeconfig: user \"" + user_name + "\"";
  config.token = Scalar(user.node, "token");
  if (std::string file = Scalar(user.node, "tokenFile"); !file.empty()) {
    config.token_file = Resolve(user.base_dir, file);
  }
  auto cert = PemField(user, "client-certificate", where_user);
  if (!cert) return MakeUnexpected(cert.error());
  auto key = PemField(user, "client-key", where_user);
  if (!key) return MakeUnexpected(key.error());
  if (!cert->empty() && key->empty()) {
    return Fail(where_user + " has \"client-certificate\" but no \"client-key\"");
  }
  if (cert->empty() && !key->empty()) {
    return Fail(where_user + " has \"client-key\" but no \"client-certificate\"");
  }
  config.client_cert_pem = std::move(*cert);
  config.client_key_pem = std::move(*key);
  if (user.node["exec"]) {
    auto exec = ParseExec(user, where_user);
    if (!exec) return MakeUnexpected(exec.error());
    config.exec = std::move(*exec);
  }
  if (user.node["auth-provider"]) {
    return Fail(where_user + ": \"auth-provider\" plugins are not supported; use \"exec\"");
  }
  return config;
}

std::string EnvOrEmpty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

Result<ClientConfig> ParseKubeconfig(std::string_view yaml_text, const fs::path& base_dir,
                                     std::string_view context) {
  MergedKubeconfig merged;
  if (Status s = MergeDocument(yaml_text, base_dir, "(text)", merged); !s) {
    return MakeUnexpected(s.error());
  }
  try {
    return Resolve(merged, context);
  } catch (const YAML::Exception& e) {
    return Fail("kubeconfig: " + e.msg);
  }
}

Result<ClientConfig> LoadKubeconfigFiles(const std::vector<fs::path>& files,
                                         std::string_view context) {
  MergedKubeconfig merged;
  int loaded = 0;
  for (const auto& file : files) {
    std::error_code ec;
    if (!fs::exists(file, ec)) continue;
    auto text = ReadSmallFile(file);
    if (!text) return MakeUnexpected(text.error());
    fs::path dir = fs::absolute(file, ec).parent_path();
    if (Status s = MergeDocument(*text, dir, file.string(), merged); !s) {
      return MakeUnexpected(s.error());
    }
    ++loaded;
  }
  if (loaded == 0) {
    std::string names;
    for (const auto& f : files) names += (names.empty() ? "" : ":") + f.string();
    return Fail("kubeconfig: no such file: " + (names.empty() ? std::string("(none)") : names));
  }
  try {
    return Resolve(merged, context);
  } catch (const YAML::Exception& e) {
    return Fail("kubeconfig: " + e.msg);
  }
}

std::vector<fs::path> SplitKubeconfigPaths(std::string_view value) {
  std::vector<fs::path> out;
  for (std::string_view piece : Split(value, ':')) {
    if (!piece.empty()) out.emplace_back(std::string(piece));
  }
  return out;
}

InClusterEnvironment InClusterEnvironment::FromProcess() {
  InClusterEnvironment env;
  env.service_host = EnvOrEmpty("KUBERNETES_SERVICE_HOST");
  env.service_port = EnvOrEmpty("KUBERNETES_SERVICE_PORT");
  env.pod_namespace = EnvOrEmpty("POD_NAMESPACE");
  return env;
}

Result<ClientConfig> InClusterConfig(const InClusterEnvironment& env) {
  if (env.service_host.empty() || env.service_port.empty()) {
    return Fail(
        "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set");
  }
  ClientConfig config;
  bool ipv6 = env.service_host.find(':') != std::string::npos;
  config.server = "https://" + (ipv6 ? "[" + env.service_host + "]" : env.service_host) + ":" +
                  env.service_port;
  fs::path token = env.secrets_dir / "token";
  std::error_code ec;
  if (!fs::exists(token, ec)) return Fail("in-cluster config: no token at " + token.string());
  config.token_file = token;
  auto ca = ReadSmallFile(env.secrets_dir / "ca.crt");
  if (!ca) return Fail("in-cluster config: " + ca.error().message);
  config.ca_pem = std::move(*ca);
  if (!env.pod_namespace.empty()) {
    config.namespace_name = env.pod_namespace;
  } else if (auto ns = ReadSmallFile(env.secrets_dir / "namespace"); ns) {
    std::string_view trimmed = TrimWhitespace(*ns);
    if (!trimmed.empty()) config.namespace_name = std::string(trimmed);
  }
  return config;
}

Result<ClientConfig> LoadClientConfig(std::string_view kubeconfig_flag, std::string_view context) {
  if (!kubeconfig_flag.empty()) {
    return LoadKubeconfigFiles({fs::path(std::string(kubeconfig_flag))}, context);
  }
  InClusterEnvironment env = InClusterEnvironment::FromProcess();
  if (!env.service_host.empty()) return InClusterConfig(env);
  if (std::string list = EnvOrEmpty("KUBECONFIG"); !list.empty()) {
    return LoadKubeconfigFiles(SplitKubeconfigPaths(list), context);
  }
  std::string home = EnvOrEmpty("HOME");
  if (home.empty()) return Fail("no kubeconfig: not in a cluster, $KUBECONFIG and $HOME unset");
  return LoadKubeconfigFiles({fs::path(home) / ".kube" / "config"}, context);
}

Result<std::string> Base64Decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  int padding = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+') {
      v = 62;
    } else if (c == '/') {
      v = 63;
    } else if (c == '=') {
      ++padding;
      continue;
    } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      continue;
    } else {
      return Fail("invalid base64 character");
    }
    if (padding > 0) return Fail("base64 data after padding");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if (bits >= 6 || padding > 2) return Fail("truncated base64 data");
  return out;
}

}  // namespace mdo::kube
