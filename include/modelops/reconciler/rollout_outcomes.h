// RolloutOutcomes: how rollouts ended, on /metrics:
//   modelops_rollout_outcomes_total{namespace, name, outcome}   counter
// outcome is a status.history outcome (Promoted, RolledBack, Aborted, Degraded, Superseded). The reconciler
// counts each history entry a pass adds, after the status that holds it was written, so an alert on
// increase(...{outcome="RolledBack"}) fires once per rollback. Counts are per operator process (they start
// at 0 after a restart, as counters do); forget() drops a deleted ModelDeployment's series.
// Thread-safety: all members may be called from any thread.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include "modelops/api/model_deployment.h"

namespace modelops::reconciler {

class RolloutOutcomes {
 public:
  explicit RolloutOutcomes(prometheus::Registry& registry);
  // Counts the entries of `after` that `before` does not hold (history is pruned from the old end, so
  // an entry is new when no equal entry was there before).
  void countNew(const std::string& ns, const std::string& name, const std::vector<api::HistoryEntry>& before,
                const std::vector<api::HistoryEntry>& after);
  void forget(const std::string& ns, const std::string& name);

 private:
  prometheus::Family<prometheus::Counter>& family_;
  std::mutex mu_;
  std::map<std::tuple<std::string, std::string, std::string>, prometheus::Counter*> series_;  // (ns, name, outcome)
};

}  // namespace modelops::reconciler
