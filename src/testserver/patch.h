// The patch kinds kube-apiserver accepts, applied to plain JSON objects.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"

namespace mdo::testserver {

// RFC 7386 JSON merge patch (application/merge-patch+json).
nlohmann::json ApplyMergePatch(const nlohmann::json& target, const nlohmann::json& patch);

// RFC 6902 JSON patch (application/json-patch+json); a failing op (e.g. `test`) is an error.
Result<nlohmann::json> ApplyJsonPatch(const nlohmann::json& target, const nlohmann::json& patch);

// An approximation of strategic merge patch for built-in kinds: a merge patch in which lists of
// objects that all carry a merge key (`name`, `containerPort`, `port`, `type`, `ip`, ...) merge
// item by item, `$patch: delete` items are removed and `$`-directives are dropped.
nlohmann::json ApplyStrategicMergePatch(const nlohmann::json& target, const nlohmann::json& patch);

// Server-side apply, simplified: the applied configuration is merged into the live object (maps
// deep-merged, lists of keyed objects merged by key, other lists replaced), and fields this field
// manager applied last time but no longer applies are removed.
nlohmann::json ApplyServerSideApply(const nlohmann::json& live, const nlohmann::json& applied,
                                    const nlohmann::json& previously_applied);

}  // namespace mdo::testserver
