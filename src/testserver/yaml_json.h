// YAML text to JSON (scalars resolved as YAML 1.1's core schema would: null, bool, int, float).
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace mdo::testserver {

// The first document of the text.
Result<nlohmann::json> YamlToJson(std::string_view text);
// Every non-empty document of a multi-document stream.
Result<std::vector<nlohmann::json>> YamlDocumentsToJson(std::string_view text);

}  // namespace mdo::testserver
