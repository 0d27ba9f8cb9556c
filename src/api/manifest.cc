#include "api/manifest.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "common/strings.h"

namespace mdo::api {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 64;
// Aliases share nodes, so a small file can expand enormously ("billion laughs"); stop early.
constexpr std::size_t kMaxNodes = 200000;

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// YAML 1.2 core schema int: [-+]?[0-9]+
bool IsInt(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return AllDigits(s);
}

// YAML 1.2 core schema float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool IsFloat(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  std::string_view exponent;
  if (auto e = s.find_first_of("eE"); e != std::string_view::npos) {
    exponent = s.substr(e + 1);
    s = s.substr(0, e);
    if (!exponent.empty() && (exponent[0] == '-' || exponent[0] == '+')) exponent.remove_prefix(1);
    if (!AllDigits(exponent)) return false;
  }
  const auto dot = s.find('.');
  if (dot == std::string_view::npos) return AllDigits(s);
  const std::string_view whole = s.substr(0, dot), fraction = s.substr(dot + 1);
  if (whole.empty()) return AllDigits(fraction);
  return AllDigits(whole) && (fraction.empty() || AllDigits(fraction));
}

json PlainScalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s.size() > 40) return s;  // too long to be a number we want
  if (IsInt(s)) {
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (errno == 0 && end && *end == '\0') return v;
    return s;
  }
  if (IsFloat(s)) return std::strtod(s.c_str(), nullptr);
  return s;
}

struct Converter {
  std::size_t nodes = 0;

  Result<json> Convert(const YAML::Node& node, int depth) {
    if (depth > kMaxDepth) return Fail("nesting deeper than 64 levels");
    if (++nodes > kMaxNodes) return Fail("the document expands to too many nodes (aliases?)");
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return json(nullptr);
      case YAML::NodeType::Scalar: {
        const std::string& tag = node.Tag();
        if (tag == "!" || tag == "tag:yaml.org,2002:str") return json(node.Scalar());
        return PlainScalar(node.Scalar());
      }
      case YAML::NodeType::Sequence: {
        json out = json::array();
        for (const YAML::Node& item : node) {
          Result<json> v = Convert(item, depth + 1);
          if (!v.ok()) return v;
          out.push_back(std::move(v).value());
        }
        return out;
      }
      case YAML::NodeType::Map: {
        json out = json::object();
        for (const auto& kv : node) {
          if (!kv.first.IsScalar()) return Fail("a mapping key is not a plain value");
          Result<json> v = Convert(kv.second, depth + 1);
          if (!v.ok()) return v;
          out[kv.first.Scalar()] = std::move(v).value();
        }
        return out;
      }
    }
    return json(nullptr);
  }
};

std::string KindOf(const json& object) {
  if (!object.is_object()) return "";
  auto it = object.find("kind");
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

Result<std::vector<json>> YamlDocumentsToJson(std::string_view yaml) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return Fail("invalid YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  std::vector<json> out;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    Converter c;
    Result<json> j = [&]() -> Result<json> {
      try {
        return c.Convert(docs[i], 0);
      } catch (const YAML::Exception& e) {
        return Fail(e.msg);
      }
    }();
    if (!j.ok()) return Fail("document " + std::to_string(i + 1) + ": " + j.error().message);
    if (!j->is_null()) out.push_back(std::move(j).value());
  }
  return out;
}

Result<std::vector<MailDomain>> ReadMailDomains(std::string_view yaml) {
  Result<std::vector<json>> docs = YamlDocumentsToJson(yaml);
  if (!docs.ok()) return MakeUnexpected(docs.error());
  std::vector<MailDomain> out;
  for (std::size_t i = 0; i < docs->size(); ++i) {
    const json& doc = (*docs)[i];
    std::vector<const json*> objects;
    if (KindOf(doc) == "List" && doc.contains("items") && doc["items"].is_array()) {
      for (const json& item : doc["items"]) objects.push_back(&item);
    } else {
      objects.push_back(&doc);
    }
    for (const json* object : objects) {
      if (KindOf(*object) != kKind) continue;
      Result<MailDomain> md = ParseMailDomain(*object);
      if (!md.ok()) {
        return Fail("document " + std::to_string(i + 1) + ": " + md.error().message);
      }
      out.push_back(std::move(md).value());
    }
  }
  if (out.empty()) return Fail("no MailDomain (apiVersion mailops.dev/v1alpha1) in the manifest");
  return out;
}

}  // namespace mdo::api
