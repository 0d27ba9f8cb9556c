// Go-style durations ("1h30m", "90s", "1.5h"), as Kubernetes users write them.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.h"

namespace mdo {

// Units: ns, us (or µs), ms, s, m, h; a sequence of decimal numbers each with a unit. No sign.
Result<std::chrono::nanoseconds> ParseDuration(std::string_view text);
// The shortest Go-style text for d, e.g. "1h30m", "45s", "250ms".
std::string FormatDuration(std::chrono::nanoseconds d);

}  // namespace mdo
