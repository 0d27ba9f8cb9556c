// Helpers shared by the ApiServer translation units (not part of the public interface).
#pragma once

#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "testserver/admin.h"
#include "testserver/api_server.h"
#include "testserver/resources.h"
#include "testserver/selectors.h"

namespace mdo::testserver::internal {

ApiResult JsonResult(int code, const nlohmann::json& body);
ApiResult StatusResult(int code, const std::string& reason, const std::string& message,
                       nlohmann::json details = nullptr);
inline ApiResult StatusResult(int code, const std::string& message) {
  return StatusResult(code, ReasonForCode(code), message);
}
ApiResult NotFound(const ResourceType& type, const std::string& name);
ApiResult Invalid(const ResourceType& type, const std::string& name,
                  const nlohmann::json& causes /* [{field, reason, message}] */);
std::string Now();
std::string NewUid();
bool WantsTable(const ApiRequest& request);

}  // namespace mdo::testserver::internal

namespace mdo::testserver::internal {

std::string Base64Encode(const std::string& data);
std::optional<std::string> Base64Decode(const std::string& data);

struct Selectors {
  std::vector<LabelRequirement> labels;
  std::vector<FieldRequirement> fields;  // field paths in the stored (core) shape
  bool Matches(const nlohmann::json& stored) const;
};
// Parses labelSelector and fieldSelector; a 400 result on error.
Result<Selectors, ApiResponse> ParseSelectors(const ResourceType& type,
                                              const std::map<std::string, std::string>& query);

// Events: the core/v1 shape (stored) to the events.k8s.io/v1 shape and back.
nlohmann::json CoreEventToEventsV1(nlohmann::json event);
nlohmann::json EventsV1ToCoreEvent(nlohmann::json event);

}  // namespace mdo::testserver::internal
