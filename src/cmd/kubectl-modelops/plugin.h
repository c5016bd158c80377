// kubectl-modelops as a library: runPlugin(args, context) parses the command line, connects to the API
// server as kubectl does (--kubeconfig, $KUBECONFIG, ~/.kube/config; --context; -n/--namespace, -A) and
// runs one command (get, list, promote, abort, retry, pause, resume, history, undo, status, version,
// dashboard: the local web UI of dashboard/dashboard.h, which runs until the cancel token fires).
// main.cpp only wires the process's streams, environment and clock in; tests inject their own output
// streams and cancel token, so `get --watch` and `status --wait` run in a thread and are stopped.
// Exit codes (also in --help and docs/plugin.md) are the ExitCode values below.
// Thread-safety: one runPlugin call per PluginContext; the context's CancelToken may be cancelled
// from any thread (it ends a watch or a wait with the code documented for it).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "modelops/common/cancel.h"
#include "modelops/common/clock.h"
#include "modelops/kube/config.h"

namespace modelops::plugin {

enum ExitCode : int {
  kExitOk = 0,        // success; `status`: the rollout is complete and Healthy
  kExitFailed = 1,    // the operation failed (API error, conflict); `status`: the rollout failed
  kExitUsage = 2,     // bad command line
  kExitNotFound = 3,  // the ModelDeployment (or the history revision) does not exist
  kExitTimeout = 4,   // `status`: not complete before --timeout (without --wait: not complete now)
};

struct PluginContext {
  std::ostream& out;
  std::ostream& err;
  Clock& clock;
  // The process environment (KUBECONFIG, HOME); empty: the real one.
  kube::EnvLookup env;
  bool terminal = false;  // `out` is a terminal: `get --watch` redraws in place
  bool color = false;     // ANSI colour (the caller decides: a terminal and NO_COLOR unset)
  CancelToken cancel;     // ends `get --watch` (exit 0) and `status --wait` (exit 1) early
};

int runPlugin(const std::vector<std::string>& args, PluginContext& ctx);

// The top-level help text (commands, global flags, exit codes).
std::string pluginHelp();

}  // namespace modelops::plugin
