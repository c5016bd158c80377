// AnalysisGauges; see include/modelops/reconciler/analysis_gauges.h.
#include "modelops/reconciler/analysis_gauges.h"

#include <prometheus/family.h>
#include <prometheus/gauge.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <tuple>

#include "runtime/prometheus_registry.h"

namespace modelops::reconciler {
namespace {

class PrometheusAnalysisGauges final : public AnalysisGauges {
 public:
  explicit PrometheusAnalysisGauges(prometheus::Registry& registry);
  void record(const std::string& ns, const std::string& name, std::int64_t revision,
              const analysis::Verdict& verdict) override;
  void retain(const std::string& ns, const std::string& name, const std::set<std::int64_t>& revisions) override;
  void forget(const std::string& ns, const std::string& name) override;

 private:
  struct Series {
    prometheus::Gauge* value = nullptr;
    prometheus::Gauge* lowerBound = nullptr;
    prometheus::Gauge* samples = nullptr;
  };
  void remove(Series& series);
  template <typename Drop>
  void removeIf(const std::string& ns, const std::string& name, Drop drop);

  prometheus::Family<prometheus::Gauge>& value_;
  prometheus::Family<prometheus::Gauge>& lowerBound_;
  prometheus::Family<prometheus::Gauge>& samples_;
  std::mutex mu_;
  using Key = std::tuple<std::string, std::string, std::int64_t, std::string>;  // (ns, name, revision, metric)
  std::map<Key, Series> series_;
};

PrometheusAnalysisGauges::PrometheusAnalysisGauges(prometheus::Registry& registry)
    : value_(prometheus::BuildGauge()
                 .Name("modelops_analysis_accuracy")
                 .Help("Latest measured value of an analysis metric (accuracy for accuracy metrics)")
                 .Register(registry)),
      lowerBound_(prometheus::BuildGauge()
                      .Name("modelops_analysis_lower_bound")
                      .Help("Lower confidence bound of the latest accuracy measurement")
                      .Register(registry)),
      samples_(prometheus::BuildGauge()
                   .Name("modelops_analysis_samples")
                   .Help("Labelled predictions the latest accuracy measurement is based on")
                   .Register(registry)) {}

void PrometheusAnalysisGauges::remove(Series& s) {
  if (s.value) value_.Remove(s.value);
  if (s.lowerBound) lowerBound_.Remove(s.lowerBound);
  if (s.samples) samples_.Remove(s.samples);
  s = Series{};
}

void PrometheusAnalysisGauges::record(const std::string& ns, const std::string& name, std::int64_t revision,
                            const analysis::Verdict& verdict) {
  std::lock_guard lock(mu_);
  auto& s = series_[{ns, name, revision, verdict.metric}];
  if (!s.value) {
    std::map<std::string, std::string> labels = {
        {"namespace", ns}, {"name", name}, {"revision", std::to_string(revision)}, {"metric", verdict.metric}};
    s.value = &value_.Add(labels);
    s.lowerBound = &lowerBound_.Add(labels);
    s.samples = &samples_.Add(labels);
  }
  // No data is NaN on the gauge, never zero (a zero would read as a measured accuracy of 0).
  const double nan = std::numeric_limits<double>::quiet_NaN();
  s.value->Set(verdict.value.value_or(nan));
  s.lowerBound->Set(verdict.lowerBound.value_or(nan));
  s.samples->Set(verdict.samples);
}

template <typename Drop>
void PrometheusAnalysisGauges::removeIf(const std::string& ns, const std::string& name, Drop drop) {
  // The map is ordered by (ns, name, ...): this object's series are one contiguous range.
  for (auto it = series_.lower_bound({ns, name, std::numeric_limits<std::int64_t>::min(), ""});
       it != series_.end() && std::get<0>(it->first) == ns && std::get<1>(it->first) == name;) {
    if (drop(std::get<2>(it->first))) {
      remove(it->second);
      it = series_.erase(it);
    } else {
      ++it;
    }
  }
}

void PrometheusAnalysisGauges::retain(const std::string& ns, const std::string& name, const std::set<std::int64_t>& revisions) {
  std::lock_guard lock(mu_);
  removeIf(ns, name, [&](std::int64_t revision) { return !revisions.contains(revision); });
}

void PrometheusAnalysisGauges::forget(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  removeIf(ns, name, [](std::int64_t) { return true; });
}

}  // namespace

std::unique_ptr<AnalysisGauges> makeAnalysisGauges(runtime::MetricsRegistry& registry) {
  return std::make_unique<PrometheusAnalysisGauges>(runtime::prometheusRegistry(registry));
}

}  // namespace modelops::reconciler
