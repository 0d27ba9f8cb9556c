#include "testserver/admin.h"

namespace mdo::testserver {

using nlohmann::json;

bool Fault::Matches(const RequestInfo& info) const {
  if (!method.empty() && method != info.method) return false;
  if (!verb.empty() && verb != info.verb) return false;
  if (!path_prefix.empty() && info.path.rfind(path_prefix, 0) != 0) return false;
  if (!resource.empty() && resource != info.resource) return false;
  if (!ns.empty() && ns != info.ns) return false;
  if (!name.empty() && name != info.name) return false;
  if (subresource && *subresource != info.subresource) return false;
  return true;
}

json Fault::ToJson() const {
  json out = {{"id", id},     {"count", count},      {"remaining", count},
              {"code", code}, {"delayMs", delay_ms}, {"retryAfterSeconds", retry_after_seconds}};
  if (!method.empty()) out["method"] = method;
  if (!verb.empty()) out["verb"] = verb;
  if (!path_prefix.empty()) out["pathPrefix"] = path_prefix;
  if (!resource.empty()) out["resource"] = resource;
  if (!ns.empty()) out["namespace"] = ns;
  if (!name.empty()) out["name"] = name;
  if (subresource) out["subresource"] = *subresource;
  return out;
}

Result<int> FaultInjector::Add(const json& spec) {
  if (!spec.is_object()) return Fail("the fault must be a JSON object");
  Fault f;
  try {
    f.method = spec.value("method", "");
    f.verb = spec.value("verb", "");
    f.path_prefix = spec.value("pathPrefix", "");
    f.resource = spec.value("resource", "");
    f.ns = spec.value("namespace", "");
    f.name = spec.value("name", "");
    if (spec.contains("subresource")) f.subresource = spec["subresource"].get<std::string>();
    f.count = spec.value("count", 1);
    f.code = spec.value("code", 0);
    f.delay_ms = spec.value("delayMs", 0);
    f.retry_after_seconds = spec.value("retryAfterSeconds", f.code == 429 ? 1 : 0);
  } catch (const json::exception& e) {
    return Fail(std::string("bad fault field: ") + e.what());
  }
  if (f.code != 0 && (f.code < 400 || f.code > 599)) return Fail("code must be 0 or 400..599");
  if (f.count == 0 || f.count < -1) return Fail("count must be positive or -1");
  if (f.delay_ms < 0 || f.delay_ms > 600000) return Fail("delayMs must be 0..600000");
  if (f.code == 0 && f.delay_ms == 0) return Fail("a fault needs a code or a delayMs");
  std::lock_guard<std::mutex> lock(mu_);
  f.id = next_id_++;
  faults_.push_back(f);
  return f.id;
}

std::optional<Fault> FaultInjector::Take(const RequestInfo& info) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (!it->Matches(info)) continue;
    Fault hit = *it;
    if (it->count > 0 && --it->count == 0) faults_.erase(it);
    return hit;
  }
  return std::nullopt;
}

json FaultInjector::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  json list = json::array();
  for (const Fault& f : faults_) list.push_back(f.ToJson());
  return {{"faults", list}};
}

void FaultInjector::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.clear();
}

bool FaultInjector::Remove(int id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (it->id == id) {
      faults_.erase(it);
      return true;
    }
  }
  return false;
}

void RequestLog::Record(const RequestInfo& info, int code) {
  json entry = {{"method", info.method},
                {"verb", info.verb},
                {"path", info.path},
                {"query", info.query},
                {"resource", info.resource},
                {"subresource", info.subresource},
                {"namespace", info.ns},
                {"name", info.name},
                {"code", code},
                {"userAgent", info.user_agent},
                {"user", info.user},
                {"serverName", info.server_name}};
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.size() >= kMaxEntries) {
    ++dropped_;
    return;
  }
  entries_.push_back(std::move(entry));
}

json RequestLog::Report(const std::map<std::string, std::string>& filters) const {
  std::lock_guard<std::mutex> lock(mu_);
  json requests = json::array();
  json by_verb = json::object();
  for (const json& e : entries_) {
    bool keep = true;
    for (const auto& [key, want] : filters) {
      if (key == "pathPrefix") {
        keep = keep && e["path"].get<std::string>().rfind(want, 0) == 0;
      } else if (key == "verb" || key == "method" || key == "resource" || key == "subresource" ||
                 key == "namespace" || key == "name" || key == "user") {
        keep = keep && e[key].get<std::string>() == want;
      }
    }
    if (!keep) continue;
    requests.push_back(e);
    std::string verb = e["verb"].get<std::string>();
    by_verb[verb] = by_verb.value(verb, 0) + 1;
  }
  return {{"total", requests.size()},
          {"byVerb", by_verb},
          {"requests", requests},
          {"dropped", dropped_}};
}

void RequestLog::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
  dropped_ = 0;
}

std::string ReasonForCode(int code) {
  switch (code) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 406:
      return "NotAcceptable";
    case 409:
      return "Conflict";
    case 410:
      return "Expired";
    case 415:
      return "UnsupportedMediaType";
    case 422:
      return "Invalid";
    case 429:
      return "TooManyRequests";
    case 500:
      return "InternalError";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "Timeout";
    default:
      return code >= 500 ? "InternalError" : "BadRequest";
  }
}

}  // namespace mdo::testserver
