// LeaderElector: leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection
// with ReleaseOnCancel. A candidate reads the Lease every retryPeriod (jittered); it takes the lease
// when nobody holds it, the holder released it (empty holderIdentity), or the holder has not
// renewed for leaseDuration as measured on OUR monotonic clock since we last saw the record change
// (no trust in other machines' clocks). The leader renews every retryPeriod. Every write is an
// update with the resourceVersion we read (optimistic concurrency): a 409 means somebody else
// wrote, and the next attempt re-reads. Records: holderIdentity, leaseDurationSeconds, acquireTime
// and renewTime (MicroTime, RFC 3339 with microseconds), leaseTransitions (+1 on every change of
// holder).
// Safety: when no renewal has succeeded for renewDeadline (counted from when the last successful
// renewal was SENT), the elector calls onStoppedLeading synchronously and only then campaigns again.
// Because renewDeadline < leaseDuration and others wait leaseDuration from when they saw our last
// renewal, we stop before anyone else can start. A watchdog thread enforces the deadline even while
// the election thread is stuck inside a lease request (a hung connection, client-side retries), so
// this holds whatever the lease client's timeouts are. The lease client must still be its own
// KubeClient instance without a QPS limiter (renewals never queue behind reconcile traffic), and
// a short request timeout keeps the loop responsive.
// Fencing (LeaseFence): holdsLease() is true while leading and less than renewDeadline has passed
// since the last successful renewal was sent, on this process's monotonic clock - a process resumed
// after SIGSTOP sees it false at once, before the watchdog or anything else has run. termToken() is
// a new token per term, fired first thing at step-down (before onStoppedLeading), and fired while
// not leading. Writes check both (runtime/fenced_client.h).
// On cancellation while leading: onStoppedLeading (the controller stops and finishes in-flight
// work), then the lease is released (holderIdentity "", leaseDurationSeconds 1) so a standby takes
// over at its next retry instead of waiting for expiry.
// Thread-safety: run() on one thread; isLeader(), leader(), healthy() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "modelops/common/cancel.h"
#include "modelops/common/clock.h"
#include "modelops/common/result.h"
#include "modelops/kube/client.h"
#include "modelops/runtime/fenced_client.h"
#include "modelops/runtime/sleeper.h"

namespace modelops::runtime {

class RuntimeMetrics;

struct LeaderElectionConfig {
  std::string leaseNamespace = "default";
  std::string leaseName = "modelops-operator";
  std::string identity;  // unique per replica: pod name + random suffix
  std::chrono::milliseconds leaseDuration{15000};
  std::chrono::milliseconds renewDeadline{10000};
  std::chrono::milliseconds retryPeriod{2000};
  double jitter = 0.2;  // candidate retries wait retryPeriod * (1 + jitter * U[0,1))
  std::uint64_t seed = 0;  // 0: from std::random_device
};

// leaseDuration > renewDeadline > retryPeriod * (1 + jitter), identity set.
Status validateLeaderElectionConfig(const LeaderElectionConfig& config);

struct LeaderCallbacks {
  std::function<void()> onStartedLeading;
  std::function<void()> onStoppedLeading;  // must not return before reconciling has stopped
  std::function<void(const std::string& identity)> onNewLeader;
};

// The Lease resource (coordination.k8s.io/v1 leases).
const kube::Resource& leaseResource();

class LeaderElector final : public LeaseFence {
 public:
  LeaderElector(kube::KubeClient& leaseClient, Clock& clock, Sleeper& sleeper, LeaderElectionConfig config,
                LeaderCallbacks callbacks, RuntimeMetrics* metrics = nullptr);
  ~LeaderElector() override;
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Campaigns and leads until cancel fires; then stops leading and releases the lease.
  void run(const CancelToken& cancel);
  // run() on an owned thread; stop() cancels it and joins (the release happens before it returns).
  void start();
  void stop();

  bool isLeader() const {
    std::lock_guard lock(mu_);
    return leading_;
  }
  std::string leader() const;  // the holder we last observed
  // LeaseFence: cheap (one lock, one clock read); safe from any thread.
  bool holdsLease() const override;
  CancelToken termToken() const override;
  // For /healthz: false when a lease request has been outstanding for longer than leaseDuration
  // (the election loop is stuck); true otherwise.
  bool healthy() const;

 private:
  bool attempt();  // tryAcquireOrRenew, tracking that a request is outstanding
  bool tryAcquireOrRenew();
  void observe(const kube::Json& lease);
  void release();
  std::uint64_t becomeLeader();
  void stepDown(std::uint64_t term, const char* why);
  void watchdogLoop(const CancelToken& stop);
  Clock::MonoTime renewDeadline() const;
  Clock::MonoTime jittered(Clock::MonoTime from);

  kube::KubeClient& client_;
  Clock& clock_;
  Sleeper& sleeper_;
  LeaderElectionConfig config_;
  LeaderCallbacks callbacks_;
  RuntimeMetrics* metrics_;
  std::mt19937_64 rng_;

  std::mutex stepMu_;
  mutable std::mutex mu_;
  std::condition_variable watchdogCv_;
  bool leading_ = false;
  std::uint64_t term_ = 0;         // leadership terms won by this elector
  std::uint64_t watchedTerm_ = 0;  // the last term the watchdog finished with
  std::optional<Clock::MonoTime> attemptStartedAt_;
  std::optional<kube::Json> lease_;  // last lease object we read or wrote
  std::string observedHolder_;
  std::string observedRenewTime_;
  Clock::MonoTime observedAt_{};
  Clock::MonoTime lastRenewSent_{};  // send time of the last successful acquire/renew
  CancelToken termToken_;            // this term's; fired while not leading
  CancelToken cancel_;
  std::thread thread_;
};

}  // namespace modelops::runtime
