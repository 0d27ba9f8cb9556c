// The API semantics of kube-testserver, independent of the HTTP library: a request goes in, a
// response (or a watch stream) comes out. Thread-safe: one lock serialises the store.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "testserver/admin.h"
#include "testserver/resources.h"
#include "testserver/store.h"

namespace mdo::testserver {

struct ApiRequest {
  std::string method;
  std::string target;  // path?query
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string client_cert_user;                // CN of the verified client certificate, "" = none
  std::string tls_server_name;                 // the SNI the client sent, "" = none

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

struct ApiResponse {
  int code = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// A watch stream: the HTTP layer writes each returned line as one chunk.
class WatchSession {
 public:
  virtual ~WatchSession() = default;
  // The next NDJSON line; "" when nothing arrived within max_wait (the caller checks its peer
  // and calls again); nullopt at the end of the stream.
  virtual std::optional<std::string> Next(std::chrono::milliseconds max_wait) = 0;
};

struct ApiResult {
  ApiResponse response;
  std::unique_ptr<WatchSession> watch;  // set: 200 + chunked stream of watch events
  bool close_all_connections = false;   // set by the admin restart
};

struct ServerOptions {
  std::string token;  // empty (and no client_cert_auth): no authentication
  size_t watch_history = 10000;
  int bookmark_interval_seconds = 60;
  // A verified client certificate authenticates (as its CN), alone or besides the token.
  bool client_cert_auth = false;
};

class ApiServer {
 public:
  explicit ApiServer(ServerOptions options);
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  ApiResult Handle(const ApiRequest& request);
  void set_server_address(std::string host_port) { server_address_ = std::move(host_port); }

  // Parses the query string (`a=b&c=d`, percent-decoded, `+` as space).
  static std::map<std::string, std::string> ParseQuery(const std::string& query);

 private:
  friend class WatchStream;
  using Json = nlohmann::json;
  using Query = std::map<std::string, std::string>;

  ApiResult HandleAdmin(const ApiRequest& request, const std::string& path, const Query& query);
  ApiResult Dispatch(const ApiRequest& request, const RequestInfo& info, const Query& query);
  std::optional<ApiResult> Discovery(const RequestInfo& info);
  ApiResult OpenApi(const std::string& path);

  ApiResult Get(const ResourceType& type, const RequestInfo& info, const ApiRequest& request);
  ApiResult List(const ResourceType& type, const RequestInfo& info, const Query& query,
                 const ApiRequest& request);
  ApiResult Watch(const ResourceType& type, const RequestInfo& info, const Query& query,
                  const ApiRequest& request);
  ApiResult Create(const ResourceType& type, const RequestInfo& info, const Query& query,
                   const Json& body);
  ApiResult Update(const ResourceType& type, const RequestInfo& info, const Query& query,
                   const Json& body);
  ApiResult Patch(const ResourceType& type, const RequestInfo& info, const Query& query,
                  const ApiRequest& request);
  ApiResult Delete(const ResourceType& type, const RequestInfo& info, const Query& query,
                   const Json& body);
  ApiResult DeleteCollection(const ResourceType& type, const RequestInfo& info, const Query& query);

  // Create or update through the common path: metadata, status subresource, schema,
  // generation, conflicts, finalizers. `old` is null for a create.
  ApiResult Write(const ResourceType& type, const RequestInfo& info, const Query& query,
                  Json object, const Json* old, int success_code);
  // Removes an object now (cascading for namespaces and CRDs).
  Json RemoveNow(const ResourceType& type, const std::string& ns, const std::string& name);

  // The object as the client's view of it: apiVersion/kind of the requested version (and the
  // events.k8s.io/v1 shape of events).
  Json ToView(const ResourceType& type, Json object) const;
  Json FromView(const ResourceType& type, Json object) const;
  const ResourceType* CoreEvents() const;

  void InitialState();
  void ReloadCrdTypes();

  ServerOptions options_;
  std::string server_address_ = "127.0.0.1:0";
  FaultInjector faults_;
  RequestLog request_log_;

  std::mutex mu_;  // guards everything below
  ResourceRegistry registry_;
  Store store_;
  std::map<std::string, Json> applied_;  // server-side apply: key|manager → last applied config
  int openapi_generation_ = 1;
  int restarts_ = 0;
};

}  // namespace mdo::testserver
