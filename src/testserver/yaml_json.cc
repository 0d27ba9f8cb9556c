#include "testserver/yaml_json.h"

#include <yaml-cpp/yaml.h>

#include <regex>
#include <string>

namespace mdo::testserver {
namespace {

using nlohmann::json;

json ScalarToJson(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") return s;  // quoted
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  static const std::regex kInt(R"(^[-+]?[0-9]+$)");
  static const std::regex kFloat(R"(^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$)");
  if (s.size() < 19 && std::regex_match(s, kInt)) return std::stoll(s);
  if (s.size() < 40 && std::regex_match(s, kFloat)) return std::stod(s);
  return s;
}

json Convert(const YAML::Node& node, int depth) {
  if (depth > 200) return nullptr;  // hostile nesting stays bounded
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = Convert(kv.second, depth + 1);
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(Convert(item, depth + 1));
      return out;
    }
    case YAML::NodeType::Scalar:
      return ScalarToJson(node);
    default:
      return nullptr;
  }
}

}  // namespace

Result<json> YamlToJson(std::string_view text) {
  try {
    return Convert(YAML::Load(std::string(text)), 0);
  } catch (const YAML::Exception& e) {
    return Fail(std::string("invalid YAML: ") + e.what());
  }
}

Result<std::vector<json>> YamlDocumentsToJson(std::string_view text) {
  try {
    std::vector<json> out;
    for (const YAML::Node& doc : YAML::LoadAll(std::string(text))) {
      json value = Convert(doc, 0);
      if (!value.is_null()) out.push_back(std::move(value));
    }
    return out;
  } catch (const YAML::Exception& e) {
    return Fail(std::string("invalid YAML: ") + e.what());
  }
}

}  // namespace mdo::testserver
