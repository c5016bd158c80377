// Manager: wires the runtime pieces the way the operator runs them, so that the operator's main()
// only parses flags, builds clients and calls run(). It owns the work queue, controller, informers,
// event recorder, leader elector and the probe/metrics servers:
//   run(): start HTTP (probes :8081 with /healthz = elector healthy, /readyz = informers synced;
//   metrics :8080), the event writer, informers and workers; then either campaign for the lease
//   (onStartedLeading -> controller.startLeading, onStoppedLeading -> controller.stopLeading, and
//   if in-flight work does not finish, onStuck - by default _Exit(1), the process can no longer
//   prove it stopped) or, without leader election, lead at once. When `stop` fires: the elector
//   stops (controller stops taking work and finishes in-flight reconciles, then the lease is
//   released), the controller shuts down, events drain, informers and HTTP stop - within
//   shutdownBudget (4.5 s so the process exits within 5 s).
// Thread-safety: configure (watchPrimary/watchOwned) before run(); run() on one thread; the
// accessors are for set-up and tests.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

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
  bool serveHttp = true;
  HttpEndpointsOptions probes{"0.0.0.0", 8081, true, false, 2};
  HttpEndpointsOptions metrics{"0.0.0.0", 8080, false, true, 2};
  EventRecorderOptions events;
  RateLimiterConfig queue;
  std::chrono::milliseconds inFlightGrace{3000};
  std::chrono::milliseconds shutdownBudget{4500};
  std::function<void()> onStuck;  // default: std::_Exit(1)
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

  // Runs until stop fires. 0 after a clean shutdown within the budget; 1 when start-up failed or
  // the shutdown overran.
  int run(const CancelToken& stop);

  InformerSet& informers() { return informers_; }
  Controller& controller() { return *controller_; }
  EventRecorder& events() { return events_; }
  LeaderElector* elector() { return elector_.get(); }
  int probePort() const { return probes_.port(); }
  int metricsPort() const { return metricsHttp_.port(); }

 private:
  ManagerOptions options_;
  kube::KubeClient& client_;
  Clock& clock_;
  Sleeper& sleeper_;
  RuntimeMetrics& metrics_;
  InformerSet informers_;
  WorkQueue queue_;
  EventRecorder events_;
  std::unique_ptr<Controller> controller_;
  std::unique_ptr<LeaderElector> elector_;
  HttpEndpoints probes_, metricsHttp_;
};

}  // namespace modelops::runtime
