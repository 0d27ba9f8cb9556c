#include "kube/api_client.h"

namespace mdo::kube {

namespace resources {
const ResourceType kNamespaces{"", "v1", "namespaces", false, "Namespace"};
const ResourceType kConfigMaps{"", "v1", "configmaps", true, "ConfigMap"};
const ResourceType kCoreEvents{"", "v1", "events", true, "Event"};
const ResourceType kEvents{"events.k8s.io", "v1", "events", true, "Event"};
const ResourceType kLeases{"coordination.k8s.io", "v1", "leases", true, "Lease"};
const ResourceType kCustomResourceDefinitions{
    "apiextensions.k8s.io", "v1", "customresourcedefinitions", false, "CustomResourceDefinition"};
}  // namespace resources

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string ResourceType::Path(std::string_view ns, std::string_view name,
                               std::string_view subresource) const {
  std::string path = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  if (namespaced && !ns.empty()) path += "/namespaces/" + PercentEncode(ns);
  path += "/" + resource;
  if (!name.empty()) path += "/" + PercentEncode(name);
  if (!subresource.empty()) path += "/" + std::string(subresource);
  return path;
}

std::string ApiError::ToString() const {
  std::string out = code == 0 ? "no response" : "HTTP " + std::to_string(code);
  if (!reason.empty()) out += " " + reason;
  if (!message.empty()) out += ": " + message;
  return out;
}

ApiError ErrorFromStatus(const Json& status) {
  ApiError e;
  if (!status.is_object()) {
    e.reason = "InternalError";
    e.message = "malformed Status object";
    return e;
  }
  if (auto it = status.find("code"); it != status.end() && it->is_number_integer()) {
    e.code = it->get<int>();
  }
  e.reason = JsonString(status, "reason");
  e.message = JsonString(status, "message");
  if (auto d = status.find("details"); d != status.end() && d->is_object()) {
    if (auto r = d->find("retryAfterSeconds"); r != d->end() && r->is_number_integer()) {
      e.retry_after_seconds = r->get<int>();
    }
  }
  e.status = status;
  return e;
}

ApiError ErrorFromResponse(int code, std::string_view body) {
  Json doc = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  ApiError e;
  if (JsonString(doc, "kind") == "Status") {
    e = ErrorFromStatus(doc);
  } else {
    // Not a Status (a proxy's HTML page, say): keep a bounded excerpt for the message.
    e.message = std::string(body.substr(0, 256));
  }
  e.code = code;  // the HTTP status is authoritative
  if (e.reason.empty()) {
    switch (code) {
      case 400:
        e.reason = "BadRequest";
        break;
      case 401:
        e.reason = "Unauthorized";
        break;
      case 403:
        e.reason = "Forbidden";
        break;
      case 404:
        e.reason = "NotFound";
        break;
      case 405:
        e.reason = "MethodNotAllowed";
        break;
      case 409:
        e.reason = "Conflict";
        break;
      case 410:
        e.reason = "Gone";
        break;
      case 415:
        e.reason = "UnsupportedMediaType";
        break;
      case 422:
        e.reason = "Invalid";
        break;
      case 429:
        e.reason = "TooManyRequests";
        break;
      case 503:
        e.reason = "ServiceUnavailable";
        break;
      case 504:
        e.reason = "Timeout";
        break;
      default:
        e.reason = code >= 500 ? "InternalError" : "Unknown";
        break;
    }
  }
  return e;
}

const char* PatchContentType(PatchType type) {
  switch (type) {
    case PatchType::kMerge:
      return "application/merge-patch+json";
    case PatchType::kJson:
      return "application/json-patch+json";
    case PatchType::kApply:
      return "application/apply-patch+yaml";
    case PatchType::kStrategic:
      return "application/strategic-merge-patch+json";
  }
  return "application/merge-patch+json";
}

const char* WatchEventTypeName(WatchEvent::Type type) {
  switch (type) {
    case WatchEvent::Type::kAdded:
      return "ADDED";
    case WatchEvent::Type::kModified:
      return "MODIFIED";
    case WatchEvent::Type::kDeleted:
      return "DELETED";
    case WatchEvent::Type::kBookmark:
      return "BOOKMARK";
    case WatchEvent::Type::kError:
      return "ERROR";
  }
  return "?";
}

ApiResult<Json> ApiClient::ListAll(const ResourceType& type, std::string_view ns,
                                   ListOptions options, int64_t page_size) {
  options.limit = page_size;
  options.continue_token.clear();
  Json all;
  Json items = Json::array();
  for (;;) {
    auto page = List(type, ns, options);
    if (!page) return page;
    if (auto it = page->find("items"); it != page->end() && it->is_array()) {
      for (auto& item : *it) items.push_back(std::move(item));
    }
    std::string next;
    next = MetaString(*page, "continue");
    all = std::move(*page);
    if (next.empty()) break;
    options.continue_token = next;
    // A continued list is served at the first page's snapshot; the RV must not be re-sent.
    options.resource_version.clear();
    options.resource_version_match.clear();
  }
  all["items"] = std::move(items);
  if (all.contains("metadata") && all["metadata"].is_object()) all["metadata"].erase("continue");
  return all;
}

ApiResult<Json> ApiClient::UpdateStatus(const ResourceType& type, std::string_view ns,
                                        const Json& object) {
  WriteOptions options;
  options.subresource = "status";
  return Update(type, ns, object, options);
}

ApiResult<Json> ApiClient::PatchStatus(const ResourceType& type, std::string_view ns,
                                       std::string_view name, PatchType patch_type,
                                       const Json& patch, const WriteOptions& options) {
  WriteOptions o = options;
  o.subresource = "status";
  return Patch(type, ns, name, patch_type, patch, o);
}

std::string JsonString(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string MetaString(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return "";
  auto it = obj.find("metadata");
  return it == obj.end() ? std::string() : JsonString(*it, key);
}

std::string ObjectKey(const Json& object) {
  std::string ns = MetaString(object, "namespace");
  std::string name = MetaString(object, "name");
  return ns.empty() ? name : ns + "/" + name;
}

}  // namespace mdo::kube
