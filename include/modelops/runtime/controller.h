// Controller: N worker threads that pop object keys from the WorkQueue and call the Reconciler
// (level-based, controller-runtime style: the request names only namespace/name and the reconciler
// reads current state from the informer caches in its context). The ReconcileResult decides what
// happens next: error -> re-queue with per-key backoff; requeueAfter -> timed re-queue (backoff
// reset); otherwise done (backoff reset). Outcomes and durations go to RuntimeMetrics.
// Leadership gate: workers take work only between startLeading() and stopLeading(). stopLeading()
// pauses the queue, cancels the in-flight reconciles' CancelToken and waits (bounded) until none
// is running; once it returns true, no reconcile runs or starts until startLeading(). A key popped
// in the race window is put back unprocessed.
// Fencing: each reconcile's context carries the term's CancelToken and a FencedClient bound to it
// (fenced_client.h): with a LeaseFence set (the leader elector), no write of the reconcile is sent
// once the lease is no longer held on this process's clock or the term ended, and one in flight is
// aborted; without one, writes stop when stopLeading() cancels the term.
// Owned kinds map back to their owner: ownerHandler() enqueues the key of the controller
// ownerReference of the given kind (e.g. a Deployment -> its ModelDeployment).
// Thread-safety: all public members are safe to call from any thread; start() once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "modelops/common/cancel.h"
#include "modelops/common/clock.h"
#include "modelops/kube/client.h"
#include "modelops/runtime/fenced_client.h"
#include "modelops/runtime/informer.h"
#include "modelops/runtime/work_queue.h"

namespace modelops::runtime {

class EventRecorder;
class RuntimeMetrics;

struct ReconcileRequest {
  std::string ns;
  std::string name;
  std::string key() const { return objectKey(ns, name); }
};

struct ReconcileResult {
  std::optional<std::chrono::milliseconds> requeueAfter;
  std::optional<std::string> error;

  static ReconcileResult done() { return {}; }
  static ReconcileResult after(std::chrono::milliseconds d) { return {d, std::nullopt}; }
  static ReconcileResult failed(std::string message) { return {std::nullopt, std::move(message)}; }
};

// What a reconcile may use. The cancel token fires when leadership is lost or on shutdown: long
// reconciles should check it between writes and pass it to the client's write verbs. `client` is
// fenced: its writes are refused once the lease is lost (see the header comment).
struct ReconcileContext {
  kube::KubeClient& client;
  Clock& clock;
  const InformerSet& caches;
  EventRecorder* events;  // may be null
  CancelToken cancel;
};

class Reconciler {
 public:
  virtual ~Reconciler() = default;
  virtual ReconcileResult reconcile(const ReconcileRequest& request, ReconcileContext& context) = 0;
};

struct ControllerOptions {
  std::string name = "modeldeployment";
  int workers = 2;
};

class Controller {
 public:
  Controller(Reconciler& reconciler, WorkQueue& queue, kube::KubeClient& client, Clock& clock,
             const InformerSet& caches, EventRecorder* events = nullptr, RuntimeMetrics* metrics = nullptr,
             ControllerOptions options = {});
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  void start();
  // The lease every reconcile's writes are checked against (before start(); may be null). Each term
  // then runs under fence->termToken().
  void setFence(const LeaseFence* fence) { fence_ = fence; }
  void startLeading();
  // Stops taking work and waits up to grace for in-flight reconciles. False when some are still
  // running (the caller should then exit the process: it can no longer prove it stopped).
  bool stopLeading(std::chrono::milliseconds grace);
  bool leading() const;
  // Stops taking work, waits up to grace for in-flight reconciles, joins the workers (only when
  // they finished; a stuck worker is left for the destructor). False when the grace ran out.
  bool shutdown(std::chrono::milliseconds grace);

  void enqueue(const std::string& key) { queue_.add(key); }
  // Handler for the primary kind: enqueues the object's own key.
  EventHandler enqueueHandler();
  // Handler for an owned kind: enqueues the key of the object's controller owner of ownerKind
  // (apiVersion in ownerGroup); objects without such an owner are ignored.
  EventHandler ownerHandler(std::string ownerKind = "ModelDeployment", std::string ownerGroup = "modelops.dev");

  std::size_t inFlight() const;

 private:
  void work();
  bool waitForNoneInFlight(std::chrono::milliseconds grace);
  void cancelEpoch();  // leading_ = false and cancel the current term's token

  Reconciler& reconciler_;
  WorkQueue& queue_;
  kube::KubeClient& client_;
  Clock& clock_;
  const InformerSet& caches_;
  EventRecorder* events_;
  RuntimeMetrics* metrics_;
  ControllerOptions options_;
  const LeaseFence* fence_ = nullptr;

  mutable std::mutex mu_;
  std::condition_variable idle_;
  bool leading_ = false;
  std::size_t inFlight_ = 0;
  CancelToken epoch_;  // cancelled when leadership ends; replaced on the next startLeading()
  std::vector<std::thread> workers_;
};

// "ns/ownerName" of the ownerReference with controller: true, the given kind and an apiVersion in
// the given group; nullopt when there is none.
std::optional<std::string> controllerOwnerKey(const Json& object, const std::string& kind, const std::string& group);

}  // namespace modelops::runtime
