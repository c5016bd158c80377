// Manager: wires the runtime pieces the way the operator runs them, so that the operator's main()
// only parses flags, builds clients and the reconciler, and calls run(). It owns the work queue,
// controller, informers, event recorder, leader elector and the probe/metrics servers:
//   run(): start HTTP (probes: /healthz = elector healthy, /readyz = informers synced; metrics; one
//   server when both have the same address), the event writer, informers and workers; wait for every
//   informer to sync (an empty cache would look like missing children); then either campaign for the
//   lease (onStartedLeading -> controller.startLeading, onStoppedLeading -> controller.stopLeading, and
//   if in-flight work does not finish, onStuck - by default _Exit(1), the process can no longer prove
//   it stopped) or, without leader election, lead at once (modelops_leader 1). When `stop` fires: the
//   elector stops (controller stops taking work and finishes in-flight reconciles, then the lease is
//   released), the controller shuts down, background measurements are cancelled (stopMeasurements),
//   events drain, informers and HTTP stop - within shutdownBudget.
// Fencing: with leader election, the controller's reconciles and the event recorder write through a
// FencedClient checked against the elector (fenced_client.h): nothing is written once this process
// no longer holds the lease by its own clock.
// Informers come in three kinds: primary (changes enqueue the object), owned (changes enqueue the
// owner) and cache-only (watchCache: read through their cache, e.g. the provider-credential Secrets).
// Cache-only informers do not gate readiness or leading: a Secret watch the RBAC forbids must not stop
// reconciliation (its readers wait for it, bounded, with Informer::waitForSync).
// Thread-safety: configure (watchPrimary/watchOwned) before run(); run() on one thread; the
// accessors are for set-up and tests.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "modelops/common/cancel.h"
#include "modelops/common/clock.h"
#include "modelops/kube/client.h"
#include "modelops/runtime/controller.h"
#include "modelops/runtime/event_recorder.h"
#include "modelops/runtime/http_endpoints.h"
#include "modelops/runtime/informer.h"
#include "modelops/runtime/leader_election.h"
#include "modelops/runtime/metrics.h"
#include "modelops/runtime/sleeper.h"
#include "modelops/runtime/work_queue.h"

namespace modelops::runtime {

struct ManagerOptions {
  ControllerOptions controller;
  bool leaderElect = true;
  LeaderElectionConfig leaderElection;
  // nullopt turns one off; the same host and port (0 included) serve both from one server.
  std::optional<HttpEndpointsOptions> probes = HttpEndpointsOptions{"0.0.0.0", 8081, true, false, 2};
  std::optional<HttpEndpointsOptions> metrics = HttpEndpointsOptions{"0.0.0.0", 8080, false, true, 2};
  EventRecorderOptions events;
  RateLimiterConfig queue;
  std::chrono::milliseconds inFlightGrace{3000};
  std::chrono::milliseconds shutdownBudget{4500};
  std::function<void()> onStuck;  // default: std::_Exit(1)
  // Cancels the reconciler's background measurements and waits up to the given time (may be empty).
  std::function<void(std::chrono::milliseconds)> stopMeasurements;
};

class Manager {
 public:
  // client: the (rate-limited, metered) client for informers, reconciles and events.
  // leaseClient: a separate client with no QPS limiter and a short request timeout.
  Manager(ManagerOptions options, Reconciler& reconciler, kube::KubeClient& client, kube::KubeClient& leaseClient,
          Clock& clock, Sleeper& sleeper, RuntimeMetrics& metrics);
  ~Manager();

  // An informer whose changes enqueue the object's own key.
  Informer& watchPrimary(const kube::Resource& resource, InformerOptions options = {});
  // An informer whose changes enqueue the key of the object's controller owner of ownerKind.
  Informer& watchOwned(const kube::Resource& resource, InformerOptions options = {},
                       const std::string& ownerKind = "ModelDeployment", const std::string& ownerGroup = "modelops.dev");

  // An informer that only keeps a cache (no reconcile is enqueued by its changes; not in informers()).
  Informer& watchCache(const kube::Resource& resource, InformerOptions options = {});

  // Runs until stop fires. 0 after a clean shutdown within the budget; 1 when start-up failed or
  // the shutdown overran.
  int run(const CancelToken& stop);

  InformerSet& informers() { return informers_; }
  Controller& controller() { return *controller_; }
  EventRecorder& events() { return events_; }
  LeaderElector* elector() { return elector_.get(); }
  // The bound ports once run() serves them; 0 when off.
  int probePort() const { return probes_ ? probes_->port() : 0; }
  int metricsPort() const { return metricsHttp_ ? metricsHttp_->port() : 0; }

 private:
  ManagerOptions options_;
  kube::KubeClient& client_;
  Clock& clock_;
  Sleeper& sleeper_;
  RuntimeMetrics& metrics_;
  InformerSet informers_;
  InformerSet caches_;  // cache-only informers (watchCache)
  WorkQueue queue_;
  class ElectorFence;  // the elector when there is one, else always held (manager.cpp)
  std::unique_ptr<ElectorFence> fence_;
  FencedClient eventsClient_;  // the event recorder's writes follow the current term
  EventRecorder events_;
  std::unique_ptr<Controller> controller_;
  std::unique_ptr<LeaderElector> elector_;
  std::vector<std::unique_ptr<HttpEndpoints>> endpoints_;
  HttpEndpoints* probes_ = nullptr;       // the server with /healthz and /readyz, if any
  HttpEndpoints* metricsHttp_ = nullptr;  // the server with /metrics, if any
};

}  // namespace modelops::runtime
