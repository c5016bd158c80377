// Fencing: no write after this process lost the lease.
// LeaseFence is what a write asks before it is sent: holdsLease() is judged on this process's own
// monotonic clock (leading, and the last successful renewal was sent less than renewDeadline ago),
// so a process resumed after SIGSTOP, or cut off from the API server, notices from its own clock
// before it talks to anyone; termToken() fires the moment the term ends (step-down, the renew
// deadline passing, shutdown) and is already fired while not leading.
// FencedClient decorates a KubeClient: reads and watches pass through; every write (create, update,
// updateStatus, patch, remove; Events are creates) is refused without being sent - ApiError reason
// "Cancelled" - once the term's token has fired or the fence no longer holds, and otherwise goes to
// the inner client's token form, which aborts it if the token fires while it is in flight. The
// controller hands each reconcile one bound to the term the reconcile started in (so a write of an
// older term is refused even after this process won the lease again); the event recorder's follows
// the current term.
// Thread-safety: LeaseFence implementations are safe to call from any thread; FencedClient is as
// safe as the client it decorates.
#pragma once

#include <optional>
#include <string>

#include "modelops/common/cancel.h"
#include "modelops/kube/client.h"

namespace modelops::runtime {

class LeaseFence {
 public:
  virtual ~LeaseFence() = default;
  virtual bool holdsLease() const = 0;
  virtual CancelToken termToken() const = 0;
};

class FencedClient final : public kube::KubeClient {
 public:
  // term: the token writes run under; nullopt follows fence->termToken() at each write. A null fence
  // checks only the term's token (no leader election).
  FencedClient(kube::KubeClient& inner, const LeaseFence* fence, std::optional<CancelToken> term)
      : inner_(inner), fence_(fence), term_(std::move(term)) {}

  kube::KubeResult<kube::Json> get(const kube::Resource& r, const std::string& ns, const std::string& name) override {
    return inner_.get(r, ns, name);
  }
  kube::KubeResult<kube::ListResult> list(const kube::Resource& r, const std::string& ns,
                                          const kube::ListOptions& opts = {}) override {
    return inner_.list(r, ns, opts);
  }
  kube::KubeResult<void> watch(const kube::Resource& r, const std::string& ns, const kube::WatchOptions& opts,
                               const kube::WatchHandler& handler, const CancelToken& cancel) override {
    return inner_.watch(r, ns, opts, handler, cancel);
  }

  kube::KubeResult<kube::Json> create(const kube::Resource& r, const std::string& ns, const kube::Json& object) override;
  kube::KubeResult<kube::Json> update(const kube::Resource& r, const std::string& ns, const kube::Json& object) override;
  kube::KubeResult<kube::Json> updateStatus(const kube::Resource& r, const std::string& ns,
                                            const kube::Json& object) override;
  kube::KubeResult<kube::Json> patch(const kube::Resource& r, const std::string& ns, const std::string& name,
                                     kube::PatchType type, const kube::Json& body,
                                     const kube::PatchOptions& opts = {}) override;
  kube::KubeResult<kube::Json> remove(const kube::Resource& r, const std::string& ns, const std::string& name,
                                      const kube::DeleteOptions& opts = {}) override;
  // The token forms: a caller's token (e.g. a reconcile's context) adds to the term's.
  kube::KubeResult<kube::Json> create(const kube::Resource& r, const std::string& ns, const kube::Json& object,
                                      const CancelToken& cancel) override;
  kube::KubeResult<kube::Json> update(const kube::Resource& r, const std::string& ns, const kube::Json& object,
                                      const CancelToken& cancel) override;
  kube::KubeResult<kube::Json> updateStatus(const kube::Resource& r, const std::string& ns, const kube::Json& object,
                                            const CancelToken& cancel) override;
  kube::KubeResult<kube::Json> patch(const kube::Resource& r, const std::string& ns, const std::string& name,
                                     kube::PatchType type, const kube::Json& body, const kube::PatchOptions& opts,
                                     const CancelToken& cancel) override;
  kube::KubeResult<kube::Json> remove(const kube::Resource& r, const std::string& ns, const std::string& name,
                                      const kube::DeleteOptions& opts, const CancelToken& cancel) override;

 private:
  // Refuses (logged, not sent) or calls send with the token the write goes out under.
  template <class Send>
  kube::KubeResult<kube::Json> write(const std::string& what, const CancelToken* caller, Send send) const;

  kube::KubeClient& inner_;
  const LeaseFence* fence_;
  std::optional<CancelToken> term_;
};

}  // namespace modelops::runtime
