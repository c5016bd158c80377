// Integration-test harness for the operator: an in-process dev API server (127.0.0.1, free port) with
// the modelops CRD and the test routing CRDs (HTTPRoute, VirtualService) preloaded, a kubeconfig for it,
// a KubeClient for the test's own reads and writes (user agent "modelops-itest/1", so the audit tells
// it from the operator's "modelops/<version>"), the real modelops-operator binary as a child process
// (OperatorProcess: flags, probe/metrics port read from its log, /metrics scraping), audit helpers and
// a watch recorder that keeps every version of the objects of one resource a test wants to follow.
// Thread-safety: Cluster and OperatorProcess belong to the test thread; WatchRecorder's accessors are
// safe while its thread runs.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/common/cancel.h"
#include "modelops/common/clock.h"
#include "modelops/devserver/dev_server.h"
#include "modelops/kube/client.h"
#include "fakes/wait.h"
#include "support/process.h"

namespace modelops::itest {

using Json = nlohmann::json;
// The operator and the benchmarks' programs run as the shared test ChildProcess (tests/support).
using ChildProcess = testing::ChildProcess;
using modelops::testing::waitFor;  // the one poll-until-deadline helper (fakes/wait.h)

std::string sourceDir();  // $MODELOPS_SOURCE_DIR
std::string binaryDir();  // $MODELOPS_BINARY_DIR

class TempDir {
 public:
  TempDir();
  ~TempDir();
  std::string path() const { return path_.string(); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct ClusterOptions {
  std::chrono::milliseconds readyDelay{20};  // simulated Deployment readiness per replica
};

class Cluster {
 public:
  // Starts the server, preloads the CRDs and waits until the ModelDeployment API is served.
  // Throws std::runtime_error when something does not come up.
  explicit Cluster(ClusterOptions options = {});
  ~Cluster();

  devserver::DevServer& server() { return *server_; }
  kube::KubeClient& client() { return *client_; }
  const std::string& kubeconfig() const { return kubeconfig_; }
  const TempDir& dir() const { return dir_; }

  // Reads; a missing object is null JSON.
  Json get(const kube::Resource& r, const std::string& ns, const std::string& name);
  std::vector<Json> list(const kube::Resource& r, const std::string& ns, const std::string& labelSelector = "");
  // Creates (throws on error) and merge-patches (returns the error text, empty on success).
  Json create(const kube::Resource& r, const std::string& ns, const Json& object);
  std::string mergePatch(const kube::Resource& r, const std::string& ns, const std::string& name, const Json& patch);

  // Events about the object named `name` (core/v1), oldest first.
  std::vector<Json> eventsFor(const std::string& ns, const std::string& name);

 private:
  TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<devserver::DevServer> server_;
  std::unique_ptr<kube::KubeClient> client_;
  std::string kubeconfig_;
};

// The real modelops-operator against a Cluster.
class OperatorProcess {
 public:
  // Starts with --kubeconfig, one probes+metrics server on 127.0.0.1:0, --log-format json and `extraArgs`;
  // waits (up to 15 s) for its "serving" log line to learn the port. Throws when it does not start.
  OperatorProcess(const Cluster& cluster, const std::vector<std::string>& extraArgs = {});
  ~OperatorProcess() = default;

  ChildProcess& process() { return *process_; }
  int port() const { return port_; }
  std::string logs() const { return process_->out() + process_->err(); }
  bool logContains(const std::string& text) const;
  bool waitForLog(const std::string& text, std::chrono::milliseconds timeout);
  // GET /metrics (empty on error); the value of one sample (sum over label sets when `name` has several).
  std::string scrapeMetrics() const;
  double metric(const std::string& name) const;
  // modelops_reconcile_total summed over results.
  double reconciles() const { return metric("modelops_reconcile_total"); }

 private:
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

// Audit helpers. The operator's requests carry user agent "modelops/<version>".
bool isOperatorRequest(const devserver::AuditRecord& r);
bool isWrite(const devserver::AuditRecord& r);  // create/update/patch/delete/deletecollection (not dry run)
std::vector<devserver::AuditRecord> operatorWrites(const devserver::AuditLog& audit, std::uint64_t afterSeq = 0);
std::uint64_t lastSeq(const devserver::AuditLog& audit);
std::string describe(const std::vector<devserver::AuditRecord>& records);
// Writes by the operator to ModelDeployments other than through the status subresource.
std::vector<devserver::AuditRecord> operatorSpecWrites(const devserver::AuditLog& audit);

// Records every version of the objects of one resource in a namespace (watch from "now": the list's
// resourceVersion, so nothing written after the constructor returns is missed, however late the
// watch connects). A watch that expires (410) resumes from a fresh list and counts as a gap.
class WatchRecorder {
 public:
  WatchRecorder(kube::KubeClient& client, const kube::Resource& resource, const std::string& ns);
  ~WatchRecorder();
  // Every version seen of the object `name`, oldest first (ADDED/MODIFIED).
  std::vector<Json> versions(const std::string& name) const;
  // Waits until the version of `name` with this metadata.resourceVersion was recorded: call it with the
  // resourceVersion of a fresh read before asserting on versions(), so the stream has caught up.
  bool waitForVersion(const std::string& name, const std::string& resourceVersion,
                      std::chrono::milliseconds timeout) const;
  // Times versions may have been missed (the watch expired and resumed from a list); 0 normally.
  int gaps() const;
  // The last watch error, for failure messages ("" if none).
  std::string lastError() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, Json>> seen_;
  int gaps_ = 0;
  std::string lastError_;
  CancelToken cancel_;
  std::thread thread_;
};

}  // namespace modelops::itest
