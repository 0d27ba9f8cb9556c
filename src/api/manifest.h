// Reading MailDomain manifests: multi-document YAML (as kubectl takes it) converted to JSON with
// YAML 1.2 core-schema scalars, then parsed per document.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "api/maildomain.h"
#include "common/result.h"

namespace mdo::api {

// Every non-empty document of a YAML stream, as JSON. Plain scalars follow the YAML 1.2 core
// schema (null, true/false, integers, floats, else strings); quoted scalars stay strings.
// Nesting deeper than 64 levels is refused.
Result<std::vector<nlohmann::json>> YamlDocumentsToJson(std::string_view yaml);

// Every MailDomain in the stream (documents of other kinds are skipped; a `kind: List` document
// contributes its items). Errors name the document ("document 2: spec.domain: ...").
// No MailDomain at all is an error.
Result<std::vector<MailDomain>> ReadMailDomains(std::string_view yaml);

}  // namespace mdo::api
