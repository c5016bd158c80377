// HttpEndpoints implementation on cpp-httplib 0.11.4 (shared library; pkg-config flags required).
// Thread-safety: see http_endpoints.h. Nothing here throws across the httplib boundary.
#include "modelops/runtime/http_endpoints.h"

#include <httplib.h>

#include "modelops/common/logging.h"
#include "modelops/runtime/metrics.h"

namespace modelops::runtime {

namespace {
void runChecks(const std::vector<std::pair<std::string, std::function<bool()>>>& checks, httplib::Response& res) {
  std::string failed;
  for (auto& [name, check] : checks) {
    bool ok = false;
    try {
      ok = check();
    } catch (...) {
      ok = false;
    }
    if (!ok) failed += (failed.empty() ? "" : ",") + name;
  }
  if (failed.empty()) {
    res.status = 200;
    res.set_content("ok\n", "text/plain; charset=utf-8");
  } else {
    res.status = 500;
    res.set_content("failed: " + failed + "\n", "text/plain; charset=utf-8");
  }
}
}  // namespace

HttpEndpoints::HttpEndpoints(HttpEndpointsOptions options, RuntimeMetrics* metrics)
    : options_(std::move(options)), metrics_(metrics) {}

HttpEndpoints::~HttpEndpoints() { stop(); }

void HttpEndpoints::addLivenessCheck(std::string name, std::function<bool()> check) {
  liveness_.emplace_back(std::move(name), std::move(check));
}

void HttpEndpoints::addReadinessCheck(std::string name, std::function<bool()> check) {
  readiness_.emplace_back(std::move(name), std::move(check));
}

Result<int> HttpEndpoints::start() {
  if (server_) return port_;
  server_ = std::make_unique<httplib::Server>();
  int threads = std::max(1, options_.threads);
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  server_->set_read_timeout(5, 0);
  server_->set_write_timeout(5, 0);
  if (options_.probes) {
    server_->Get("/healthz", [this](const httplib::Request&, httplib::Response& res) { runChecks(liveness_, res); });
    server_->Get("/readyz", [this](const httplib::Request&, httplib::Response& res) { runChecks(readiness_, res); });
  }
  if (options_.metrics && metrics_) {
    server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics_->render(), "text/plain; version=0.0.4; charset=utf-8");
    });
  }
  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.host);
    if (port_ <= 0) return Error{"BindFailed", "cannot bind " + options_.host + ":0"};
  } else {
    if (!server_->bind_to_port(options_.host, options_.port)) {
      return Error{"BindFailed", "cannot bind " + options_.host + ":" + std::to_string(options_.port)};
    }
    port_ = options_.port;
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // httplib's stop() is a no-op until the listen loop runs; wait for it (bounded) so that an early
  // stop() cannot leave the loop running forever.
  for (int i = 0; i < 5000 && !server_->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  logInfo("http endpoints listening", {{"address", options_.host + ":" + std::to_string(port_)},
                                       {"probes", options_.probes}, {"metrics", options_.metrics}});
  return port_;
}

void HttpEndpoints::stop() {
  if (!server_) return;
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace modelops::runtime
