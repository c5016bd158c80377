// Helpers for the runtime integration tests: a dev API server on 127.0.0.1 port 0, real
// KubeClients against it, a client wrapper that can be "cut" (every call fails as if the process
// or its network died), and retrying writes for test set-up under fault injection.
// Thread-safety: CuttableClient is safe from any thread; the rest is used from the test thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "modelops/common/clock.h"
#include "modelops/devserver/dev_server.h"
#include "modelops/kube/client.h"
#include "modelops/kube/factory.h"
#include "modelops/kube/config.h"

namespace modelops::testing {

inline std::unique_ptr<kube::KubeClient> clientFor(devserver::DevServer& server, Clock& clock, int maxAttempts = 3,
                                                   std::chrono::milliseconds requestTimeout = std::chrono::seconds(10)) {
  kube::ClientConfig cfg;
  cfg.server = server.url();
  cfg.qps = 0;  // unlimited: the test drives the load
  cfg.maxAttempts = maxAttempts;
  cfg.maxRetryTotal = std::chrono::seconds(5);
  cfg.requestTimeout = requestTimeout;
  cfg.connectTimeout = std::chrono::seconds(2);
  auto c = kube::makeKubeClient(cfg, clock);
  if (!c.ok()) return nullptr;
  return std::move(c).value();
}

// Forwards to inner until cut(); then every call fails with a transport error at once.
class CuttableClient final : public kube::KubeClient {
 public:
  explicit CuttableClient(kube::KubeClient& inner) : inner_(inner) {}
  void cut() { cut_ = true; }
  using R = kube::Resource;
  kube::KubeResult<kube::Json> get(const R& r, const std::string& ns, const std::string& n) override {
    if (cut_) return dead();
    return inner_.get(r, ns, n);
  }
  kube::KubeResult<kube::ListResult> list(const R& r, const std::string& ns, const kube::ListOptions& o) override {
    if (cut_) return dead();
    return inner_.list(r, ns, o);
  }
  kube::KubeResult<kube::Json> create(const R& r, const std::string& ns, const kube::Json& o) override {
    if (cut_) return dead();
    return inner_.create(r, ns, o);
  }
  kube::KubeResult<kube::Json> update(const R& r, const std::string& ns, const kube::Json& o) override {
    if (cut_) return dead();
    return inner_.update(r, ns, o);
  }
  kube::KubeResult<kube::Json> updateStatus(const R& r, const std::string& ns, const kube::Json& o) override {
    if (cut_) return dead();
    return inner_.updateStatus(r, ns, o);
  }
  kube::KubeResult<kube::Json> patch(const R& r, const std::string& ns, const std::string& n, kube::PatchType t,
                                     const kube::Json& b, const kube::PatchOptions& o) override {
    if (cut_) return dead();
    return inner_.patch(r, ns, n, t, b, o);
  }
  kube::KubeResult<kube::Json> remove(const R& r, const std::string& ns, const std::string& n,
                                      const kube::DeleteOptions& o) override {
    if (cut_) return dead();
    return inner_.remove(r, ns, n, o);
  }
  kube::KubeResult<void> watch(const R& r, const std::string& ns, const kube::WatchOptions& o,
                               const kube::WatchHandler& h, const CancelToken& c) override {
    if (cut_) return dead();
    return inner_.watch(r, ns, o, h, c);
  }

 private:
  static kube::ApiError dead() {
    kube::ApiError e;
    e.reason = "ConnectionError";
    e.message = "connection refused (cut by test)";
    return e;
  }
  kube::KubeClient& inner_;
  std::atomic<bool> cut_{false};
};

}  // namespace modelops::testing
