// The maildomain-operator process: wires the client, the resolver, the check engine, the
// controller, leader election, metrics and probes, and runs until SIGTERM or SIGINT.
#pragma once

#include "operator/options.h"

namespace mdo::operator_main {

// Returns the process exit code: 0 after a clean shutdown, 1 when leadership was lost or
// start-up failed (the error is logged).
int RunOperator(const OperatorOptions& options);

}  // namespace mdo::operator_main
