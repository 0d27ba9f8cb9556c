#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "common/strings.h"
#include "testserver/api_common.h"
#include "testserver/protobuf.h"
#include "testserver/table.h"

namespace mdo::testserver {

using nlohmann::json;
using namespace internal;

namespace internal {

ApiResult JsonResult(int code, const json& body) {
  ApiResult result;
  result.response.code = code;
  result.response.body = body.dump();
  return result;
}

ApiResult StatusResult(int code, const std::string& reason, const std::string& message,
                       json details) {
  json status = {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
                 {"status", "Failure"}, {"message", message}, {"reason", reason},
                 {"code", code}};
  if (!details.is_null()) status["details"] = details;
  return JsonResult(code, status);
}

ApiResult NotFound(const ResourceType& type, const std::string& name) {
  return StatusResult(404, "NotFound", type.QualifiedResource() + " \"" + name + "\" not found",
                      {{"name", name}, {"group", type.group}, {"kind", type.plural}});
}

ApiResult Invalid(const ResourceType& type, const std::string& name, const json& causes) {
  std::string message = type.QualifiedKind() + " \"" + name + "\" is invalid: ";
  if (causes.size() == 1) {
    message +=
        causes[0]["field"].get<std::string>() + ": " + causes[0]["message"].get<std::string>();
  } else {
    message += "[";
    for (size_t i = 0; i < causes.size(); ++i) {
      if (i > 0) message += ", ";
      message +=
          causes[i]["field"].get<std::string>() + ": " + causes[i]["message"].get<std::string>();
    }
    message += "]";
  }
  return StatusResult(
      422, "Invalid", message,
      {{"name", name}, {"group", type.group}, {"kind", type.kind}, {"causes", causes}});
}

std::string Now() { return FormatTimestamp(std::time(nullptr)); }

std::string NewUid() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard<std::mutex> lock(mu);
  uint64_t a = rng(), b = rng();
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
                static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

bool WantsTable(const ApiRequest& request) {
  return request.Header("accept").find("as=Table") != std::string::npos;
}

}  // namespace internal

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> PathSegments(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) out.push_back(Unescape(path.substr(start, end - start)));
    start = end + 1;
  }
  return out;
}

// Fills the resource part of info from the path; false when it is not a resource path.
bool ParseResourcePath(const std::vector<std::string>& seg, RequestInfo& info) {
  size_t i;
  if (seg.size() >= 2 && seg[0] == "api") {
    info.group = "";
    info.version = seg[1];
    i = 2;
  } else if (seg.size() >= 3 && seg[0] == "apis") {
    info.group = seg[1];
    info.version = seg[2];
    i = 3;
  } else {
    return false;
  }
  std::vector<std::string> rest(seg.begin() + static_cast<long>(i), seg.end());
  if (rest.empty()) return false;
  if (rest[0] == "namespaces" && rest.size() >= 3 && rest[2] != "status" && rest[2] != "finalize") {
    info.ns = rest[1];
    info.resource = rest[2];
    if (rest.size() > 3) info.name = rest[3];
    if (rest.size() > 4) info.subresource = rest[4];
    if (rest.size() > 5) return false;
  } else {
    info.resource = rest[0];
    if (rest.size() > 1) info.name = rest[1];
    if (rest.size() > 2) info.subresource = rest[2];
    if (rest.size() > 3) return false;
  }
  info.is_resource = true;
  return true;
}

std::string VerbFor(const RequestInfo& info, const std::map<std::string, std::string>& query) {
  auto watch = query.find("watch");
  bool watching = watch != query.end() && (watch->second == "true" || watch->second == "1");
  if (!info.is_resource) return info.method == "GET" ? "get" : AsciiLower(info.method);
  if (info.method == "GET") {
    if (watching) return "watch";
    return info.name.empty() ? "list" : "get";
  }
  if (info.method == "POST") return "create";
  if (info.method == "PUT") return "update";
  if (info.method == "PATCH") return "patch";
  if (info.method == "DELETE") return info.name.empty() ? "deletecollection" : "delete";
  return "unknown";
}

}  // namespace

std::map<std::string, std::string> ApiServer::ParseQuery(const std::string& query) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string part = query.substr(start, end - start);
    size_t eq = part.find('=');
    if (!part.empty()) {
      if (eq == std::string::npos) {
        out[Unescape(part)] = "";
      } else {
        out[Unescape(part.substr(0, eq))] = Unescape(part.substr(eq + 1));
      }
    }
    start = end + 1;
  }
  return out;
}

ApiServer::ApiServer(ServerOptions options)
    : options_(std::move(options)), store_(options_.watch_history) {
  std::lock_guard<std::mutex> lock(mu_);
  InitialState();
}

void ApiServer::InitialState() {
  const ResourceType* namespaces = registry_.Find("", "v1", "namespaces");
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    json ns = {{"apiVersion", "v1"},
               {"kind", "Namespace"},
               {"metadata",
                {{"name", name},
                 {"uid", NewUid()},
                 {"creationTimestamp", Now()},
                 {"labels", {{"kubernetes.io/metadata.name", name}}}}},
               {"spec", {{"finalizers", {"kubernetes"}}}},
               {"status", {{"phase", "Active"}}}};
    store_.Put(namespaces->StorageKey(), ns);
  }
}

ApiResult ApiServer::Handle(const ApiRequest& request) {
  std::string path = request.target;
  std::string query_string;
  size_t qpos = path.find('?');
  if (qpos != std::string::npos) {
    query_string = path.substr(qpos + 1);
    path = path.substr(0, qpos);
  }
  Query query = ParseQuery(query_string);
  if (path.rfind("/admin/", 0) == 0) return HandleAdmin(request, path, query);

  RequestInfo info;
  info.method = request.method;
  info.path = path;
  info.query = query_string;
  info.user_agent = request.Header("user-agent");
  info.user = request.client_cert_user;
  info.server_name = request.tls_server_name;
  ParseResourcePath(PathSegments(path), info);
  info.verb = VerbFor(info, query);

  ApiResult result;
  bool token_ok =
      !options_.token.empty() && request.Header("authorization") == "Bearer " + options_.token;
  bool cert_ok = options_.client_cert_auth && !request.client_cert_user.empty();
  bool open = options_.token.empty() && !options_.client_cert_auth;
  if (!open && !token_ok && !cert_ok) {
    result = StatusResult(401, "Unauthorized", "Unauthorized");
    request_log_.Record(info, 401);
    return result;
  }
  if (std::optional<Fault> fault = faults_.Take(info)) {
    if (fault->delay_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(fault->delay_ms));
    }
    if (fault->code != 0) {
      json details = json::object();
      if (!info.name.empty()) details["name"] = info.name;
      if (!info.resource.empty()) details["kind"] = info.resource;
      if (fault->retry_after_seconds > 0) details["retryAfterSeconds"] = fault->retry_after_seconds;
      result = StatusResult(fault->code, ReasonForCode(fault->code), "injected fault", details);
      if (fault->retry_after_seconds > 0) {
        result.response.headers.emplace_back("Retry-After",
                                             std::to_string(fault->retry_after_seconds));
      }
      if (info.verb == "watch") {
        // As kube-apiserver: the watch itself succeeds and carries an ERROR event.
        result.response.code = 200;
        result.response.body =
            json{{"type", "ERROR"}, {"object", json::parse(result.response.body)}}.dump() + "\n";
      }
      request_log_.Record(info, fault->code);
      return result;
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    result = Dispatch(request, info, query);
  }
  request_log_.Record(info, result.response.code);
  return result;
}

ApiResult ApiServer::HandleAdmin(const ApiRequest& request, const std::string& path,
                                 const Query& query) {
  json body = request.body.empty() ? json::object() : json::parse(request.body, nullptr, false);
  if (body.is_discarded()) return JsonResult(400, {{"error", "the body is not JSON"}});
  const std::string& m = request.method;
  if (path == "/admin/faults" && m == "POST") {
    auto id = faults_.Add(body);
    if (!id.ok()) return JsonResult(400, {{"error", id.error().message}});
    return JsonResult(200, {{"id", *id}});
  }
  if (path == "/admin/faults" && m == "GET") return JsonResult(200, faults_.List());
  if (path == "/admin/faults" && m == "DELETE") {
    faults_.Clear();
    return JsonResult(200, json::object());
  }
  if (path.rfind("/admin/faults/", 0) == 0 && m == "DELETE") {
    int id = std::atoi(path.substr(std::string("/admin/faults/").size()).c_str());
    if (!faults_.Remove(id)) return JsonResult(404, {{"error", "no such fault"}});
    return JsonResult(200, json::object());
  }
  if (path == "/admin/requests" && m == "GET") return JsonResult(200, request_log_.Report(query));
  if (path == "/admin/requests" && m == "DELETE") {
    request_log_.Clear();
    return JsonResult(200, json::object());
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (path == "/admin/watches" && m == "GET") {
    return JsonResult(200, {{"open", store_.open_watches()}});
  }
  if (path == "/admin/watches/close" && m == "POST") {
    return JsonResult(200, {{"closed", store_.CloseAllWatches()}});
  }
  if (path == "/admin/watches/bookmark" && m == "POST") {
    return JsonResult(200, {{"sent", store_.BookmarkAllWatches()}});
  }
  if (path == "/admin/compact" && m == "POST") {
    store_.Compact();
    return JsonResult(200, {{"resourceVersion", std::to_string(store_.current_rv())}});
  }
  if (path == "/admin/restart" && m == "POST") {
    bool keep = body.value("keepState", true);
    store_.CloseAllWatches();
    if (!keep) {
      store_.Clear();
      registry_.RemoveAllCrds();
      applied_.clear();
      ++openapi_generation_;
      InitialState();
      store_.Compact();
    }
    ApiResult result = JsonResult(200, {{"restarts", ++restarts_}});
    result.close_all_connections = true;
    return result;
  }
  return JsonResult(404, {{"error", "unknown admin endpoint " + m + " " + path}});
}

std::optional<ApiResult> ApiServer::Discovery(const RequestInfo& info) {
  const std::string& path = info.path;
  json verbs = {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};
  auto resource_list = [&](const std::string& group, const std::string& version) {
    json resources = json::array();
    for (const ResourceType* t : registry_.ForGroupVersion(group, version)) {
      json r = {{"name", t->plural},
                {"singularName", t->singular},
                {"namespaced", t->namespaced},
                {"kind", t->kind},
                {"verbs", verbs}};
      if (!t->short_names.empty()) r["shortNames"] = t->short_names;
      if (!t->categories.empty()) r["categories"] = t->categories;
      resources.push_back(r);
      if (t->has_status) {
        resources.push_back({{"name", t->plural + "/status"},
                             {"singularName", ""},
                             {"namespaced", t->namespaced},
                             {"kind", t->kind},
                             {"verbs", {"get", "patch", "update"}}});
      }
    }
    return json{{"kind", "APIResourceList"},
                {"apiVersion", "v1"},
                {"groupVersion", group.empty() ? version : group + "/" + version},
                {"resources", resources}};
  };
  auto group_json = [&](const std::string& name, const std::vector<std::string>& versions) {
    json vs = json::array();
    for (const std::string& v : versions)
      vs.push_back({{"groupVersion", name + "/" + v}, {"version", v}});
    return json{{"name", name}, {"versions", vs}, {"preferredVersion", vs[0]}};
  };
  if (path == "/api" || path == "/api/") {
    return JsonResult(200, {{"kind", "APIVersions"},
                            {"versions", {"v1"}},
                            {"serverAddressByClientCIDRs",
                             {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address_}}}}});
  }
  if (path == "/api/v1" || path == "/api/v1/") return JsonResult(200, resource_list("", "v1"));
  if (path == "/apis" || path == "/apis/") {
    json groups = json::array();
    for (const auto& [name, versions] : registry_.Groups())
      groups.push_back(group_json(name, versions));
    return JsonResult(200, {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}});
  }
  std::vector<std::string> seg = PathSegments(path);
  if (seg.size() == 2 && seg[0] == "apis") {
    for (const auto& [name, versions] : registry_.Groups()) {
      if (name == seg[1]) {
        json g = group_json(name, versions);
        g["kind"] = "APIGroup";
        g["apiVersion"] = "v1";
        return JsonResult(200, g);
      }
    }
    return StatusResult(404, "NotFound", "the server could not find the requested resource");
  }
  if (seg.size() == 3 && seg[0] == "apis") {
    if (registry_.ForGroupVersion(seg[1], seg[2]).empty()) {
      return StatusResult(404, "NotFound", "the server could not find the requested resource");
    }
    return JsonResult(200, resource_list(seg[1], seg[2]));
  }
  if (path == "/version" || path == "/version/") {
    return JsonResult(200, {{"major", "1"},
                            {"minor", "35"},
                            {"emulationMajor", "1"},
                            {"emulationMinor", "35"},
                            {"gitVersion", "v1.35.0"},
                            {"gitCommit", "kube-testserver"},
                            {"gitTreeState", "clean"},
                            {"buildDate", "2026-11-27T00:00:00Z"},
                            {"goVersion", "go1.25.0"},
                            {"compiler", "gc"},
                            {"platform", "linux/amd64"}});
  }
  if (path == "/healthz" || path == "/readyz" || path == "/livez") {
    ApiResult ok;
    ok.response.content_type = "text/plain; charset=utf-8";
    ok.response.body = "ok";
    return ok;
  }
  if (path.rfind("/openapi/v3", 0) == 0) return OpenApi(path);
  return std::nullopt;
}

ApiResult ApiServer::OpenApi(const std::string& path) {
  std::string hash = std::to_string(openapi_generation_);
  if (path == "/openapi/v3" || path == "/openapi/v3/") {
    json paths = json::object();
    paths["api/v1"] = {{"serverRelativeURL", "/openapi/v3/api/v1?hash=" + hash}};
    for (const auto& [group, versions] : registry_.Groups()) {
      for (const std::string& v : versions) {
        std::string gv = "apis/" + group + "/" + v;
        paths[gv] = {{"serverRelativeURL", "/openapi/v3/" + gv + "?hash=" + hash}};
      }
    }
    return JsonResult(200, {{"paths", paths}});
  }
  std::vector<std::string> seg = PathSegments(path);  // openapi v3 api v1 | openapi v3 apis g v
  std::string group, version;
  if (seg.size() == 4 && seg[2] == "api") {
    version = seg[3];
  } else if (seg.size() == 5 && seg[2] == "apis") {
    group = seg[3];
    version = seg[4];
  } else {
    return StatusResult(404, "NotFound", "the server could not find the requested resource");
  }
  auto types = registry_.ForGroupVersion(group, version);
  if (types.empty()) {
    return StatusResult(404, "NotFound", "the server could not find the requested resource");
  }
  json paths = json::object();
  json schemas = json::object();
  for (const ResourceType* t : types) {
    std::string prefix = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
    std::string item =
        prefix + (t->namespaced ? "/namespaces/{namespace}/" : "/") + t->plural + "/{name}";
    json gvk = {{"group", group}, {"version", version}, {"kind", t->kind}};
    json param = {{"name", "fieldValidation"}, {"in", "query"}, {"schema", {{"type", "string"}}}};
    json op = {{"x-kubernetes-group-version-kind", gvk},
               {"parameters", {param}},
               {"responses", json::object()}};
    paths[item] = {{"get", op}, {"put", op}, {"patch", op}, {"delete", op}};
    std::string schema_name =
        (group.empty() ? "io.k8s.api.core" : group) + "." + version + "." + t->kind;
    schemas[schema_name] = {{"type", "object"}, {"x-kubernetes-group-version-kind", {gvk}}};
  }
  return JsonResult(200, {{"openapi", "3.0.0"},
                          {"info", {{"title", "Kubernetes"}, {"version", "v1.35.0"}}},
                          {"paths", paths},
                          {"components", {{"schemas", schemas}}}});
}

ApiResult ApiServer::Dispatch(const ApiRequest& request, const RequestInfo& info,
                              const Query& query) {
  if (!info.is_resource) {
    if (auto result = Discovery(info)) return std::move(*result);
    return StatusResult(404, "NotFound", "the server could not find the requested resource");
  }
  const ResourceType* type = registry_.Find(info.group, info.version, info.resource);
  if (type == nullptr) {
    return StatusResult(404, "NotFound", "the server could not find the requested resource");
  }
  if (!type->namespaced && !info.ns.empty()) {
    return StatusResult(404, "NotFound", "the server could not find the requested resource");
  }
  if (!info.subresource.empty() && !(info.subresource == "status" && type->has_status)) {
    return StatusResult(404, "NotFound", "the server could not find the requested resource");
  }
  const ResourceType copy = *type;  // the registry may change during the request (CRDs)
  json body;
  if (info.method == "POST" || info.method == "PUT" ||
      (info.method == "DELETE" && !request.body.empty())) {
    if (request.Header("content-type").rfind("application/vnd.kubernetes.protobuf", 0) == 0 &&
        info.method == "DELETE") {
      body = json::object();  // protobuf DeleteOptions (helm uninstall): defaults are fine here
    } else if (request.Header("content-type").rfind("application/vnd.kubernetes.protobuf", 0) ==
               0) {
      auto decoded = DecodeKubernetesProtobuf(request.body);
      if (!decoded.ok()) return StatusResult(415, "UnsupportedMediaType", decoded.error().message);
      body = std::move(*decoded);
    } else {
      body = request.body.empty() ? json::object() : json::parse(request.body, nullptr, false);
    }
    if (body.is_discarded() || !body.is_object()) {
      // kubectl and helm send JSON; anything else is a 400 as from the real decoder.
      return StatusResult(400, "BadRequest",
                          "the body of the request was in an unknown format - accepted media "
                          "types include: application/json, application/yaml");
    }
  }
  const std::string& v = info.verb;
  if (v == "get") return Get(copy, info, request);
  if (v == "list") return List(copy, info, query, request);
  if (v == "watch") return Watch(copy, info, query, request);
  if (v == "create") {
    if (!info.name.empty())
      return StatusResult(405, "MethodNotAllowed",
                          "the server does not allow this method on the requested resource");
    return Create(copy, info, query, body);
  }
  if (v == "update") return Update(copy, info, query, body);
  if (v == "patch") return Patch(copy, info, query, request);
  if (v == "delete") return Delete(copy, info, query, body);
  if (v == "deletecollection") return DeleteCollection(copy, info, query);
  return StatusResult(405, "MethodNotAllowed",
                      "the server does not allow this method on the requested resource");
}

}  // namespace mdo::testserver
