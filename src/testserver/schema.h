// The structural openAPIV3Schema subset our CRDs use: defaulting, pruning and validation with
// kube-apiserver's field paths and messages.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mdo::testserver {

struct SchemaError {
  std::string field;   // e.g. spec.domain
  std::string reason;  // StatusCause reason: FieldValueRequired, FieldValueInvalid, ...
  std::string body;    // e.g. `Required value`, `Unsupported value: "x": supported values: ...`
  std::string Message() const { return field + ": " + body; }
};

// Fills absent fields that have a `default`, recursively (a defaulted `{}` gets its own
// properties' defaults). At the root, apiVersion, kind and metadata are left alone.
void ApplySchemaDefaults(nlohmann::json& object, const nlohmann::json& schema);

// Removes fields the schema does not declare (unless x-kubernetes-preserve-unknown-fields or
// additionalProperties allows them); returns their paths, e.g. `.spec.foo`.
std::vector<std::string> PruneUnknownFields(nlohmann::json& object, const nlohmann::json& schema);

// Validates an object against the schema; empty when valid. Bounded work: every value is
// visited once and patterns are not run on strings longer than 64 KiB.
std::vector<SchemaError> ValidateAgainstSchema(const nlohmann::json& object,
                                               const nlohmann::json& schema);

// kube-apiserver's rendering of a value inside `Invalid value: ...`.
std::string RenderInvalidValue(const nlohmann::json& value);

}  // namespace mdo::testserver
