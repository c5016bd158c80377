// Manager implementation: start-up order and the shutdown sequence. See manager.h.
// Thread-safety: run() on one thread; callbacks from the elector thread touch only the controller.
#include "modelops/runtime/manager.h"

#include <algorithm>
#include <cstdlib>

#include "modelops/common/logging.h"
#include "modelops/runtime/shutdown.h"

namespace modelops::runtime {

// The LeaseFence of this manager: the elector's once it exists; without leader election this
// replica always leads, so the lease is always held and the term never ends.
class Manager::ElectorFence final : public LeaseFence {
 public:
  explicit ElectorFence(const std::unique_ptr<LeaderElector>& elector) : elector_(elector) {}
  bool holdsLease() const override { return !elector_ || elector_->holdsLease(); }
  CancelToken termToken() const override { return elector_ ? elector_->termToken() : always_; }

 private:
  const std::unique_ptr<LeaderElector>& elector_;
  CancelToken always_;
};

Manager::Manager(ManagerOptions options, Reconciler& reconciler, kube::KubeClient& client,
                 kube::KubeClient& leaseClient, Clock& clock, Sleeper& sleeper, RuntimeMetrics& metrics)
    : options_(std::move(options)),
      client_(client),
      clock_(clock),
      sleeper_(sleeper),
      metrics_(metrics),
      queue_(clock, sleeper, options_.queue, &metrics),
      fence_(std::make_unique<ElectorFence>(elector_)),
      eventsClient_(client, fence_.get(), std::nullopt),
      events_(eventsClient_, clock, options_.events) {
  controller_ = std::make_unique<Controller>(reconciler, queue_, client_, clock_, informers_, &events_, &metrics_,
                                             options_.controller);
  if (options_.leaderElect) {
    LeaderCallbacks callbacks;
    callbacks.onStartedLeading = [this] {
      logInfo("became leader", {{"identity", options_.leaderElection.identity}});
      controller_->startLeading();
    };
    callbacks.onStoppedLeading = [this] {
      logWarn("stopped leading", {{"identity", options_.leaderElection.identity}});
      if (controller_->stopLeading(options_.inFlightGrace)) return;
      // Reconciles still running after losing the lease could race the new leader.
      logError("in-flight reconciles did not stop after losing leadership; exiting",
               {{"graceMs", options_.inFlightGrace.count()}});
      if (options_.onStuck) {
        options_.onStuck();
      } else {
        std::_Exit(1);
      }
    };
    callbacks.onNewLeader = [](const std::string& holder) { logInfo("leader observed", {{"identity", holder}}); };
    elector_ = std::make_unique<LeaderElector>(leaseClient, clock_, sleeper_, options_.leaderElection, callbacks,
                                               &metrics_);
    controller_->setFence(elector_.get());
  }
  // Probes and metrics: one server when both have the same address, else one each (or none).
  const auto& p = options_.probes;
  const auto& m = options_.metrics;
  auto add = [&](HttpEndpointsOptions o, bool probes, bool withMetrics) {
    o.probes = probes;
    o.metrics = withMetrics;
    endpoints_.push_back(std::make_unique<HttpEndpoints>(o, &metrics_));
    return endpoints_.back().get();
  };
  if (p && m && p->host == m->host && p->port == m->port) {
    probes_ = metricsHttp_ = add(*p, true, true);
  } else {
    if (p) probes_ = add(*p, true, false);
    if (m) metricsHttp_ = add(*m, false, true);
  }
  if (probes_) {
    probes_->addLivenessCheck("leader-election", [this] { return !elector_ || elector_->healthy(); });
    probes_->addReadinessCheck("informers-synced", [this] { return informers_.allSynced(); });
  }
}

Manager::~Manager() {
  if (elector_) elector_->stop();
  controller_->shutdown(std::chrono::milliseconds(0));
  events_.stop(std::chrono::milliseconds(0));
  informers_.stopAll();
  caches_.stopAll();
  for (auto& e : endpoints_) e->stop();
}

Informer& Manager::watchPrimary(const kube::Resource& resource, InformerOptions options) {
  auto& informer =
      informers_.add(std::make_unique<Informer>(client_, resource, clock_, sleeper_, std::move(options), &metrics_));
  informer.addHandler(controller_->enqueueHandler());
  return informer;
}

Informer& Manager::watchOwned(const kube::Resource& resource, InformerOptions options, const std::string& ownerKind,
                              const std::string& ownerGroup) {
  auto& informer =
      informers_.add(std::make_unique<Informer>(client_, resource, clock_, sleeper_, std::move(options), &metrics_));
  informer.addHandler(controller_->ownerHandler(ownerKind, ownerGroup));
  return informer;
}

Informer& Manager::watchCache(const kube::Resource& resource, InformerOptions options) {
  return caches_.add(
      std::make_unique<Informer>(client_, resource, clock_, sleeper_, std::move(options), &metrics_));
}

int Manager::run(const CancelToken& stop) {
  if (options_.leaderElect) {
    auto valid = validateLeaderElectionConfig(options_.leaderElection);
    if (!valid.ok()) {
      logError("invalid leader election settings", {{"err", valid.error().message}});
      return 1;
    }
  }
  for (auto& http : endpoints_) {
    auto port = http->start();
    if (!port.ok()) {
      logError("cannot serve probes/metrics", {{"err", port.error().message}});
      return 1;
    }
    logInfo("serving", {{"port", *port}});
  }
  events_.start();
  informers_.startAll();
  caches_.startAll();
  controller_->start();
  // Reconcile only from synced caches: an empty cache would look like missing children.
  while (!informers_.waitForSync(std::chrono::seconds(1))) {
    if (stop.cancelled()) break;
    logInfo("waiting for informer caches to sync");
  }
  if (!stop.cancelled()) {
    logInfo("caches synced");
    if (elector_) {
      elector_->start();
    } else {
      // Without leader election this replica is the one that reconciles: say so, or alerts on
      // modelops_leader would see no leader at all.
      controller_->startLeading();
      metrics_.setLeader(true);
    }
  }
  while (!stop.waitFor(std::chrono::hours(1))) {
  }
  logInfo("shutting down");

  ShutdownSequence sequence(clock_);
  if (elector_) sequence.add("leader-election", [this](std::chrono::milliseconds) { elector_->stop(); });
  else metrics_.setLeader(false);
  sequence.add("controller", [this](std::chrono::milliseconds left) {
    controller_->shutdown(std::min(left, options_.inFlightGrace));
  });
  if (options_.stopMeasurements)
    sequence.add("measurements", [this](std::chrono::milliseconds left) {
      options_.stopMeasurements(std::min(left, std::chrono::milliseconds(1000)));
    });
  sequence.add("events", [this](std::chrono::milliseconds left) {
    events_.stop(std::min(left, std::chrono::milliseconds(1000)));
  });
  sequence.add("informers", [this](std::chrono::milliseconds) {
    informers_.stopAll();
    caches_.stopAll();
  });
  sequence.add("http", [this](std::chrono::milliseconds) {
    for (auto& e : endpoints_) e->stop();
  });
  bool clean = sequence.run(options_.shutdownBudget);
  logInfo(clean ? "stopped" : "stopped with steps over the time budget");
  return clean ? 0 : 1;
}

}  // namespace modelops::runtime
