// Process logging through spdlog: text for people, one JSON object per line for clusters.
#pragma once

#include <string>

#include "common/result.h"

namespace mdo::runtime {

// level: trace|debug|info|warn|error; format: text|json. Logs go to stderr.
Status SetUpLogging(const std::string& level, const std::string& format);

// Escapes `text` for a JSON string body (no quotes added).
std::string JsonEscape(std::string_view text);

}  // namespace mdo::runtime
