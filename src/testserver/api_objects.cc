// CRUD semantics: metadata, resourceVersions, conflicts, generation, the status subresource,
// finalizers, schema validation of custom resources, patches, deletion.
#include <algorithm>
#include <cctype>
#include <regex>

#include "testserver/api_common.h"
#include "testserver/patch.h"
#include "testserver/schema.h"
#include "testserver/table.h"
#include "testserver/yaml_json.h"

namespace mdo::testserver {

using nlohmann::json;
using namespace internal;

namespace internal {

std::string Base64Encode(const std::string& data) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  while (i + 2 < data.size()) {
    uint32_t n = (static_cast<uint8_t>(data[i]) << 16) | (static_cast<uint8_t>(data[i + 1]) << 8) |
                 static_cast<uint8_t>(data[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
    i += 3;
  }
  if (i + 1 == data.size()) {
    uint32_t n = static_cast<uint8_t>(data[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == data.size()) {
    uint32_t n = (static_cast<uint8_t>(data[i]) << 16) | (static_cast<uint8_t>(data[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> Base64Decode(const std::string& data) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : data) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+' || c == '-')
      v = 62;
    else if (c == '/' || c == '_')
      v = 63;
    else if (c == '=')
      break;
    else
      return std::nullopt;
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

bool Selectors::Matches(const json& stored) const {
  const json labels_json = stored.contains("metadata")
                               ? stored["metadata"].value("labels", json::object())
                               : json::object();
  return MatchesLabels(labels, labels_json) && MatchesFields(fields, stored);
}

Result<Selectors, ApiResponse> ParseSelectors(const ResourceType& type,
                                              const std::map<std::string, std::string>& query) {
  Selectors out;
  auto label_it = query.find("labelSelector");
  if (label_it != query.end()) {
    auto parsed = ParseLabelSelector(label_it->second);
    if (!parsed.ok())
      return MakeUnexpected(StatusResult(400, "BadRequest", parsed.error().message).response);
    out.labels = std::move(*parsed);
  }
  auto field_it = query.find("fieldSelector");
  if (field_it != query.end()) {
    auto parsed = ParseFieldSelector(field_it->second);
    if (!parsed.ok())
      return MakeUnexpected(StatusResult(400, "BadRequest", parsed.error().message).response);
    for (FieldRequirement& req : *parsed) {
      bool allowed = req.field == "metadata.name" || req.field == "metadata.namespace" ||
                     std::find(type.selectable_fields.begin(), type.selectable_fields.end(),
                               req.field) != type.selectable_fields.end();
      if (!allowed) {
        return MakeUnexpected(
            StatusResult(400, "BadRequest", "field label not supported: " + req.field).response);
      }
      if (req.field.rfind("regarding.", 0) == 0) {
        req.field = "involvedObject." + req.field.substr(10);
      } else if (req.field == "reportingController") {
        req.field = "reportingComponent";
      }
    }
    out.fields = std::move(*parsed);
  }
  return out;
}

json CoreEventToEventsV1(json e) {
  auto move = [&](const char* from, const char* to) {
    if (e.contains(from)) {
      if (!e[from].is_null()) e[to] = e[from];
      e.erase(from);
    }
  };
  move("involvedObject", "regarding");
  move("message", "note");
  move("source", "deprecatedSource");
  move("firstTimestamp", "deprecatedFirstTimestamp");
  move("lastTimestamp", "deprecatedLastTimestamp");
  move("count", "deprecatedCount");
  move("reportingComponent", "reportingController");
  if (e.contains("deprecatedSource") && e["deprecatedSource"].empty()) e.erase("deprecatedSource");
  e["apiVersion"] = "events.k8s.io/v1";
  e["kind"] = "Event";
  return e;
}

json EventsV1ToCoreEvent(json e) {
  auto move = [&](const char* from, const char* to) {
    if (e.contains(from)) {
      if (!e[from].is_null()) e[to] = e[from];
      e.erase(from);
    }
  };
  move("regarding", "involvedObject");
  move("note", "message");
  move("deprecatedSource", "source");
  move("deprecatedFirstTimestamp", "firstTimestamp");
  move("deprecatedLastTimestamp", "lastTimestamp");
  move("deprecatedCount", "count");
  move("reportingController", "reportingComponent");
  e["apiVersion"] = "v1";
  e["kind"] = "Event";
  return e;
}

}  // namespace internal

namespace {

const std::regex& SubdomainRegex() {
  static const std::regex re(
      R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)");
  return re;
}

std::string ValidateName(const std::string& name, bool label_only) {
  if (name.empty()) return "Required value: name or generateName is required";
  if (name.size() > (label_only ? 63u : 253u) || !std::regex_match(name, SubdomainRegex()) ||
      (label_only && name.find('.') != std::string::npos)) {
    if (label_only) {
      return "Invalid value: \"" + name +
             "\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
             "or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
             "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    }
    return "Invalid value: \"" + name +
           "\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
           "characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
           "'example.com', regex used for validation is "
           "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  }
  return "";
}

std::string RandomSuffix() {
  static const char* kChars = "bcdfghjklmnpqrstvwxz2456789";
  std::string uid = NewUid();
  std::string out;
  for (size_t i = 0; out.size() < 5 && i < uid.size(); ++i) {
    if (uid[i] != '-') out += kChars[static_cast<unsigned char>(uid[i]) % 27];
  }
  return out;
}

// Everything but metadata and status: what generation counts.
json SpecPart(const json& object) {
  json out = object;
  out.erase("metadata");
  out.erase("status");
  out.erase("apiVersion");
  out.erase("kind");
  return out;
}

json WithoutVolatileMeta(json object) {
  if (object.contains("metadata")) {
    object["metadata"].erase("resourceVersion");
    object["metadata"].erase("managedFields");
  }
  return object;
}

std::string ContentType(const ApiRequest& request) {
  std::string ct = request.Header("content-type");
  size_t semi = ct.find(';');
  if (semi != std::string::npos) ct = ct.substr(0, semi);
  while (!ct.empty() && ct.back() == ' ') ct.pop_back();
  return ct;
}

}  // namespace

const ResourceType* ApiServer::CoreEvents() const { return registry_.Find("", "v1", "events"); }

json ApiServer::ToView(const ResourceType& type, json object) const {
  if (type.group == "events.k8s.io") return CoreEventToEventsV1(std::move(object));
  object["apiVersion"] = type.ApiVersion();
  object["kind"] = type.kind;
  return object;
}

json ApiServer::FromView(const ResourceType& type, json object) const {
  if (type.group == "events.k8s.io") return EventsV1ToCoreEvent(std::move(object));
  object["apiVersion"] = type.ApiVersion();
  object["kind"] = type.kind;
  return object;
}

ApiResult ApiServer::Get(const ResourceType& type, const RequestInfo& info,
                         const ApiRequest& request) {
  const json* object = store_.Get(type.StorageKey(), info.ns, info.name);
  if (object == nullptr) return NotFound(type, info.name);
  if (WantsTable(request)) {
    json table = RenderTable(type, {*object}, true, "Metadata", std::time(nullptr));
    table["metadata"]["resourceVersion"] = (*object)["metadata"].value("resourceVersion", "");
    return JsonResult(200, table);
  }
  return JsonResult(200, ToView(type, *object));
}

ApiResult ApiServer::List(const ResourceType& type, const RequestInfo& info, const Query& query,
                          const ApiRequest& request) {
  auto selectors = ParseSelectors(type, query);
  if (!selectors.ok()) return ApiResult{selectors.error(), nullptr, false};
  long limit = 0;
  if (auto it = query.find("limit"); it != query.end() && !it->second.empty()) {
    limit = std::atol(it->second.c_str());
    if (limit < 0) limit = 0;
  }
  std::pair<std::string, std::string> after;
  bool has_after = false;
  if (auto it = query.find("continue"); it != query.end() && !it->second.empty()) {
    auto decoded = Base64Decode(it->second);
    json token = decoded ? json::parse(*decoded, nullptr, false) : json();
    if (!token.is_object() || !token.contains("rv") || !token.contains("start")) {
      return StatusResult(400, "BadRequest",
                          "continue key is not valid: incorrect encoded start resourceVersion "
                          "(version meta.k8s.io/v1)");
    }
    if (token["rv"].get<int64_t>() < store_.compacted_rv()) {
      return StatusResult(410, "Expired",
                          "The provided continue parameter is too old to display a consistent "
                          "list result. You can start a new list without the continue parameter, "
                          "or use the continue token in this response to retrieve the remainder "
                          "of the results. Continuing with the provided token results in an "
                          "inconsistent list - objects that were created, modified, or deleted "
                          "between the time the first chunk was returned and now may show up in "
                          "the list.");
    }
    after = {token["start"][0].get<std::string>(), token["start"][1].get<std::string>()};
    has_after = true;
  }
  std::vector<json> selected;
  std::string next_continue;
  for (const json* object : store_.List(type.StorageKey(), info.ns)) {
    const json& meta = (*object)["metadata"];
    std::pair<std::string, std::string> id = {meta.value("namespace", ""), meta.value("name", "")};
    if (has_after && id <= after) continue;
    if (!selectors->Matches(*object)) continue;
    if (limit > 0 && static_cast<long>(selected.size()) == limit) {
      const json& last = selected.back()["metadata"];
      json token = {{"rv", store_.current_rv()},
                    {"start", {last.value("namespace", ""), last.value("name", "")}}};
      next_continue = Base64Encode(token.dump());
      break;
    }
    selected.push_back(*object);
  }
  json list_meta = {{"resourceVersion", std::to_string(store_.current_rv())}};
  if (!next_continue.empty()) list_meta["continue"] = next_continue;
  if (WantsTable(request)) {
    auto include = query.find("includeObject");
    json table =
        RenderTable(type, selected, true, include == query.end() ? "Metadata" : include->second,
                    std::time(nullptr));
    table["metadata"] = list_meta;
    return JsonResult(200, table);
  }
  json items = json::array();
  for (json& object : selected) items.push_back(ToView(type, std::move(object)));
  return JsonResult(200, {{"kind", type.list_kind},
                          {"apiVersion", type.ApiVersion()},
                          {"metadata", list_meta},
                          {"items", items}});
}

ApiResult ApiServer::Create(const ResourceType& type, const RequestInfo& info, const Query& query,
                            const json& body) {
  return Write(type, info, query, FromView(type, body), nullptr, 201);
}

ApiResult ApiServer::Update(const ResourceType& type, const RequestInfo& info, const Query& query,
                            const json& body) {
  const json* old = store_.Get(type.StorageKey(), info.ns, info.name);
  if (old == nullptr) return NotFound(type, info.name);
  std::string body_name = body.contains("metadata") ? body["metadata"].value("name", "") : "";
  if (!body_name.empty() && body_name != info.name) {
    return StatusResult(400, "BadRequest",
                        "the name of the object (" + body_name +
                            ") does not match the name on the URL (" + info.name + ")");
  }
  json old_copy = *old;
  return Write(type, info, query, FromView(type, body), &old_copy, 200);
}

ApiResult ApiServer::Write(const ResourceType& type, const RequestInfo& info, const Query& query,
                           json object, const json* old, int success_code) {
  const bool status_only = info.subresource == "status";
  if (!object.contains("metadata") || !object["metadata"].is_object()) {
    object["metadata"] = json::object();
  }
  std::string name;
  if (old == nullptr) {
    json& meta = object["metadata"];
    if (type.namespaced) {
      std::string body_ns = meta.value("namespace", "");
      if (!body_ns.empty() && body_ns != info.ns) {
        return StatusResult(400, "BadRequest",
                            "the namespace of the provided object does not match the namespace "
                            "sent on the request");
      }
      if (info.ns.empty()) {
        return StatusResult(404, "NotFound", "the server could not find the requested resource");
      }
      if (store_.Get("/namespaces", "", info.ns) == nullptr) {
        return StatusResult(404, "NotFound", "namespaces \"" + info.ns + "\" not found",
                            {{"name", info.ns}, {"kind", "namespaces"}});
      }
      meta["namespace"] = info.ns;
    } else {
      meta.erase("namespace");
    }
    name = meta.value("name", "");
    if (name.empty() && !info.name.empty()) name = info.name;  // apply-patch create
    if (name.empty() && !meta.value("generateName", "").empty()) {
      name = meta["generateName"].get<std::string>() + RandomSuffix();
    }
    std::string name_error = ValidateName(name, type.plural == "namespaces");
    if (!name_error.empty()) {
      size_t colon = name_error.find(':');
      return Invalid(type, name,
                     json::array({{{"field", "metadata.name"},
                                   {"reason", colon != std::string::npos &&
                                                      name_error.rfind("Required", 0) == 0
                                                  ? "FieldValueRequired"
                                                  : "FieldValueInvalid"},
                                   {"message", name_error}}}));
    }
    meta["name"] = name;
    if (store_.Get(type.StorageKey(), type.namespaced ? info.ns : "", name) != nullptr) {
      return StatusResult(409, "AlreadyExists",
                          type.QualifiedResource() + " \"" + name + "\" already exists",
                          {{"name", name}, {"group", type.group}, {"kind", type.plural}});
    }
    meta["uid"] = NewUid();
    meta["creationTimestamp"] = Now();
    meta.erase("resourceVersion");
    meta.erase("deletionTimestamp");
    meta.erase("deletionGracePeriodSeconds");
    if (type.bumps_generation) {
      meta["generation"] = 1;
    } else {
      meta.erase("generation");
    }
    if (type.has_status) object.erase("status");
    if (type.plural == "namespaces") {
      meta["labels"]["kubernetes.io/metadata.name"] = name;
      object["status"] = {{"phase", "Active"}};
      object["spec"] = {{"finalizers", {"kubernetes"}}};
    }
  } else {
    name = (*old)["metadata"].value("name", "");
    std::string want_rv = object["metadata"].value("resourceVersion", "");
    std::string have_rv = (*old)["metadata"].value("resourceVersion", "");
    if (!want_rv.empty() && want_rv != have_rv) {
      return StatusResult(409, "Conflict",
                          "Operation cannot be fulfilled on " + type.QualifiedResource() + " \"" +
                              name +
                              "\": the object has been modified; please apply your changes to "
                              "the latest version and try again",
                          {{"name", name}, {"group", type.group}, {"kind", type.plural}});
    }
    if (status_only) {
      json merged = *old;
      if (object.contains("status")) {
        merged["status"] = object["status"];
      } else {
        merged.erase("status");
      }
      object = std::move(merged);
    } else if (type.has_status) {
      if (old->contains("status")) {
        object["status"] = (*old)["status"];
      } else {
        object.erase("status");
      }
    }
    json& meta = object["metadata"];
    const json& old_meta = (*old)["metadata"];
    for (const char* key : {"name", "namespace", "uid", "creationTimestamp", "generation",
                            "deletionTimestamp", "deletionGracePeriodSeconds"}) {
      if (old_meta.contains(key)) {
        meta[key] = old_meta[key];
      } else {
        meta.erase(key);
      }
    }
  }
  if (type.plural == "secrets" && object.contains("stringData")) {
    if (object["stringData"].is_object()) {
      for (auto it = object["stringData"].begin(); it != object["stringData"].end(); ++it) {
        if (it->is_string()) object["data"][it.key()] = Base64Encode(it->get<std::string>());
      }
    }
    object.erase("stringData");
  }
  object["apiVersion"] = type.ApiVersion();
  if (type.group == "events.k8s.io") object["apiVersion"] = "v1";

  // Custom resources: prune, default, validate against the CRD schema.
  std::string warning;
  if (type.IsCustom() && type.schema.is_object()) {
    std::vector<std::string> pruned = PruneUnknownFields(object, type.schema);
    std::string validation = query.count("fieldValidation") ? query.at("fieldValidation") : "";
    if (!pruned.empty() && validation == "Strict") {
      std::string message = type.kind + " in version \"" + type.version +
                            "\" cannot be handled as a " + type.kind + ": strict decoding error: ";
      for (size_t i = 0; i < pruned.size(); ++i) {
        if (i > 0) message += ", ";
        message += "unknown field \"" + pruned[i].substr(1) + "\"";
      }
      return StatusResult(400, "BadRequest", message);
    }
    if (!pruned.empty() && validation != "Ignore") {
      for (const std::string& p : pruned) {
        if (!warning.empty()) warning += ", ";
        warning += "299 - \"unknown field \\\"" + p.substr(1) + "\\\"\"";
      }
    }
    ApplySchemaDefaults(object, type.schema);
    std::vector<SchemaError> errors = ValidateAgainstSchema(object, type.schema);
    if (!errors.empty()) {
      json causes = json::array();
      for (const SchemaError& e : errors) {
        causes.push_back({{"reason", e.reason}, {"message", e.body}, {"field", e.field}});
      }
      return Invalid(type, name, causes);
    }
  }
  // events.k8s.io/v1 creates are validated as kube-apiserver does (ValidateEventCreate), so a
  // recorder that leaves out a required field fails here as it would on a cluster.
  if (type.group == "events.k8s.io" && old == nullptr) {
    json causes = json::array();
    auto require = [&](const char* stored_field, const char* field) {
      if (object.value(stored_field, "").empty()) {
        causes.push_back(
            {{"reason", "FieldValueRequired"}, {"message", "Required value"}, {"field", field}});
      }
    };
    require("eventTime", "eventTime");
    require("reportingComponent", "reportingController");
    require("reportingInstance", "reportingInstance");
    require("action", "action");
    require("reason", "reason");
    std::string event_type = object.value("type", "");
    if (event_type != "Normal" && event_type != "Warning") {
      causes.push_back({{"reason", "FieldValueNotSupported"},
                        {"message", "Unsupported value: \"" + event_type +
                                        "\": supported values: \"Normal\", \"Warning\""},
                        {"field", "type"}});
    }
    if (object.value("message", "").size() > 1024) {
      causes.push_back({{"reason", "FieldValueTooLong"},
                        {"message", "Too long: may not be more than 1024 bytes"},
                        {"field", "note"}});
    }
    for (const auto& [stored_field, field] : std::vector<std::pair<const char*, const char*>>{
             {"firstTimestamp", "deprecatedFirstTimestamp"},
             {"lastTimestamp", "deprecatedLastTimestamp"},
             {"count", "deprecatedCount"}}) {
      if (object.contains(stored_field) && !object[stored_field].is_null() &&
          object[stored_field] != 0) {
        causes.push_back({{"reason", "FieldValueInvalid"},
                          {"message", "Invalid value: \"\": needs to be unset"},
                          {"field", field}});
      }
    }
    if (!causes.empty()) return Invalid(type, name, causes);
  }
  const bool is_crd =
      type.group == "apiextensions.k8s.io" && type.plural == "customresourcedefinitions";
  if (is_crd && !status_only) {
    std::vector<std::string> errors = ValidateCrd(object);
    if (!errors.empty()) {
      json causes = json::array();
      for (const std::string& e : errors) {
        size_t colon = e.find(": ");
        causes.push_back({{"reason", "FieldValueInvalid"},
                          {"message", e.substr(colon + 2)},
                          {"field", e.substr(0, colon)}});
      }
      return Invalid(type, name, causes);
    }
    json names = object["spec"]["names"];
    json stored_versions = json::array();
    for (const json& v : object["spec"]["versions"]) {
      if (v.value("storage", false)) stored_versions.push_back(v.value("name", ""));
    }
    std::string now = Now();
    object["status"] = {{"acceptedNames", names},
                        {"storedVersions", stored_versions},
                        {"conditions",
                         {{{"type", "NamesAccepted"},
                           {"status", "True"},
                           {"reason", "NoConflicts"},
                           {"message", "no conflicts found"},
                           {"lastTransitionTime", now}},
                          {{"type", "Established"},
                           {"status", "True"},
                           {"reason", "InitialNamesAccepted"},
                           {"message", "the initial names have been accepted"},
                           {"lastTransitionTime", now}}}}};
    if (old != nullptr && old->contains("status") && (*old)["status"].contains("conditions")) {
      object["status"]["conditions"] = (*old)["status"]["conditions"];
    }
  }
  if (old != nullptr && type.bumps_generation && !status_only &&
      SpecPart(object) != SpecPart(*old)) {
    object["metadata"]["generation"] = (*old)["metadata"].value("generation", 1) + 1;
  }
  bool dry_run = query.count("dryRun") > 0;
  ApiResult result;
  if (old != nullptr && object["metadata"].contains("deletionTimestamp") &&
      object["metadata"].value("finalizers", json::array()).empty()) {
    // The last finalizer is gone: the deletion completes now.
    json removed = dry_run ? object : RemoveNow(type, info.ns, name);
    result = JsonResult(200, ToView(type, removed));
  } else if (old != nullptr && WithoutVolatileMeta(object) == WithoutVolatileMeta(*old)) {
    result = JsonResult(200, ToView(type, *old));  // a no-op write changes nothing
  } else if (dry_run) {
    result = JsonResult(success_code, ToView(type, object));
  } else {
    json stored = store_.Put(type.StorageKey(), std::move(object));
    if (is_crd) {
      (void)registry_.AddCrd(stored);
      ++openapi_generation_;
    }
    result = JsonResult(success_code, ToView(type, stored));
  }
  if (!warning.empty()) result.response.headers.emplace_back("Warning", warning);
  return result;
}

ApiResult ApiServer::Patch(const ResourceType& type, const RequestInfo& info, const Query& query,
                           const ApiRequest& request) {
  std::string content_type = ContentType(request);
  const json* current = store_.Get(type.StorageKey(), info.ns, info.name);
  if (content_type == "application/apply-patch+yaml") {
    json applied = json::parse(request.body, nullptr, false);
    if (applied.is_discarded()) {
      auto parsed = YamlToJson(request.body);
      if (!parsed.ok()) return StatusResult(400, "BadRequest", parsed.error().message);
      applied = std::move(*parsed);
    }
    if (!applied.is_object()) {
      return StatusResult(400, "BadRequest", "the apply configuration must be an object");
    }
    std::string manager = query.count("fieldManager") ? query.at("fieldManager") : "";
    if (manager.empty()) {
      return StatusResult(400, "BadRequest",
                          "PATCH, application/apply-patch+yaml requests must supply a "
                          "fieldManager");
    }
    std::string key = type.StorageKey() + "|" + info.ns + "|" + info.name + "|" + info.subresource +
                      "|" + manager;
    ApiResult result;
    if (current == nullptr) {
      if (info.subresource == "status") return NotFound(type, info.name);
      json object = FromView(type, applied);
      object["metadata"]["name"] = info.name;
      result = Write(type, info, query, object, nullptr, 201);
    } else {
      json old = *current;
      json previous = applied_.count(key) ? applied_[key] : json::object();
      json merged = ApplyServerSideApply(ToView(type, old), applied, previous);
      merged["metadata"]["resourceVersion"] =
          applied.contains("metadata") ? applied["metadata"].value("resourceVersion", "") : "";
      if (merged["metadata"]["resourceVersion"] == "") merged["metadata"].erase("resourceVersion");
      result = Write(type, info, query, FromView(type, merged), &old, 200);
    }
    if (result.response.code < 300) applied_[key] = applied;
    return result;
  }
  if (current == nullptr) return NotFound(type, info.name);
  json patch = json::parse(request.body, nullptr, false);
  if (patch.is_discarded()) {
    return StatusResult(400, "BadRequest", "the body of the request was not valid JSON");
  }
  json old = *current;
  json view = ToView(type, old);
  json patched;
  if (content_type == "application/merge-patch+json") {
    patched = ApplyMergePatch(view, patch);
  } else if (content_type == "application/json-patch+json") {
    auto result = ApplyJsonPatch(view, patch);
    if (!result.ok()) return StatusResult(422, "Invalid", result.error().message);
    patched = std::move(*result);
  } else if (content_type == "application/strategic-merge-patch+json" && !type.IsCustom()) {
    patched = ApplyStrategicMergePatch(view, patch);
  } else {
    return StatusResult(415, "UnsupportedMediaType",
                        "the body of the request was in an unknown format - accepted media types "
                        "include: application/json-patch+json, application/merge-patch+json, "
                        "application/apply-patch+yaml");
  }
  if (!patched.is_object())
    return StatusResult(422, "Invalid", "the patched object is not an object");
  // A patch that does not mention resourceVersion is unconditional.
  bool patch_sets_rv = false;
  if (patch.is_object() && patch.contains("metadata") && patch["metadata"].is_object()) {
    patch_sets_rv = patch["metadata"].contains("resourceVersion");
  } else if (patch.is_array()) {
    for (const json& op : patch) {
      if (op.value("path", "") == "/metadata/resourceVersion") patch_sets_rv = true;
    }
  }
  if (!patch_sets_rv && patched.contains("metadata")) patched["metadata"].erase("resourceVersion");
  return Write(type, info, query, FromView(type, patched), &old, 200);
}

json ApiServer::RemoveNow(const ResourceType& type, const std::string& ns,
                          const std::string& name) {
  if (type.plural == "namespaces" && type.group.empty()) {
    for (const std::string& key : store_.KeysWithObjectsIn(name)) {
      std::vector<std::string> names;
      for (const json* object : store_.List(key, name)) {
        names.push_back((*object)["metadata"].value("name", ""));
      }
      for (const std::string& n : names) store_.Remove(key, name, n);
    }
  }
  if (type.group == "apiextensions.k8s.io" && type.plural == "customresourcedefinitions") {
    const json* crd = store_.Get(type.StorageKey(), "", name);
    if (crd != nullptr) {
      std::string key =
          (*crd)["spec"].value("group", "") + "/" + (*crd)["spec"]["names"].value("plural", "");
      std::vector<std::pair<std::string, std::string>> ids;
      for (const json* object : store_.List(key, "")) {
        ids.push_back({(*object)["metadata"].value("namespace", ""),
                       (*object)["metadata"].value("name", "")});
      }
      for (const auto& [object_ns, object_name] : ids) store_.Remove(key, object_ns, object_name);
      store_.CloseWatches(key);
    }
    registry_.RemoveCrd(name);
    ++openapi_generation_;
  }
  return store_.Remove(type.StorageKey(), type.namespaced ? ns : "", name);
}

ApiResult ApiServer::Delete(const ResourceType& type, const RequestInfo& info, const Query& query,
                            const json& body) {
  const json* current = store_.Get(type.StorageKey(), info.ns, info.name);
  if (current == nullptr) return NotFound(type, info.name);
  json object = *current;
  const json& meta = object["metadata"];
  if (body.is_object() && body.contains("preconditions") && body["preconditions"].is_object()) {
    const json& pre = body["preconditions"];
    std::string uid = pre.value("uid", "");
    std::string rv = pre.value("resourceVersion", "");
    if (!uid.empty() && uid != meta.value("uid", "")) {
      return StatusResult(409, "Conflict",
                          "Precondition failed: UID in precondition: " + uid +
                              ", UID in object meta: " + meta.value("uid", ""));
    }
    if (!rv.empty() && rv != meta.value("resourceVersion", "")) {
      return StatusResult(
          409, "Conflict",
          "Precondition failed: ResourceVersion in precondition: " + rv +
              ", ResourceVersion in object meta: " + meta.value("resourceVersion", ""));
    }
  }
  if (query.count("dryRun")) return JsonResult(200, ToView(type, object));
  if (!meta.value("finalizers", json::array()).empty()) {
    if (!meta.contains("deletionTimestamp")) {
      object["metadata"]["deletionTimestamp"] = Now();
      object["metadata"]["deletionGracePeriodSeconds"] = 0;
      object = store_.Put(type.StorageKey(), std::move(object));
    }
    return JsonResult(200, ToView(type, object));
  }
  return JsonResult(200, ToView(type, RemoveNow(type, info.ns, info.name)));
}

ApiResult ApiServer::DeleteCollection(const ResourceType& type, const RequestInfo& info,
                                      const Query& query) {
  auto selectors = ParseSelectors(type, query);
  if (!selectors.ok()) return ApiResult{selectors.error(), nullptr, false};
  json items = json::array();
  std::vector<json> matched;
  for (const json* object : store_.List(type.StorageKey(), info.ns)) {
    if (selectors->Matches(*object)) matched.push_back(*object);
  }
  for (const json& object : matched) {
    RequestInfo one = info;
    one.ns = object["metadata"].value("namespace", "");
    one.name = object["metadata"].value("name", "");
    ApiResult r = Delete(type, one, query, json::object());
    if (r.response.code == 200) items.push_back(json::parse(r.response.body));
  }
  return JsonResult(200, {{"kind", type.list_kind},
                          {"apiVersion", type.ApiVersion()},
                          {"metadata", {{"resourceVersion", std::to_string(store_.current_rv())}}},
                          {"items", items}});
}

}  // namespace mdo::testserver
