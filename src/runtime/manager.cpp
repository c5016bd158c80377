// Manager implementation: start-up order and the shutdown sequence. See manager.h.
// Thread-safety: run() on one thread; callbacks from the elector thread touch only the controller.
#include "modelops/runtime/manager.h"

#include <cstdlib>

#include "modelops/common/logging.h"
#include "modelops/runtime/shutdown.h"

namespace modelops::runtime {

Manager::Manager(ManagerOptions options, Reconciler& reconciler, kube::KubeClient& client,
                 kube::KubeClient& leaseClient, Clock& clock, Sleeper& sleeper, RuntimeMetrics& metrics)
    : options_(std::move(options)),
      client_(client),
      clock_(clock),
      sleeper_(sleeper),
      metrics_(metrics),
      queue_(clock, sleeper, options_.queue, &metrics),
      events_(client, clock, options_.events),
      probes_(options_.probes, &metrics),
      metricsHttp_(options_.metrics, &metrics) {
  controller_ = std::make_unique<Controller>(reconciler, queue_, client_, clock_, informers_, &events_, &metrics_,
                                             options_.controller);
  if (options_.leaderElect) {
    LeaderCallbacks callbacks;
    callbacks.onStartedLeading = [this] { controller_->startLeading(); };
    callbacks.onStoppedLeading = [this] {
      if (controller_->stopLeading(options_.inFlightGrace)) return;
      logError("in-flight reconciles did not stop after losing leadership; exiting",
               {{"graceMs", options_.inFlightGrace.count()}});
      if (options_.onStuck) {
        options_.onStuck();
      } else {
        std::_Exit(1);
      }
    };
    elector_ = std::make_unique<LeaderElector>(leaseClient, clock_, sleeper_, options_.leaderElection, callbacks,
                                               &metrics_);
  }
  probes_.addLivenessCheck("leader-election", [this] { return !elector_ || elector_->healthy(); });
  probes_.addReadinessCheck("informers-synced", [this] { return informers_.allSynced(); });
}

Manager::~Manager() {
  if (elector_) elector_->stop();
  controller_->shutdown(std::chrono::milliseconds(0));
  events_.stop(std::chrono::milliseconds(0));
  informers_.stopAll();
  probes_.stop();
  metricsHttp_.stop();
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

int Manager::run(const CancelToken& stop) {
  if (options_.leaderElect) {
    auto valid = validateLeaderElectionConfig(options_.leaderElection);
    if (!valid.ok()) {
      logError("invalid leader election settings", {{"err", valid.error().message}});
      return 1;
    }
  }
  if (options_.serveHttp) {
    for (auto* http : {&probes_, &metricsHttp_}) {
      auto port = http->start();
      if (!port.ok()) {
        logError("cannot serve HTTP", {{"err", port.error().message}});
        return 1;
      }
    }
  }
  events_.start();
  informers_.startAll();
  controller_->start();
  if (elector_) {
    elector_->start();
  } else {
    // Without leader election this replica is the one that reconciles: say so, or alerts on
    // modelops_leader would see no leader at all.
    controller_->startLeading();
    metrics_.setLeader(true);
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
  sequence.add("events", [this](std::chrono::milliseconds left) {
    events_.stop(std::min(left, std::chrono::milliseconds(500)));
  });
  sequence.add("informers", [this](std::chrono::milliseconds) { informers_.stopAll(); });
  sequence.add("http", [this](std::chrono::milliseconds) {
    probes_.stop();
    metricsHttp_.stop();
  });
  return sequence.run(options_.shutdownBudget) ? 0 : 1;
}

}  // namespace modelops::runtime
