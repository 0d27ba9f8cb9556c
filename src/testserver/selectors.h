// Label and field selectors, as kube-apiserver parses them from list and watch queries.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace mdo::testserver {

struct LabelRequirement {
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist };
  std::string key;
  Op op = Op::kEquals;
  std::vector<std::string> values;
};

// `a=b,c!=d,e in (x,y),f notin (z),g,!h`. Empty text selects everything.
Result<std::vector<LabelRequirement>> ParseLabelSelector(std::string_view text);
bool MatchesLabels(const std::vector<LabelRequirement>& selector, const nlohmann::json& labels);

struct FieldRequirement {
  std::string field;  // e.g. metadata.name, involvedObject.uid
  bool not_equal = false;
  std::string value;
};

// `metadata.name=x,involvedObject.kind!=Pod` (`=`, `==`, `!=`; `\,` escapes are not needed here).
Result<std::vector<FieldRequirement>> ParseFieldSelector(std::string_view text);

// The value of a selectable field as a string ("" when absent): a dotted path into the object.
std::string FieldValue(const nlohmann::json& object, std::string_view field);
bool MatchesFields(const std::vector<FieldRequirement>& selector, const nlohmann::json& object);

}  // namespace mdo::testserver
