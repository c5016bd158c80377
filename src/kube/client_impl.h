// KubeClientImpl: the KubeClient that talks HTTP(S) to a real API server (or the dev server).
// Internal to modelops_kube: others get one from makeKubeClient (modelops/kube/factory.h).
// Every request: client-side rate limit (token bucket), credentials (token, token file, exec
// plugin, client certificate), `User-Agent: modelops/<version>`, `Accept: application/json`, and
// retries with backoff (see retry.h). A 401 triggers one credential refresh and one more try. The
// verbs and the watch share that preparation (prepare(), refreshAfter401()).
// Each watch uses its own HTTP connection and can be cancelled from another thread. A write under a
// CancelToken is not sent (nor retried) once the token has fired and is aborted in flight.
// Thread-safety: all verbs may be called from many threads at once. Destroying the client while
// calls are in flight is not allowed; close() first wakes requests that are waiting to retry.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <random>

#include "modelops/common/cancel.h"
#include "modelops/common/clock.h"
#include "modelops/common/sleeper.h"
#include "modelops/common/token_bucket.h"
#include "auth.h"
#include "modelops/kube/client.h"
#include "modelops/kube/config.h"
#include "modelops/kube/factory.h"
#include "retry.h"

namespace modelops::kube {

class Transport;  // src/kube/transport.h
namespace detail {
struct PreparedRequest;  // src/kube/request.h
}

class KubeClientImpl final : public KubeClient {
 public:
  // Fails on an unusable configuration (bad URL, unreadable CA, malformed certificate or key).
  static Result<std::unique_ptr<KubeClientImpl>> create(const ClientConfig& config, ClientDeps deps);
  ~KubeClientImpl() override;

  KubeResult<Json> get(const Resource& r, const std::string& ns, const std::string& name) override;
  KubeResult<ListResult> list(const Resource& r, const std::string& ns, const ListOptions& opts = {}) override;
  KubeResult<Json> create(const Resource& r, const std::string& ns, const Json& object) override;
  KubeResult<Json> update(const Resource& r, const std::string& ns, const Json& object) override;
  KubeResult<Json> updateStatus(const Resource& r, const std::string& ns, const Json& object) override;
  KubeResult<Json> patch(const Resource& r, const std::string& ns, const std::string& name, PatchType type,
                         const Json& body, const PatchOptions& opts = {}) override;
  KubeResult<Json> remove(const Resource& r, const std::string& ns, const std::string& name,
                          const DeleteOptions& opts = {}) override;
  KubeResult<void> watch(const Resource& r, const std::string& ns, const WatchOptions& opts,
                         const WatchHandler& handler, const CancelToken& cancel) override;
  KubeResult<Json> create(const Resource& r, const std::string& ns, const Json& object,
                          const CancelToken& cancel) override;
  KubeResult<Json> update(const Resource& r, const std::string& ns, const Json& object,
                          const CancelToken& cancel) override;
  KubeResult<Json> updateStatus(const Resource& r, const std::string& ns, const Json& object,
                                const CancelToken& cancel) override;
  KubeResult<Json> patch(const Resource& r, const std::string& ns, const std::string& name, PatchType type,
                         const Json& body, const PatchOptions& opts, const CancelToken& cancel) override;
  KubeResult<Json> remove(const Resource& r, const std::string& ns, const std::string& name,
                          const DeleteOptions& opts, const CancelToken& cancel) override;

  // Wakes requests waiting for a retry or a rate-limit token; they fail with reason Cancelled.
  void close();
  const ClientConfig& config() const { return config_; }

 private:
  struct Request;
  KubeClientImpl(const ClientConfig& config, ClientDeps deps, std::unique_ptr<Transport> transport);
  KubeResult<Json> execute(const Request& request, const CancelToken& cancel);
  // Waits for a rate-limit token (bounded by the request timeout, cancellable by stop), then builds
  // the HTTP client and the headers with the current credentials.
  KubeResult<detail::PreparedRequest> prepare(const std::string& what, std::chrono::milliseconds readTimeout,
                                             const CancelToken& stop);
  // After a 401: refreshes the credentials once per request (refreshed tracks it); true: try again.
  bool refreshAfter401(const ApiError& error, bool& refreshed, const std::string& what);
  double jitter();

  ClientConfig config_;
  const Clock& clock_;
  RealSleeper realSleeper_;
  Sleeper& sleeper_;
  CredentialSource credentials_;
  TokenBucket limiter_;
  RetryPolicy policy_;
  std::unique_ptr<Transport> transport_;
  CancelToken closing_;
  std::mutex rngMu_;
  std::mt19937_64 rng_;
};

}  // namespace modelops::kube
