// What one scale run measured, the Markdown table of all runs, the machine description, and the
// rewrite of the scale section of docs/benchmarks.md (between <!-- BEGIN scale --> and
// <!-- END scale -->; the rest of the file is kept byte for byte).
// Thread-safety: plain functions on values.
#pragma once

#include <string>
#include <vector>

namespace modelops::scale {

struct RunResult {
  int n = 0;
  bool ok = false;
  std::string error;                // why the run stopped early (empty when it completed)
  long deployments = 0, services = 0;  // children loaded
  double loadSeconds = 0;           // creating the ModelDeployments and converging them (seeding run)
  double firstSyncSeconds = 0;      // operator start -> every ModelDeployment reconciled, queue empty
  double cachesSyncedSeconds = 0;   // operator start -> /readyz-equivalent: informer caches synced (log)
  double syncCpuSeconds = 0;        // operator CPU time until the first full sync
  long syncWrites = 0;              // operator writes during the first sync
  long syncReconciles = 0;
  double syncP50 = 0, syncP99 = 0;  // reconcile latency (s) in the first sync
  bool resyncOverlapped = false;    // the resync fired before the first sync was over
  long resyncReconciles = 0;
  long resyncWrites = 0;
  long resyncRequests = 0;
  double resyncP50 = 0, resyncP99 = 0;
  double steadySeconds = 0;         // the steady-state window
  long steadyRequests = 0;          // operator API requests in it (audit)
  long steadyReconciles = 0;
  double steadyCpuPercent = 0;      // of one core
  long rssKiB = 0, hwmKiB = 0;      // at the end of the window; peak over the run
  int exitCode = -1;                // after SIGTERM
};

struct Targets {
  int n = 10000;
  double rssMiB = 150;
  double firstSyncSeconds = 30;
};

std::string machineDescription();  // nproc, memory, CPU model
double loadAverage();              // 1-minute load average
std::string utcNow();              // "YYYY-MM-DD HH:MM UTC"

std::string renderTable(const std::vector<RunResult>& runs, const Targets& targets);
// Lines "target: ... met / NOT met (...)" for the run with targets.n ModelDeployments, if any.
std::string renderVerdicts(const std::vector<RunResult>& runs, const Targets& targets);

// Replaces the text between the markers (or appends a marked section when there is none).
// Returns an error message, empty on success.
std::string writeDocsSection(const std::string& path, const std::string& body);

}  // namespace modelops::scale
