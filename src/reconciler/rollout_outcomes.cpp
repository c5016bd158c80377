// RolloutOutcomes; see include/modelops/reconciler/rollout_outcomes.h.
#include "modelops/reconciler/rollout_outcomes.h"

#include <algorithm>

namespace modelops::reconciler {

RolloutOutcomes::RolloutOutcomes(prometheus::Registry& registry)
    : family_(prometheus::BuildCounter()
                  .Name("modelops_rollout_outcomes_total")
                  .Help("Rollouts ended, by status.history outcome (Promoted, RolledBack, Aborted, Degraded, Superseded)")
                  .Register(registry)) {}

void RolloutOutcomes::countNew(const std::string& ns, const std::string& name,
                               const std::vector<api::HistoryEntry>& before,
                               const std::vector<api::HistoryEntry>& after) {
  std::lock_guard lock(mu_);
  for (const auto& entry : after) {
    if (!entry.outcome || std::find(before.begin(), before.end(), entry) != before.end()) continue;
    auto& counter = series_[{ns, name, *entry.outcome}];
    if (!counter) counter = &family_.Add({{"namespace", ns}, {"name", name}, {"outcome", *entry.outcome}});
    counter->Increment();
  }
}

void RolloutOutcomes::forget(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  for (auto it = series_.lower_bound({ns, name, ""});
       it != series_.end() && std::get<0>(it->first) == ns && std::get<1>(it->first) == name;) {
    family_.Remove(it->second);
    it = series_.erase(it);
  }
}

}  // namespace modelops::reconciler
