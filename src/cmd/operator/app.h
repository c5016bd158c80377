// runOperator: builds the operator from its parts (client, informers, controller, leader
// election, analysis, traffic routers, health/metrics) and runs it until SIGTERM/SIGINT.
// Returns the process exit code.
#pragma once

#include "options.h"

namespace modelops::cmd {

int runOperator(const OperatorOptions& options);

}  // namespace modelops::cmd
