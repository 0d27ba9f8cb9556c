// The ApiClient seam: the verbs on any resource, with JSON objects (nlohmann::json) and
// errors as values carrying the API Status. RestApiClient (rest_api_client.h) implements it
// over HTTPS; tests may implement it in memory. No cpprest types appear here.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace mdo::kube {

using Json = nlohmann::json;

// A resource collection, e.g. {"mailops.dev", "v1alpha1", "maildomains", true, "MailDomain"}.
struct ResourceType {
  std::string group;  // "" for the core group
  std::string version;
  std::string resource;  // plural, lower case
  bool namespaced = true;
  std::string kind;

  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
  // /api/v1/namespaces/NS/RESOURCE/NAME/SUB, or /apis/GROUP/VERSION/...; an empty `ns` on a
  // namespaced type addresses all namespaces (lists and watches only).
  std::string Path(std::string_view ns, std::string_view name = "",
                   std::string_view subresource = "") const;
};

namespace resources {
extern const ResourceType kNamespaces;
extern const ResourceType kConfigMaps;
extern const ResourceType kCoreEvents;  // core/v1 events
extern const ResourceType kEvents;      // events.k8s.io/v1
extern const ResourceType kLeases;      // coordination.k8s.io/v1
extern const ResourceType kCustomResourceDefinitions;
}  // namespace resources

// A failed call. code 0 means no HTTP answer (connection, TLS, timeout, broken stream).
struct ApiError {
  int code = 0;
  std::string reason;  // Status.reason: NotFound, AlreadyExists, Conflict, Expired, Gone, ...
  std::string message;
  int retry_after_seconds = 0;  // Retry-After header or Status.details.retryAfterSeconds
  Json status;                  // the Status object when the server sent one

  bool IsTransport() const { return code == 0; }
  bool IsNotFound() const { return code == 404; }
  bool IsAlreadyExists() const { return code == 409 && reason == "AlreadyExists"; }
  bool IsConflict() const { return code == 409 && reason != "AlreadyExists"; }
  bool IsGone() const { return code == 410 || reason == "Expired" || reason == "Gone"; }
  bool IsTooManyRequests() const { return code == 429; }
  bool IsUnauthorized() const { return code == 401; }
  std::string ToString() const;
};

template <typename T>
using ApiResult = Result<T, ApiError>;

inline Unexpected<ApiError> ApiFail(ApiError e) { return {std::move(e)}; }
inline Unexpected<ApiError> ApiFail(int code, std::string reason, std::string message) {
  ApiError e;
  e.code = code;
  e.reason = std::move(reason);
  e.message = std::move(message);
  return {std::move(e)};
}

// The error for an HTTP answer `code` with `body` (a Status object, or anything else).
ApiError ErrorFromResponse(int code, std::string_view body);
// The error carried by a Status object (watch ERROR events).
ApiError ErrorFromStatus(const Json& status);

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  int64_t limit = 0;  // page size; 0 = server default (everything)
  std::string continue_token;
  std::string resource_version;
  std::string resource_version_match;  // NotOlderThan | Exact
  // Watches only:
  bool allow_watch_bookmarks = false;
  int timeout_seconds = 0;  // the server ends the watch after this; 0 = server default
};

struct WriteOptions {
  std::string subresource;  // "status" for the status subresource
  std::string field_manager;
  bool force = false;  // server-side apply: take ownership of conflicting fields
  bool dry_run = false;
};

struct DeleteOptions {
  std::string propagation_policy;  // Foreground | Background | Orphan
  std::string precondition_uid;
  std::string precondition_resource_version;
};

enum class PatchType {
  kMerge,      // application/merge-patch+json (RFC 7386)
  kJson,       // application/json-patch+json (RFC 6902)
  kApply,      // application/apply-patch+yaml (server-side apply; JSON is valid YAML)
  kStrategic,  // application/strategic-merge-patch+json (built-in types only)
};
const char* PatchContentType(PatchType type);

struct WatchEvent {
  enum class Type { kAdded, kModified, kDeleted, kBookmark, kError };
  Type type = Type::kAdded;
  Json object;
};
const char* WatchEventTypeName(WatchEvent::Type type);

class WatchStream {
 public:
  virtual ~WatchStream() = default;
  // The next event; nullopt when the server ended the stream normally; an error when the
  // stream broke (transport error) or was cancelled.
  virtual ApiResult<std::optional<WatchEvent>> Next() = 0;
  // Thread-safe: makes a blocked Next() return promptly with an error.
  virtual void Cancel() = 0;
};

class ApiClient {
 public:
  virtual ~ApiClient() = default;

  virtual ApiResult<Json> Get(const ResourceType& type, std::string_view ns, std::string_view name,
                              std::string_view subresource = "") = 0;
  // One page; follow metadata.continue for the next (or use ListAll).
  virtual ApiResult<Json> List(const ResourceType& type, std::string_view ns,
                               const ListOptions& options = {}) = 0;
  virtual ApiResult<std::unique_ptr<WatchStream>> Watch(const ResourceType& type,
                                                        std::string_view ns,
                                                        const ListOptions& options) = 0;
  virtual ApiResult<Json> Create(const ResourceType& type, std::string_view ns, const Json& object,
                                 const WriteOptions& options = {}) = 0;
  // PUT of the object named in object.metadata.name; carries its resourceVersion (409 if stale).
  virtual ApiResult<Json> Update(const ResourceType& type, std::string_view ns, const Json& object,
                                 const WriteOptions& options = {}) = 0;
  virtual ApiResult<Json> Patch(const ResourceType& type, std::string_view ns,
                                std::string_view name, PatchType patch_type, const Json& patch,
                                const WriteOptions& options = {}) = 0;
  virtual ApiResult<Json> Delete(const ResourceType& type, std::string_view ns,
                                 std::string_view name, const DeleteOptions& options = {}) = 0;
  // GET of a non-resource path such as "/version" or "/apis/events.k8s.io/v1".
  virtual ApiResult<Json> GetPath(std::string_view path) = 0;

  // Every page of a list, items concatenated; metadata.resourceVersion is the last page's
  // (where a watch should start). Pages of `page_size` (client-go's 500).
  ApiResult<Json> ListAll(const ResourceType& type, std::string_view ns, ListOptions options = {},
                          int64_t page_size = 500);
  ApiResult<Json> UpdateStatus(const ResourceType& type, std::string_view ns, const Json& object);
  ApiResult<Json> PatchStatus(const ResourceType& type, std::string_view ns, std::string_view name,
                              PatchType patch_type, const Json& patch,
                              const WriteOptions& options = {});
};

// obj[key] when obj is an object holding a string there, else "" (never throws).
std::string JsonString(const Json& obj, std::string_view key);
// obj.metadata[key] as a string, else "".
std::string MetaString(const Json& obj, std::string_view key);

// "namespace/name" (or "name" for cluster-scoped objects), client-go's MetaNamespaceKeyFunc.
std::string ObjectKey(const Json& object);
// Percent-encodes a path segment or query value (RFC 3986 unreserved characters kept).
std::string PercentEncode(std::string_view text);

}  // namespace mdo::kube
