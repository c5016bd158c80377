// RolloutOutcomes; see include/modelops/reconciler/rollout_outcomes.h.
#include "modelops/reconciler/rollout_outcomes.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <tuple>

#include "runtime/prometheus_registry.h"

namespace modelops::reconciler {
namespace {

class PrometheusRolloutOutcomes final : public RolloutOutcomes {
 public:
  explicit PrometheusRolloutOutcomes(prometheus::Registry& registry);
  void countNew(const std::string& ns, const std::string& name, const std::vector<api::HistoryEntry>& before,
                const std::vector<api::HistoryEntry>& after) override;
  void forget(const std::string& ns, const std::string& name) override;

 private:
  prometheus::Family<prometheus::Counter>& family_;
  std::mutex mu_;
  std::map<std::tuple<std::string, std::string, std::string>, prometheus::Counter*> series_;  // (ns, name, outcome)
};

PrometheusRolloutOutcomes::PrometheusRolloutOutcomes(prometheus::Registry& registry)
    : family_(prometheus::BuildCounter()
                  .Name("modelops_rollout_outcomes_total")
                  .Help("Rollouts ended, by status.history outcome (Promoted, RolledBack, Aborted, Degraded, Superseded)")
                  .Register(registry)) {}

void PrometheusRolloutOutcomes::countNew(const std::string& ns, const std::string& name,
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

void PrometheusRolloutOutcomes::forget(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  for (auto it = series_.lower_bound({ns, name, ""});
       it != series_.end() && std::get<0>(it->first) == ns && std::get<1>(it->first) == name;) {
    family_.Remove(it->second);
    it = series_.erase(it);
  }
}

}  // namespace

std::unique_ptr<RolloutOutcomes> makeRolloutOutcomes(runtime::MetricsRegistry& registry) {
  return std::make_unique<PrometheusRolloutOutcomes>(runtime::prometheusRegistry(registry));
}

}  // namespace modelops::reconciler
