// ModelDeploymentReconciler: the level-based reconcile of one ModelDeployment. It reads everything
// from the informer caches; when an analysis measurement is due it asks the MeasurementPool: a
// finished result goes to the planner (with the time it was taken as the pass's `now`, so the run
// times in status and the interval are those of the measurement), otherwise the pool measures in the
// background and re-queues the key when done - a reconcile never waits on a metrics provider. It calls
// the pure planner, and applies the Plan in the order planner.h prescribes: grow children, write traffic,
// then shrink and delete, then status (through /status with the resourceVersion read; 409 requeues),
// then Events. A reconcile that finds everything as desired makes no write. It never writes spec.
// A reconcile whose cache does not yet show the status this process last wrote waits for it
// (WrittenVersions: read-your-writes), so a stale read never undoes a recorded decision.
// Thread-safety: reconcile() may run concurrently for different keys (the work queue guarantees one
// worker per key); its only mutable state, the written versions and the pool, are thread-safe.
#pragma once

#include <functional>
#include <memory>

#include "modelops/reconciler/analysis_gauges.h"
#include "modelops/reconciler/measurement_pool.h"
#include "modelops/reconciler/measurer.h"
#include "modelops/reconciler/rollout_outcomes.h"
#include "modelops/reconciler/written_versions.h"
#include "modelops/rollout/planner.h"
#include "modelops/runtime/controller.h"
#include "modelops/traffic/router.h"
#include "modelops/notify/notifier.h"

namespace modelops::reconciler {

using Json = nlohmann::json;
using RouterFactory =
    std::function<std::unique_ptr<traffic::TrafficRouter>(const api::ModelDeployment&, kube::KubeClient&)>;

struct ReconcilerOptions {
  // Both set, or analysis steps wait (no verdicts). The measurer runs on the pool's threads.
  Measurer* measurer = nullptr;
  MeasurementPool* measurements = nullptr;
  // When the pool's queue is full: try again after this long.
  std::chrono::milliseconds busyRequeue{std::chrono::seconds(2)};
  AnalysisGauges* gauges = nullptr;      // may be null
  RolloutOutcomes* outcomes = nullptr;   // may be null
  // The second event sink: each Event recorded goes to it too (notifications; it only enqueues). May be null.
  notify::EventNotifier* notifier = nullptr;
  RouterFactory routers = traffic::makeRouter;
  // Requeue while waiting for children the informers will report anyway (a safety net, not a poll).
  std::chrono::milliseconds waitRequeue{std::chrono::seconds(10)};
  // Requeue while the cache has not shown our own status write yet (its watch event normally comes first).
  std::chrono::milliseconds cacheLagRequeue{std::chrono::seconds(1)};
};

class ModelDeploymentReconciler final : public runtime::Reconciler {
 public:
  explicit ModelDeploymentReconciler(ReconcilerOptions options) : options_(std::move(options)) {}
  runtime::ReconcileResult reconcile(const runtime::ReconcileRequest& request,
                                     runtime::ReconcileContext& context) override;

 private:
  struct MeasurementStep;
  MeasurementStep measurementFor(const runtime::ReconcileRequest& request, const runtime::ReconcileContext& ctx,
                                 const rollout::PlanInput& in);
  ReconcilerOptions options_;
  WrittenVersions writes_;
};

}  // namespace modelops::reconciler
