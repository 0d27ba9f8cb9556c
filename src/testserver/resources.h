// The resource types the server serves: built-in kinds plus those CRDs declare.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"

namespace mdo::testserver {

struct PrinterColumn {
  std::string name;
  std::string type;  // integer|number|string|boolean|date
  std::string format;
  std::string description;
  std::string json_path;
  int priority = 0;
};

struct ResourceType {
  std::string group;  // "" for core
  std::string version;
  std::string kind;
  std::string list_kind;
  std::string plural;
  std::string singular;
  bool namespaced = true;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  bool has_status = false;                     // a /status subresource that owns .status
  bool bumps_generation = false;               // metadata.generation counts spec changes
  std::string storage_group;                   // objects are stored under storage_group/plural
  std::vector<std::string> selectable_fields;  // field selectors beyond metadata.name/namespace
  nlohmann::json schema;                       // CRD openAPIV3Schema (null for built-ins)
  std::vector<PrinterColumn> columns;          // CRD additionalPrinterColumns
  std::string crd_name;                        // set for custom resources

  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
  std::string StorageKey() const { return storage_group + "/" + plural; }
  // `maildomains.mailops.dev`, or `configmaps` for the core group (as in error messages).
  std::string QualifiedResource() const { return group.empty() ? plural : plural + "." + group; }
  // `MailDomain.mailops.dev`, or `ConfigMap` (as in 422 messages).
  std::string QualifiedKind() const { return group.empty() ? kind : kind + "." + group; }
  bool IsCustom() const { return !crd_name.empty(); }
};

class ResourceRegistry {
 public:
  ResourceRegistry();  // the built-in kinds

  const ResourceType* Find(const std::string& group, const std::string& version,
                           const std::string& plural) const;
  std::vector<const ResourceType*> ForGroupVersion(const std::string& group,
                                                   const std::string& version) const;
  // group → its versions, preferred (first declared) first; core ("") excluded.
  std::vector<std::pair<std::string, std::vector<std::string>>> Groups() const;
  std::vector<const ResourceType*> All() const;

  // Registers (or re-registers) the served versions of a CRD object.
  Status AddCrd(const nlohmann::json& crd);
  void RemoveCrd(const std::string& crd_name);
  void RemoveAllCrds();

 private:
  void Add(ResourceType type);
  std::vector<ResourceType> types_;
};

// Checks a CRD's spec before it is stored; returns the 422 causes.
std::vector<std::string> ValidateCrd(const nlohmann::json& crd);

}  // namespace mdo::testserver
