#include "testserver/schema.h"

#include <cmath>
#include <regex>
#include <sstream>

namespace mdo::testserver {
namespace {

using nlohmann::json;

constexpr size_t kMaxPatternInput = 64 * 1024;

bool IsRootMeta(const std::string& path, const std::string& key) {
  return path.empty() && (key == "apiVersion" || key == "kind" || key == "metadata");
}

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

bool PreservesUnknown(const json& schema) {
  return schema.value("x-kubernetes-preserve-unknown-fields", false);
}

void Default(json& value, const json& schema, const std::string& path) {
  if (!schema.is_object()) return;
  if (value.is_object()) {
    auto props = schema.find("properties");
    if (props != schema.end() && props->is_object()) {
      for (auto it = props->begin(); it != props->end(); ++it) {
        if (IsRootMeta(path, it.key())) continue;
        if (!value.contains(it.key()) && it->contains("default"))
          value[it.key()] = (*it)["default"];
        if (value.contains(it.key())) Default(value[it.key()], *it, Join(path, it.key()));
      }
    }
    auto extra = schema.find("additionalProperties");
    if (extra != schema.end() && extra->is_object()) {
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (props == schema.end() || !props->contains(it.key())) Default(*it, *extra, path + ".x");
      }
    }
  } else if (value.is_array()) {
    auto items = schema.find("items");
    if (items != schema.end()) {
      for (json& item : value) Default(item, *items, path + "[]");
    }
  }
}

void Prune(json& value, const json& schema, const std::string& path,
           std::vector<std::string>& pruned) {
  if (!schema.is_object()) return;
  if (value.is_object()) {
    auto props = schema.find("properties");
    auto extra = schema.find("additionalProperties");
    bool keep_unknown = PreservesUnknown(schema) ||
                        (extra != schema.end() && (extra->is_object() || extra->is_boolean()) &&
                         !(extra->is_boolean() && !extra->get<bool>()));
    std::vector<std::string> drop;
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (IsRootMeta(path, it.key())) continue;
      const json* child = nullptr;
      if (props != schema.end() && props->contains(it.key())) {
        child = &(*props)[it.key()];
      } else if (extra != schema.end() && extra->is_object()) {
        child = &*extra;
      }
      if (child != nullptr) {
        Prune(*it, *child, Join(path, it.key()), pruned);
      } else if (!keep_unknown) {
        drop.push_back(it.key());
      }
    }
    for (const std::string& key : drop) {
      pruned.push_back("." + Join(path, key));
      value.erase(key);
    }
  } else if (value.is_array()) {
    auto items = schema.find("items");
    if (items != schema.end()) {
      for (size_t i = 0; i < value.size(); ++i) {
        Prune(value[i], *items, path + "[" + std::to_string(i) + "]", pruned);
      }
    }
  }
}

std::string TypeName(const json& value) {
  if (value.is_string()) return "string";
  if (value.is_boolean()) return "boolean";
  if (value.is_number_integer()) return "integer";
  if (value.is_number()) return "number";
  if (value.is_array()) return "array";
  if (value.is_object()) return "object";
  return "null";
}

std::string FormatNumber(const json& n) {
  if (n.is_number_integer()) return std::to_string(n.get<long long>());
  double d = n.get<double>();
  if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<long long>(d));
  std::ostringstream out;
  out << d;
  return out.str();
}

bool TypeMatches(const std::string& type, const json& value) {
  if (type == "string") return value.is_string();
  if (type == "boolean") return value.is_boolean();
  if (type == "integer") {
    if (value.is_number_integer()) return true;
    if (value.is_number_float()) return std::floor(value.get<double>()) == value.get<double>();
    return false;
  }
  if (type == "number") return value.is_number();
  if (type == "array") return value.is_array();
  if (type == "object") return value.is_object();
  return true;
}

bool ValidDateTime(const std::string& s) {
  static const std::regex kDateTime(
      R"(^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$)");
  return s.size() < 64 && std::regex_match(s, kDateTime);
}

class Validator {
 public:
  std::vector<SchemaError> errors;

  void Check(const json& value, const json& schema, const std::string& path) {
    if (!schema.is_object()) return;
    if (value.is_null()) {
      if (schema.value("nullable", false)) return;
      if (schema.contains("type")) {
        Add(path, "FieldValueTypeInvalid",
            "Invalid value: \"null\": " + path + " in body must be of type " +
                schema["type"].get<std::string>() + ": \"null\"");
      }
      return;
    }
    if (schema.value("x-kubernetes-int-or-string", false)) {
      if (!value.is_string() && !value.is_number_integer()) {
        Add(path, "FieldValueTypeInvalid",
            "Invalid value: \"" + TypeName(value) + "\": " + path +
                " in body must be of type integer-or-string: \"" + TypeName(value) + "\"");
        return;
      }
    } else if (schema.contains("type") && schema["type"].is_string()) {
      std::string type = schema["type"].get<std::string>();
      if (!TypeMatches(type, value)) {
        Add(path, "FieldValueTypeInvalid",
            "Invalid value: \"" + TypeName(value) + "\": " + path + " in body must be of type " +
                type + ": \"" + TypeName(value) + "\"");
        return;
      }
    }
    if (schema.contains("enum") && schema["enum"].is_array()) {
      bool found = false;
      for (const json& allowed : schema["enum"]) found = found || allowed == value;
      if (!found) {
        std::string supported;
        for (const json& allowed : schema["enum"]) {
          if (!supported.empty()) supported += ", ";
          supported += allowed.dump();
        }
        Add(path, "FieldValueNotSupported",
            "Unsupported value: " + value.dump() + ": supported values: " + supported);
      }
    }
    if (value.is_string()) CheckString(value.get<std::string>(), schema, path);
    if (value.is_number()) CheckNumber(value, schema, path);
    if (value.is_array()) CheckArray(value, schema, path);
    if (value.is_object()) CheckObject(value, schema, path);
  }

 private:
  void Add(const std::string& path, std::string reason, std::string body) {
    if (errors.size() < 100) errors.push_back({path, std::move(reason), std::move(body)});
  }

  void CheckString(const std::string& s, const json& schema, const std::string& path) {
    std::string shown = json(s).dump();
    if (schema.contains("maxLength") && s.size() > schema["maxLength"].get<size_t>()) {
      Add(path, "FieldValueTooLong",
          "Too long: may not be more than " + FormatNumber(schema["maxLength"]) + " bytes");
    }
    if (schema.contains("minLength") && s.size() < schema["minLength"].get<size_t>()) {
      Add(path, "FieldValueInvalid",
          "Invalid value: " + shown + ": " + path + " in body should be at least " +
              FormatNumber(schema["minLength"]) + " chars long");
    }
    if (schema.contains("pattern") && schema["pattern"].is_string() &&
        s.size() <= kMaxPatternInput) {
      const std::string pattern = schema["pattern"].get<std::string>();
      try {
        std::regex re(pattern, std::regex::ECMAScript);
        if (!std::regex_search(s, re)) {
          Add(path, "FieldValueInvalid",
              "Invalid value: " + shown + ": " + path + " in body should match '" + pattern + "'");
        }
      } catch (const std::regex_error&) {
        // A pattern std::regex cannot compile is treated as matching: the CRD author's problem.
      }
    }
    std::string format = schema.value("format", "");
    if (format == "date-time" && !ValidDateTime(s)) {
      Add(path, "FieldValueInvalid",
          "Invalid value: " + shown + ": " + path + " in body must be of type date-time: " + shown);
    }
  }

  void CheckNumber(const json& n, const json& schema, const std::string& path) {
    double v = n.get<double>();
    if (schema.contains("minimum") && schema["minimum"].is_number()) {
      double min = schema["minimum"].get<double>();
      bool exclusive = schema.value("exclusiveMinimum", false);
      if (exclusive ? v <= min : v < min) {
        Add(path, "FieldValueInvalid",
            "Invalid value: " + FormatNumber(n) + ": " + path + " in body should be greater than " +
                (exclusive ? "" : "or equal to ") + FormatNumber(schema["minimum"]));
      }
    }
    if (schema.contains("maximum") && schema["maximum"].is_number()) {
      double max = schema["maximum"].get<double>();
      bool exclusive = schema.value("exclusiveMaximum", false);
      if (exclusive ? v >= max : v > max) {
        Add(path, "FieldValueInvalid",
            "Invalid value: " + FormatNumber(n) + ": " + path + " in body should be less than " +
                (exclusive ? "" : "or equal to ") + FormatNumber(schema["maximum"]));
      }
    }
  }

  void CheckArray(const json& a, const json& schema, const std::string& path) {
    if (schema.contains("maxItems") && a.size() > schema["maxItems"].get<size_t>()) {
      Add(path, "FieldValueTooMany",
          "Too many: " + std::to_string(a.size()) + ": must have at most " +
              FormatNumber(schema["maxItems"]) + " items");
    }
    if (schema.contains("minItems") && a.size() < schema["minItems"].get<size_t>()) {
      Add(path, "FieldValueInvalid",
          "Invalid value: " + std::to_string(a.size()) + ": " + path +
              " in body should have at least " + FormatNumber(schema["minItems"]) + " items");
    }
    if (schema.contains("items")) {
      for (size_t i = 0; i < a.size(); ++i) {
        Check(a[i], schema["items"], path + "[" + std::to_string(i) + "]");
      }
    }
    if (schema.value("x-kubernetes-list-type", "") == "set") {
      for (size_t i = 0; i < a.size(); ++i) {
        for (size_t j = 0; j < i; ++j) {
          if (a[i] == a[j]) {
            Add(path + "[" + std::to_string(i) + "]", "FieldValueDuplicate",
                "Duplicate value: " + a[i].dump());
          }
        }
      }
    }
  }

  void CheckObject(const json& o, const json& schema, const std::string& path) {
    if (schema.contains("required") && schema["required"].is_array()) {
      for (const json& name : schema["required"]) {
        if (name.is_string() && !o.contains(name.get<std::string>())) {
          Add(Join(path, name.get<std::string>()), "FieldValueRequired", "Required value");
        }
      }
    }
    if (schema.contains("maxProperties") && o.size() > schema["maxProperties"].get<size_t>()) {
      Add(path, "FieldValueTooMany",
          "Too many: " + std::to_string(o.size()) + ": must have at most " +
              FormatNumber(schema["maxProperties"]) + " items");
    }
    auto props = schema.find("properties");
    auto extra = schema.find("additionalProperties");
    for (auto it = o.begin(); it != o.end(); ++it) {
      if (IsRootMeta(path, it.key())) continue;
      if (props != schema.end() && props->contains(it.key())) {
        Check(*it, (*props)[it.key()], Join(path, it.key()));
      } else if (extra != schema.end() && extra->is_object()) {
        Check(*it, *extra, Join(path, it.key()));
      }
    }
  }
};

}  // namespace

void ApplySchemaDefaults(json& object, const json& schema) { Default(object, schema, ""); }

std::vector<std::string> PruneUnknownFields(json& object, const json& schema) {
  std::vector<std::string> pruned;
  Prune(object, schema, "", pruned);
  return pruned;
}

std::vector<SchemaError> ValidateAgainstSchema(const json& object, const json& schema) {
  Validator v;
  v.Check(object, schema, "");
  return v.errors;
}

std::string RenderInvalidValue(const json& value) {
  if (value.is_string()) return value.dump();
  if (value.is_number()) return FormatNumber(value);
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  return "\"" + TypeName(value) + "\"";
}

}  // namespace mdo::testserver
