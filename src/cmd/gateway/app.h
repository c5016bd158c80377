// modelops-gateway's wiring: the API client, the informers over the served namespaces' ModelDeployments
// (read-only) and over the key Secret, the routing table rebuilt on every change and swapped whole, the
// stamper, feedback service and metrics, the proxy; SIGTERM/SIGINT drains it.
// Thread-safety: runGateway is called once, from main.
#pragma once

#include "options.h"

namespace modelops::cmd {

// Runs until SIGTERM/SIGINT. 0 after a drain in which every in-flight request finished; 1 when
// something could not start or the drain ran out of time; 2 for bad flags.
int runGateway(const GatewayOptions& options);

}  // namespace modelops::cmd
