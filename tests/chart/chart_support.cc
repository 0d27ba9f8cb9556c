#include "chart/chart_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace mdo::chart_test {

namespace fs = std::filesystem;

fs::path ChartDir() { return testing::SourceDir() / "charts" / "maildomain-operator"; }

fs::path CrdSource() { return testing::SourceDir() / "crds" / "mailops.dev_maildomains.yaml"; }

fs::path TestValues(const std::string& file_name) {
  return testing::SourceDir() / "tests" / "chart" / "values" / file_name;
}

std::vector<YAML::Node> ParseDocuments(const std::string& text) {
  std::vector<YAML::Node> out;
  for (const YAML::Node& doc : YAML::LoadAll(text)) {
    if (doc.IsMap()) out.push_back(doc);
  }
  return out;
}

nlohmann::json ToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& kv : node) out[kv.first.Scalar()] = ToJson(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : node) out.push_back(ToJson(item));
      return out;
    }
    case YAML::NodeType::Scalar:
      return node.Scalar();
    default:
      return nullptr;
  }
}

std::vector<YAML::Node> FindAll(const std::vector<YAML::Node>& objects, const std::string& kind,
                                const std::string& name) {
  std::vector<YAML::Node> out;
  for (const YAML::Node& o : objects) {
    if (o["kind"].as<std::string>("") != kind) continue;
    if (!name.empty() && o["metadata"]["name"].as<std::string>("") != name) continue;
    out.push_back(o);
  }
  return out;
}

Tools::Tools() {
  for (const char* sub : {"home", "cache", "config", "data"})
    fs::create_directories(dir_.path() / sub);
}

testing::ProcessResult Tools::Run(const std::string& tool,
                                  const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {(testing::SourceDir() / ".tools" / "bin" / tool).string()};
  argv.insert(argv.end(), args.begin(), args.end());
  const fs::path& d = dir_.path();
  return testing::RunProcess(argv,
                             {{"HOME", (d / "home").string()},
                              {"XDG_CACHE_HOME", (d / "cache").string()},
                              {"XDG_CONFIG_HOME", (d / "config").string()},
                              {"XDG_DATA_HOME", (d / "data").string()},
                              {"KUBECONFIG", (d / "kubeconfig").string()}},
                             {}, std::chrono::seconds(90));
}

testing::ProcessResult Tools::Helm(const std::vector<std::string>& args) const {
  return Run("helm", args);
}

testing::ProcessResult Tools::Kubectl(const std::vector<std::string>& args) const {
  return Run("kubectl", args);
}

std::vector<YAML::Node> Tools::Template(const std::vector<std::string>& extra,
                                        const std::string& release,
                                        const std::string& namespace_name) const {
  std::vector<std::string> args = {"template", release, ChartDir().string(), "--namespace",
                                   namespace_name};
  args.insert(args.end(), extra.begin(), extra.end());
  testing::ProcessResult r = Helm(args);
  if (!r.exited_ok()) {
    ADD_FAILURE() << "helm template failed: " << r.Describe() << "\n" << r.stderr_text;
    return {};
  }
  return ParseDocuments(r.stdout_text);
}

namespace {

// node[key] without yaml-cpp's throwing "invalid node" when a parent is missing: undefined
// (false in a condition, empty in a loop) when there is no such child.
YAML::Node Get(const YAML::Node& node, const std::string& key) {
  if (!node || !node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node child = node[key];
  if (!child) return YAML::Node(YAML::NodeType::Undefined);
  return child;
}

YAML::Node Get(const YAML::Node& node, const std::string& key, const std::string& key2) {
  return Get(Get(node, key), key2);
}

bool IsTrue(const YAML::Node& n) { return n && n.IsScalar() && n.Scalar() == "true"; }
bool IsFalse(const YAML::Node& n) { return n && n.IsScalar() && n.Scalar() == "false"; }
bool IsSet(const YAML::Node& n) { return n && !n.IsNull(); }

void CheckSeccomp(const YAML::Node& sc, const std::string& where, std::vector<std::string>& out) {
  if (!sc || !Get(sc, "seccompProfile")) return;
  const std::string type = Get(sc, "seccompProfile", "type").as<std::string>("");
  if (type != "RuntimeDefault" && type != "Localhost") {
    out.push_back(where + ".seccompProfile.type is \"" + type +
                  "\", must be RuntimeDefault or Localhost");
  }
}

void CheckSeLinuxAndMore(const YAML::Node& sc, const std::string& where,
                         std::vector<std::string>& out) {
  if (!sc) return;
  if (const YAML::Node se = Get(sc, "seLinuxOptions")) {
    static const std::set<std::string> kTypes = {"", "container_t", "container_init_t",
                                                 "container_kvm_t", "container_engine_t"};
    if (!kTypes.count(Get(se, "type").as<std::string>(""))) out.push_back(where + ": SELinux type");
    if (IsSet(Get(se, "user")) || IsSet(Get(se, "role")))
      out.push_back(where + ": SELinux user/role set");
  }
  if (IsTrue(Get(sc, "windowsOptions", "hostProcess"))) out.push_back(where + ": hostProcess");
  if (const YAML::Node aa = Get(sc, "appArmorProfile")) {
    const std::string type = Get(aa, "type").as<std::string>("");
    if (type != "RuntimeDefault" && type != "Localhost") out.push_back(where + ": AppArmor");
  }
  if (Get(sc, "runAsUser") && Get(sc, "runAsUser").as<std::string>("") == "0") {
    out.push_back(where + ".runAsUser is 0");
  }
}

}  // namespace

std::vector<std::string> RestrictedViolations(const YAML::Node& pod) {
  std::vector<std::string> out;
  if (!pod || !pod.IsMap()) return {"no pod spec"};
  // Host namespaces.
  for (const char* field : {"hostNetwork", "hostPID", "hostIPC"}) {
    if (IsTrue(Get(pod, field))) out.push_back(std::string("spec.") + field + " is true");
  }
  const YAML::Node psc = Get(pod, "securityContext");
  CheckSeccomp(psc, "spec.securityContext", out);
  CheckSeLinuxAndMore(psc, "spec.securityContext", out);
  if (psc && IsSet(Get(psc, "sysctls"))) {
    static const std::set<std::string> kSafe = {"kernel.shm_rmid_forced",
                                                "net.ipv4.ip_local_port_range",
                                                "net.ipv4.ip_unprivileged_port_start",
                                                "net.ipv4.tcp_syncookies",
                                                "net.ipv4.ping_group_range",
                                                "net.ipv4.ip_local_reserved_ports",
                                                "net.ipv4.tcp_keepalive_time",
                                                "net.ipv4.tcp_fin_timeout",
                                                "net.ipv4.tcp_keepalive_intvl",
                                                "net.ipv4.tcp_keepalive_probes"};
    for (const auto& s : Get(psc, "sysctls")) {
      if (!kSafe.count(Get(s, "name").as<std::string>(""))) out.push_back("unsafe sysctl");
    }
  }
  const bool pod_non_root = psc && IsTrue(Get(psc, "runAsNonRoot"));
  const bool pod_seccomp = psc && Get(psc, "seccompProfile");

  // Volumes of allowed types only.
  static const std::set<std::string> kVolumeTypes = {
      "configMap", "csi",   "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
      "projected", "secret"};
  for (const auto& v : Get(pod, "volumes")) {
    for (const auto& kv : v) {
      const std::string key = kv.first.Scalar();
      if (key != "name" && !kVolumeTypes.count(key)) {
        out.push_back("volume " + Get(v, "name").as<std::string>("") + " has type " + key);
      }
    }
  }

  bool any_container = false;
  for (const char* list : {"initContainers", "containers", "ephemeralContainers"}) {
    for (const auto& c : Get(pod, list)) {
      any_container = true;
      const std::string where = std::string(list) + "[" + Get(c, "name").as<std::string>("") + "]";
      const YAML::Node sc = Get(c, "securityContext");
      for (const auto& p : Get(c, "ports")) {
        if (IsSet(Get(p, "hostPort")) && Get(p, "hostPort").as<std::string>("") != "0") {
          out.push_back(where + " uses a hostPort");
        }
      }
      if (!sc) {
        out.push_back(where + " has no securityContext");
        continue;
      }
      if (IsTrue(Get(sc, "privileged"))) out.push_back(where + " is privileged");
      if (!IsFalse(Get(sc, "allowPrivilegeEscalation"))) {
        out.push_back(where + ".allowPrivilegeEscalation is not false");
      }
      if (IsFalse(Get(sc, "runAsNonRoot")) || (!pod_non_root && !IsTrue(Get(sc, "runAsNonRoot")))) {
        out.push_back(where + ": runAsNonRoot is not true");
      }
      if (!pod_seccomp && !Get(sc, "seccompProfile")) {
        out.push_back(where + ": no seccompProfile on the pod or the container");
      }
      CheckSeccomp(sc, where, out);
      CheckSeLinuxAndMore(sc, where, out);
      if (IsSet(Get(sc, "procMount")) && Get(sc, "procMount").as<std::string>("") != "Default") {
        out.push_back(where + ".procMount is not Default");
      }
      bool drops_all = false;
      for (const auto& d : Get(sc, "capabilities", "drop"))
        drops_all |= d.as<std::string>("") == "ALL";
      if (!drops_all) out.push_back(where + " does not drop ALL capabilities");
      for (const auto& a : Get(sc, "capabilities", "add")) {
        if (a.as<std::string>("") != "NET_BIND_SERVICE") {
          out.push_back(where + " adds capability " + a.as<std::string>(""));
        }
      }
    }
  }
  if (!any_container) out.push_back("no containers");
  return out;
}

}  // namespace mdo::chart_test
