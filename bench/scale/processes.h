// The two processes the scale benchmark drives, and what it reads from them:
//  - DevServerProcess: modelops-devserver on 127.0.0.1 (port chosen by the server, read from its ready
//    line), the CRDs preloaded, a kubeconfig written for the clients; its audit over /admin/audit.
//  - OperatorProcess: modelops-operator with one probes+metrics listener on 127.0.0.1:0 (port read from
//    its "serving" log line); /metrics scraped and parsed; its resident memory and CPU time from /proc.
// Every wait polls a condition with a deadline. Destructors kill and reap a child still running.
// Thread-safety: one owner thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.h"

namespace modelops::itest {
// processes.cpp names the process type as the integration harness does (tests/integration/support).
using ChildProcess = testing::ChildProcess;
}  // namespace modelops::itest

namespace modelops::scale {

using Json = nlohmann::json;

std::string sourceDir();  // $MODELOPS_SOURCE_DIR, else the configured source tree
std::string binaryDir();  // $MODELOPS_BINARY_DIR, else the configured build tree

// /proc/<pid>: resident set and its peak (KiB), CPU time (user + system, seconds).
struct ProcSample {
  long rssKiB = 0;
  long hwmKiB = 0;
  double cpuSeconds = 0;
};
ProcSample sampleProc(pid_t pid);

// One audit record, reduced to what the benchmark counts.
struct AuditEntry {
  std::uint64_t seq = 0;
  std::string userAgent, verb, resource, subresource;
  bool dryRun = false;
  bool operatorRequest() const { return userAgent.rfind("modelops/", 0) == 0; }
  bool write() const;
};

class DevServerProcess {
 public:
  // Starts the server in `dir` (kubeconfig written there); throws when it does not come up in 30 s.
  explicit DevServerProcess(const std::string& dir);
  ~DevServerProcess();
  const std::string& kubeconfig() const { return kubeconfig_; }
  const std::string& url() const { return url_; }
  pid_t pid() const { return process_->pid(); }
  // /admin/audit; throws on an HTTP error.
  std::vector<AuditEntry> audit() const;
  void clearAudit() const;
  // SIGTERM, then wait up to 30 s (the server checkpoints nothing without --data-dir).
  void stop();

 private:
  std::unique_ptr<testing::ChildProcess> process_;
  std::string kubeconfig_, url_, host_;
  int port_ = 0;
};

// Prometheus text exposition, parsed into (name + label set) -> value.
class MetricsSnapshot {
 public:
  explicit MetricsSnapshot(const std::string& text = "");
  bool empty() const { return samples_.empty(); }
  // Sum over every label set of `name`.
  double sum(const std::string& name) const;
  // Cumulative histogram buckets of `name` (le -> count), summed over other labels.
  std::map<double, double> buckets(const std::string& name) const;

 private:
  std::vector<std::pair<std::string, double>> samples_;  // "name{labels}" -> value
};

// The q-quantile (0..1) of the observations between two bucket snapshots, interpolated linearly
// within a bucket as Prometheus' histogram_quantile does; NaN when nothing was observed.
double histogramQuantile(const std::map<double, double>& before, const std::map<double, double>& after, double q);

class OperatorProcess {
 public:
  // Starts the operator against `kubeconfig` with `extraArgs`; waits (30 s) for its metrics port.
  OperatorProcess(const std::string& kubeconfig, const std::vector<std::string>& extraArgs);
  ~OperatorProcess();
  pid_t pid() const { return process_->pid(); }
  bool running() { return process_->running(); }
  MetricsSnapshot scrape() const;  // empty on error
  bool ready() const;              // GET /readyz answers 200 (informer caches synced)
  std::string logTail(std::size_t bytes = 4000) const;
  // SIGTERM and wait; returns the exit code (nullopt: still running after the timeout, then killed).
  std::optional<int> stop(std::chrono::milliseconds timeout);

 private:
  std::unique_ptr<testing::ChildProcess> process_;
  int port_ = 0;
};

}  // namespace modelops::scale
