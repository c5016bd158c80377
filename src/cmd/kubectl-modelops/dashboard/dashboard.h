// `kubectl modelops dashboard`: a local web UI over the user's kubeconfig (like `kubectl proxy`, bound to
// loopback unless --address says otherwise). The server (server.cpp) keeps a watch-fed RolloutStore,
// renders pages on request, streams changes as Server-Sent Events and carries out actions through the
// plugin's own commands. It prints the URL to open (with the session token) and runs until the
// context's cancel token fires or the process is stopped.
// Thread-safety: one cmdDashboard per Session; the server's handlers run on its own thread pool.
#pragma once

#include <cstdint>
#include <string>

#include "../commands.h"

namespace modelops::plugin {

struct DashboardOptions {
  std::int64_t port = 3100;                // 0: any free port (printed)
  std::string address = "127.0.0.1";  // the interface to listen on
};

int cmdDashboard(Session& s, const DashboardOptions& options);

}  // namespace modelops::plugin
