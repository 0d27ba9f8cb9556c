// Test control plane state: injected faults and the request log (see docs/kube-testserver.md).
#pragma once

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace mdo::testserver {

// What identifies an API request, for fault matching and counting.
struct RequestInfo {
  std::string method;
  std::string path;
  std::string query;
  std::string verb;  // get list watch create update patch delete deletecollection
  std::string group;
  std::string version;
  std::string ns;
  std::string resource;
  std::string name;
  std::string subresource;
  std::string user_agent;
  std::string user;         // the client certificate's CN, "" = none
  std::string server_name;  // TLS SNI, "" = none
  bool is_resource = false;
};

struct Fault {
  int id = 0;
  std::string method, verb, path_prefix, resource, ns, name;
  std::optional<std::string> subresource;
  int count = 1;  // -1: until cleared
  int code = 0;
  int retry_after_seconds = 0;
  int delay_ms = 0;

  bool Matches(const RequestInfo& info) const;
  nlohmann::json ToJson() const;
};

class FaultInjector {
 public:
  Result<int> Add(const nlohmann::json& spec);
  // The fault to apply to this request (its count consumed), if any.
  std::optional<Fault> Take(const RequestInfo& info);
  nlohmann::json List() const;
  void Clear();
  bool Remove(int id);

 private:
  mutable std::mutex mu_;
  std::vector<Fault> faults_;
  int next_id_ = 1;
};

class RequestLog {
 public:
  void Record(const RequestInfo& info, int code);
  // filters: verb, method, resource, subresource, namespace, name, user, pathPrefix
  // (absent = any)
  nlohmann::json Report(const std::map<std::string, std::string>& filters) const;
  void Clear();

 private:
  static constexpr size_t kMaxEntries = 200000;
  mutable std::mutex mu_;
  std::vector<nlohmann::json> entries_;
  size_t dropped_ = 0;
};

// The Status reason kube-apiserver uses for an HTTP code.
std::string ReasonForCode(int code);

}  // namespace mdo::testserver
