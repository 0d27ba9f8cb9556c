// meta.k8s.io/v1 Table rendering, as `kubectl get` asks for it (Accept: ...;as=Table).
#pragma once

#include <ctime>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "testserver/resources.h"

namespace mdo::testserver {

// "5s", "3m20s", "2d4h": apimachinery's duration.HumanDuration.
std::string HumanDuration(long long seconds);
// Seconds since the epoch of an RFC 3339 timestamp, or -1.
long long ParseTimestamp(const std::string& text);
std::string FormatTimestamp(std::time_t when);

nlohmann::json TableColumnDefinitions(const ResourceType& type);
nlohmann::json TableRow(const ResourceType& type, const nlohmann::json& object,
                        const std::string& include_object, std::time_t now);

// A whole Table; column definitions are omitted when with_columns is false (watch events after
// the first).
nlohmann::json RenderTable(const ResourceType& type, const std::vector<nlohmann::json>& objects,
                           bool with_columns, const std::string& include_object, std::time_t now);

}  // namespace mdo::testserver
