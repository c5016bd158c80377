// The processes the gateway benchmark measures and puts load through, each a child process on 127.0.0.1
// with a port chosen at run time:
//  - UpstreamProcess: bench-upstream (upstream_server.cpp), the fixed-response KServe v1 model server;
//  - NginxProcess: Debian's nginx as a keep-alive reverse proxy to it (the baseline);
//  - GatewayProcess: modelops-gateway routing to it, fed by a modelops-devserver holding one
//    ModelDeployment (status weights: stable 100) and the prediction-id key Secret (GatewayFixture).
// Resident memory comes from /proc (VmRSS), summed over nginx's master and workers.
// Every wait polls a condition with a deadline; destructors stop what they started.
// Thread-safety: one owner thread, except rssKiB(), which any thread may call while the process runs.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.h"

namespace modelops::gwbench {

using Json = nlohmann::json;

// A loopback port free at the time of the call (bound to :0 and released); the caller binds it next.
int freeLoopbackPort();
// True once a TCP connection to 127.0.0.1:port succeeds.
bool acceptsConnections(int port);
// VmRSS of pid in KiB (0 when it is gone).
long rssKiB(pid_t pid);

class UpstreamProcess {
 public:
  UpstreamProcess(const std::string& binary, int threads);
  int port() const { return port_; }
  pid_t pid() const { return process_->pid(); }

 private:
  std::unique_ptr<testing::ChildProcess> process_;
  int port_ = 0;
};

class NginxProcess {
 public:
  // Writes DIR/nginx.conf (workers = `workers`, upstream keepalive 64, access log off) and starts
  // `nginx -p DIR -c DIR/nginx.conf -g 'daemon off;'`.
  NginxProcess(const std::string& binary, const std::string& dir, int upstreamPort, int workers);
  ~NginxProcess();
  int port() const { return port_; }
  long rssKiB() const;  // master + workers

 private:
  std::unique_ptr<testing::ChildProcess> process_;
  int port_ = 0;
};

// What the gateway needs from the API server: the namespace it serves, one ModelDeployment whose
// status routes 100% to its stable track, and the key Secret. Written through the dev server's HTTP API.
struct GatewayFixture {
  std::string ns = "bench";
  std::string name = "iris";           // the ModelDeployment; spec.model.name defaults to it
  std::string keySecret = "gateway-prediction-keys";
  // Creates the namespace, the Secret and the ModelDeployment, then writes its status; throws on an error.
  void apply(const std::string& devserverUrl) const;
  std::string predictPath() const { return "/v1/models/" + name + ":predict"; }
  std::string stableService() const { return name + "-stable"; }
};

class GatewayProcess {
 public:
  // Starts `binary` against the kubeconfig, routing the fixture's stable Service to 127.0.0.1:upstreamPort,
  // with `ioThreads` I/O threads and `extraArgs`; waits (30 s) until /readyz answers 200 and the
  // prediction path routes (a 200 through it), else throws with the log tail.
  GatewayProcess(const std::string& binary, const std::string& kubeconfig, const GatewayFixture& fixture,
                 int upstreamPort, int ioThreads, const std::vector<std::string>& extraArgs);
  ~GatewayProcess();
  int port() const { return port_; }
  pid_t pid() const { return process_->pid(); }
  std::string metrics() const;  // GET /metrics; empty on error
  std::string logTail(std::size_t bytes = 3000) const;

 private:
  std::unique_ptr<testing::ChildProcess> process_;
  int port_ = 0;
};

}  // namespace modelops::gwbench
