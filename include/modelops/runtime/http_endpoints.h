// HttpEndpoints: the operator's probe and metrics HTTP server (cpp-httplib).
//   GET /healthz  200 "ok" while every liveness check passes (process alive, leader election not
//                 stuck), else 500 naming the failing checks.
//   GET /readyz   200 once every readiness check passes (all informer caches synced), else 500.
//   GET /metrics  the RuntimeMetrics registry in the Prometheus text format,
//                 Content-Type "text/plain; version=0.0.4; charset=utf-8".
// One instance can serve all three on one port, or the operator runs two (probes on :8081,
// metrics on :8080, the controller-runtime convention); options.probes / options.metrics choose.
// Thread-safety: add checks before start(); start()/stop() from the owner; handlers run on the
// server's own thread pool and only call the (thread-safe) checks and registry.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "modelops/common/result.h"

namespace httplib {
class Server;
}

namespace modelops::runtime {

class RuntimeMetrics;

struct HttpEndpointsOptions {
  std::string host = "0.0.0.0";
  int port = 8081;  // 0: any free port (tests)
  bool probes = true;
  bool metrics = true;
  int threads = 2;
};

class HttpEndpoints {
 public:
  HttpEndpoints(HttpEndpointsOptions options, RuntimeMetrics* metrics);
  ~HttpEndpoints();
  HttpEndpoints(const HttpEndpoints&) = delete;
  HttpEndpoints& operator=(const HttpEndpoints&) = delete;

  void addLivenessCheck(std::string name, std::function<bool()> check);
  void addReadinessCheck(std::string name, std::function<bool()> check);

  // Binds and serves on a background thread; returns the bound port.
  Result<int> start();
  void stop();
  int port() const { return port_; }

 private:
  using Checks = std::vector<std::pair<std::string, std::function<bool()>>>;
  HttpEndpointsOptions options_;
  RuntimeMetrics* metrics_;
  Checks liveness_, readiness_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace modelops::runtime
