// Controller implementation. See controller.h for the contract.
// Thread-safety: leading_, inFlight_ and epoch_ under mu_; the queue has its own lock.
#include "modelops/runtime/controller.h"

#include "modelops/common/logging.h"
#include "modelops/runtime/metrics.h"

namespace modelops::runtime {

Controller::Controller(Reconciler& reconciler, WorkQueue& queue, kube::KubeClient& client, Clock& clock,
                       const InformerSet& caches, EventRecorder* events, RuntimeMetrics* metrics,
                       ControllerOptions options)
    : reconciler_(reconciler),
      queue_(queue),
      client_(client),
      clock_(clock),
      caches_(caches),
      events_(events),
      metrics_(metrics),
      options_(std::move(options)) {
  queue_.pause();  // nothing is handed out before leadership
}

Controller::~Controller() {
  queue_.shutDown();
  cancelEpoch();
  for (auto& t : workers_) {
    if (t.joinable()) t.join();
  }
}

void Controller::start() {
  if (!workers_.empty()) return;
  for (int i = 0; i < std::max(1, options_.workers); ++i) workers_.emplace_back([this] { work(); });
}

void Controller::startLeading() {
  {
    std::lock_guard lock(mu_);
    if (leading_) return;
    leading_ = true;
    // The elector's term token fires the moment the lease is lost, before onStoppedLeading runs.
    // A term that already ended hands out a fired token: its reconciles write nothing.
    epoch_ = fence_ ? fence_->termToken() : CancelToken();
  }
  logInfo("controller started leading", {{"controller", options_.name}});
  queue_.resume();
}

bool Controller::stopLeading(std::chrono::milliseconds grace) {
  queue_.pause();
  cancelEpoch();
  bool stopped = waitForNoneInFlight(grace);
  logInfo("controller stopped leading", {{"controller", options_.name}, {"inFlightFinished", stopped}});
  return stopped;
}

bool Controller::leading() const {
  std::lock_guard lock(mu_);
  return leading_;
}

bool Controller::shutdown(std::chrono::milliseconds grace) {
  queue_.shutDown();
  {
    std::lock_guard lock(mu_);
    leading_ = false;
  }
  bool finished = waitForNoneInFlight(grace);
  if (!finished) {
    cancelEpoch();  // ask the stragglers to hurry; the destructor joins them
    return false;
  }
  for (auto& t : workers_) {
    if (t.joinable()) t.join();
  }
  return true;
}

void Controller::cancelEpoch() {
  CancelToken epoch;
  {
    std::lock_guard lock(mu_);
    leading_ = false;
    epoch = epoch_;
  }
  epoch.cancel();
}

std::size_t Controller::inFlight() const {
  std::lock_guard lock(mu_);
  return inFlight_;
}

bool Controller::waitForNoneInFlight(std::chrono::milliseconds grace) {
  std::unique_lock lock(mu_);
  return idle_.wait_for(lock, grace, [&] { return inFlight_ == 0; });
}

void Controller::work() {
  while (auto key = queue_.get()) {
    CancelToken token;
    bool run = false;
    {
      std::lock_guard lock(mu_);
      if (leading_) {
        inFlight_++;
        token = epoch_;
        run = true;
      }
    }
    if (!run) {
      // Popped just as leadership ended: put it back for the next leader term.
      queue_.done(*key);
      queue_.add(*key);
      continue;
    }
    auto [ns, name] = splitObjectKey(*key);
    ReconcileRequest request{ns, name};
    FencedClient fenced(client_, fence_, token);
    ReconcileContext context{fenced, clock_, caches_, events_, token};
    auto started = clock_.monotonic();
    ReconcileResult result;
    try {
      result = reconciler_.reconcile(request, context);
    } catch (const std::exception& e) {
      result = ReconcileResult::failed(std::string("reconciler threw: ") + e.what());
    }
    double seconds = std::chrono::duration<double>(clock_.monotonic() - started).count();
    std::string outcome;
    if (result.error) {
      outcome = "error";
      queue_.addRateLimited(*key);
      logWarn("reconcile failed", {{"object", objectRef(ns, name)}, {"err", *result.error},
                                   {"requeues", queue_.numRequeues(*key)}});
    } else if (result.requeueAfter) {
      outcome = "requeue_after";
      queue_.forget(*key);
      queue_.addAfter(*key, *result.requeueAfter);
    } else {
      outcome = "success";
      queue_.forget(*key);
    }
    if (metrics_) metrics_->reconcileFinished(outcome, seconds);
    queue_.done(*key);
    {
      std::lock_guard lock(mu_);
      inFlight_--;
    }
    idle_.notify_all();
  }
}

EventHandler Controller::enqueueHandler() {
  return {[this](const Json& o) { enqueue(objectKey(o)); },
          [this](const Json&, const Json& o) { enqueue(objectKey(o)); },
          [this](const Json& o) { enqueue(objectKey(o)); }};
}

EventHandler Controller::ownerHandler(std::string ownerKind, std::string ownerGroup) {
  auto toOwner = [this, ownerKind, ownerGroup](const Json& o) {
    if (auto key = controllerOwnerKey(o, ownerKind, ownerGroup)) enqueue(*key);
  };
  return {toOwner,
          [toOwner](const Json& before, const Json& after) {
            toOwner(before);  // the owner may have changed: both hear about it (deduplicated)
            toOwner(after);
          },
          toOwner};
}

std::optional<std::string> controllerOwnerKey(const Json& object, const std::string& kind, const std::string& group) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return std::nullopt;
  auto owners = meta->find("ownerReferences");
  if (owners == meta->end() || !owners->is_array()) return std::nullopt;
  for (auto& ref : *owners) {
    if (!ref.is_object() || ref.value("controller", false) != true) continue;
    if (ref.value("kind", "") != kind) continue;
    std::string apiVersion = ref.value("apiVersion", "");
    if (apiVersion.rfind(group + "/", 0) != 0) continue;
    std::string name = ref.value("name", "");
    if (name.empty()) continue;
    return objectKey(meta->value("namespace", ""), name);
  }
  return std::nullopt;
}

}  // namespace modelops::runtime
