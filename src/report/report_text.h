// The human report: grouped by check, worst first, each finding with its fix hint.
#pragma once

#include <string>
#include <string_view>

#include "report/domain_report.h"

namespace mdo::report {

struct TextOptions {
  bool color = false;  // ANSI colours; the CLI turns them on only when stdout is a terminal
};

std::string RenderText(const DomainReport& report, const TextOptions& options);

// How to fix what a finding code reports, in one sentence; "" for unknown codes.
std::string_view FixHint(std::string_view code);

}  // namespace mdo::report
