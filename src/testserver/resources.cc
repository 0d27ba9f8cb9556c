#include "testserver/resources.h"

#include <algorithm>

namespace mdo::testserver {
namespace {

using nlohmann::json;

std::vector<std::string> Strings(const json& value) {
  std::vector<std::string> out;
  if (value.is_array()) {
    for (const json& v : value) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  return out;
}

ResourceType Builtin(std::string group, std::string version, std::string kind, std::string plural,
                     bool namespaced, std::vector<std::string> short_names = {},
                     bool has_status = false, bool bumps_generation = false) {
  ResourceType t;
  t.group = std::move(group);
  t.version = std::move(version);
  t.kind = std::move(kind);
  t.list_kind = t.kind + "List";
  t.plural = std::move(plural);
  std::string lower;
  for (char c : t.kind) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  t.singular = lower;
  t.namespaced = namespaced;
  t.short_names = std::move(short_names);
  t.has_status = has_status;
  t.bumps_generation = bumps_generation;
  t.storage_group = t.group;
  return t;
}

}  // namespace

ResourceRegistry::ResourceRegistry() {
  Add(Builtin("", "v1", "Namespace", "namespaces", false, {"ns"}, true));
  Add(Builtin("", "v1", "ConfigMap", "configmaps", true, {"cm"}));
  {
    ResourceType secrets = Builtin("", "v1", "Secret", "secrets", true);
    secrets.selectable_fields = {"type"};
    Add(std::move(secrets));
  }
  Add(Builtin("", "v1", "ServiceAccount", "serviceaccounts", true, {"sa"}));
  Add(Builtin("", "v1", "Service", "services", true, {"svc"}, true));
  Add(Builtin("", "v1", "Pod", "pods", true, {"po"}, true));
  {
    ResourceType events = Builtin("", "v1", "Event", "events", true, {"ev"});
    events.selectable_fields = {"involvedObject.kind",
                                "involvedObject.namespace",
                                "involvedObject.name",
                                "involvedObject.uid",
                                "involvedObject.apiVersion",
                                "involvedObject.resourceVersion",
                                "involvedObject.fieldPath",
                                "reason",
                                "reportingComponent",
                                "source",
                                "type"};
    Add(std::move(events));
    ResourceType v1 = Builtin("events.k8s.io", "v1", "Event", "events", true, {"ev"});
    v1.storage_group = "";  // one store, two views
    v1.selectable_fields = {"regarding.kind",       "regarding.namespace",
                            "regarding.name",       "regarding.uid",
                            "regarding.apiVersion", "reason",
                            "reportingController",  "type"};
    // The core field labels work too (both map onto the same storage).
    for (const std::string& f : types_.back().selectable_fields) v1.selectable_fields.push_back(f);
    Add(std::move(v1));
  }
  Add(Builtin("coordination.k8s.io", "v1", "Lease", "leases", true));
  Add(Builtin("apps", "v1", "Deployment", "deployments", true, {"deploy"}, true, true));
  Add(Builtin("apps", "v1", "StatefulSet", "statefulsets", true, {"sts"}, true, true));
  Add(Builtin("apps", "v1", "DaemonSet", "daemonsets", true, {"ds"}, true, true));
  Add(Builtin("apps", "v1", "ReplicaSet", "replicasets", true, {"rs"}, true, true));
  Add(Builtin("batch", "v1", "Job", "jobs", true, {}, true, true));
  Add(Builtin("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, {"pdb"}, true,
              true));
  Add(Builtin("rbac.authorization.k8s.io", "v1", "Role", "roles", true));
  Add(Builtin("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true));
  Add(Builtin("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false));
  Add(Builtin("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings",
              false));
  Add(Builtin("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, {"netpol"}));
  Add(Builtin("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration",
              "validatingwebhookconfigurations", false));
  Add(Builtin("monitoring.coreos.com", "v1", "ServiceMonitor", "servicemonitors", true));
  Add(Builtin("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions",
              false, {"crd", "crds"}, true, true));
  // ServiceMonitor is normally a CRD; it is not built in on a real cluster.
  types_.erase(std::remove_if(types_.begin(), types_.end(),
                              [](const ResourceType& t) { return t.plural == "servicemonitors"; }),
               types_.end());
}

void ResourceRegistry::Add(ResourceType type) { types_.push_back(std::move(type)); }

const ResourceType* ResourceRegistry::Find(const std::string& group, const std::string& version,
                                           const std::string& plural) const {
  for (const ResourceType& t : types_) {
    if (t.group == group && t.version == version && t.plural == plural) return &t;
  }
  return nullptr;
}

std::vector<const ResourceType*> ResourceRegistry::ForGroupVersion(
    const std::string& group, const std::string& version) const {
  std::vector<const ResourceType*> out;
  for (const ResourceType& t : types_) {
    if (t.group == group && t.version == version) out.push_back(&t);
  }
  return out;
}

std::vector<std::pair<std::string, std::vector<std::string>>> ResourceRegistry::Groups() const {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (const ResourceType& t : types_) {
    if (t.group.empty()) continue;
    auto it = std::find_if(out.begin(), out.end(), [&](auto& g) { return g.first == t.group; });
    if (it == out.end()) {
      out.push_back({t.group, {t.version}});
    } else if (std::find(it->second.begin(), it->second.end(), t.version) == it->second.end()) {
      it->second.push_back(t.version);
    }
  }
  return out;
}

std::vector<const ResourceType*> ResourceRegistry::All() const {
  std::vector<const ResourceType*> out;
  for (const ResourceType& t : types_) out.push_back(&t);
  return out;
}

std::vector<std::string> ValidateCrd(const json& crd) {
  std::vector<std::string> errors;
  const json& spec = crd.contains("spec") ? crd["spec"] : json::object();
  std::string group = spec.value("group", "");
  const json names = spec.value("names", json::object());
  std::string plural = names.value("plural", "");
  if (group.empty()) errors.push_back("spec.group: Required value");
  if (plural.empty()) errors.push_back("spec.names.plural: Required value");
  if (names.value("kind", "").empty()) errors.push_back("spec.names.kind: Required value");
  std::string scope = spec.value("scope", "");
  if (scope != "Namespaced" && scope != "Cluster") {
    errors.push_back("spec.scope: Unsupported value: \"" + scope +
                     "\": supported values: \"Cluster\", \"Namespaced\"");
  }
  if (!spec.contains("versions") || !spec["versions"].is_array() || spec["versions"].empty()) {
    errors.push_back(
        "spec.versions: Invalid value: null: must have exactly one version marked "
        "as storage version");
  }
  std::string name = crd.contains("metadata") ? crd["metadata"].value("name", "") : "";
  if (!plural.empty() && !group.empty() && name != plural + "." + group) {
    errors.push_back("metadata.name: Invalid value: \"" + name +
                     "\": must be spec.names.plural+\".\"+spec.group");
  }
  return errors;
}

Status ResourceRegistry::AddCrd(const json& crd) {
  if (!ValidateCrd(crd).empty()) return Fail("invalid CRD");
  std::string crd_name = crd["metadata"].value("name", "");
  RemoveCrd(crd_name);
  const json& spec = crd["spec"];
  const json& names = spec["names"];
  for (const json& version : spec["versions"]) {
    if (!version.value("served", true)) continue;
    ResourceType t;
    t.group = spec.value("group", "");
    t.version = version.value("name", "");
    t.kind = names.value("kind", "");
    t.list_kind = names.value("listKind", t.kind + "List");
    t.plural = names.value("plural", "");
    std::string lower;
    for (char c : t.kind) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    t.singular = names.value("singular", lower);
    t.namespaced = spec.value("scope", "Namespaced") == "Namespaced";
    t.short_names = Strings(names.value("shortNames", json::array()));
    t.categories = Strings(names.value("categories", json::array()));
    t.has_status = version.contains("subresources") && version["subresources"].is_object() &&
                   version["subresources"].contains("status");
    t.bumps_generation = true;
    t.storage_group = t.group;
    t.crd_name = crd_name;
    if (version.contains("schema") && version["schema"].contains("openAPIV3Schema")) {
      t.schema = version["schema"]["openAPIV3Schema"];
    } else if (spec.contains("validation") && spec["validation"].contains("openAPIV3Schema")) {
      t.schema = spec["validation"]["openAPIV3Schema"];
    }
    const json columns = version.value("additionalPrinterColumns", json::array());
    for (const json& c : columns) {
      PrinterColumn column;
      column.name = c.value("name", "");
      column.type = c.value("type", "string");
      column.format = c.value("format", "");
      column.description = c.value("description", "");
      column.json_path = c.value("jsonPath", "");
      column.priority = c.value("priority", 0);
      t.columns.push_back(std::move(column));
    }
    if (version.contains("selectableFields")) {
      for (const json& f : version["selectableFields"]) {
        std::string path = f.value("jsonPath", "");
        if (!path.empty() && path[0] == '.') path = path.substr(1);
        if (!path.empty()) t.selectable_fields.push_back(path);
      }
    }
    types_.push_back(std::move(t));
  }
  return {};
}

void ResourceRegistry::RemoveCrd(const std::string& crd_name) {
  types_.erase(std::remove_if(types_.begin(), types_.end(),
                              [&](const ResourceType& t) { return t.crd_name == crd_name; }),
               types_.end());
}

void ResourceRegistry::RemoveAllCrds() {
  types_.erase(std::remove_if(types_.begin(), types_.end(),
                              [](const ResourceType& t) { return t.IsCustom(); }),
               types_.end());
}

}  // namespace mdo::testserver
