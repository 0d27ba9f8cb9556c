// A subset of kubectl's JSONPath, as used by CRD additionalPrinterColumns:
// `.a.b`, `['key']`, `[0]`, `[*]`, `..` is not supported, filters `[?(@.x=="v")]` and `!=`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace mdo::testserver {

struct JsonPathStep {
  enum class Kind { kField, kIndex, kWildcard, kFilter };
  Kind kind = Kind::kField;
  std::string field;              // kField; the filter's field path (dot separated) for kFilter
  long index = 0;                 // kIndex
  bool filter_not_equal = false;  // kFilter: `!=` instead of `==`
  nlohmann::json filter_value;    // kFilter: the literal compared against
};

using JsonPath = std::vector<JsonPathStep>;

// Parses `.status.conditions[?(@.type=="Ready")].status` (surrounding `{}` are accepted).
Result<JsonPath> ParseJsonPath(std::string_view text);

// Every value the path reaches; missing keys give no result (AllowMissingKeys).
std::vector<nlohmann::json> EvaluateJsonPath(const JsonPath& path, const nlohmann::json& root);

}  // namespace mdo::testserver
