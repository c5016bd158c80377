// RolloutOutcomes: how rollouts ended, on /metrics:
//   modelops_rollout_outcomes_total{namespace, name, outcome}   counter
// outcome is a status.history outcome (Promoted, RolledBack, Aborted, Degraded, Superseded). The reconciler
// counts each history entry a pass adds, after the status that holds it was written, so an alert on
// increase(...{outcome="RolledBack"}) fires once per rollback. Counts are per operator process (they start
// at 0 after a restart, as counters do); forget() drops a deleted ModelDeployment's series.
// The reconciler takes this interface; makeRolloutOutcomes() registers the Prometheus implementation in
// the process's MetricsRegistry (prometheus-cpp stays out of this header).
// Thread-safety: all members may be called from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "modelops/api/model_deployment.h"

namespace modelops::runtime {
class MetricsRegistry;
}

namespace modelops::reconciler {

class RolloutOutcomes {
 public:
  virtual ~RolloutOutcomes() = default;
  // Counts the entries of `after` that `before` does not hold (history is pruned from the old end, so
  // an entry is new when no equal entry was there before).
  virtual void countNew(const std::string& ns, const std::string& name, const std::vector<api::HistoryEntry>& before,
                        const std::vector<api::HistoryEntry>& after) = 0;
  virtual void forget(const std::string& ns, const std::string& name) = 0;
};

// The counter above, registered in `registry` (which must outlive it).
std::unique_ptr<RolloutOutcomes> makeRolloutOutcomes(runtime::MetricsRegistry& registry);

}  // namespace modelops::reconciler
