// AnalysisGauges; see include/modelops/reconciler/analysis_gauges.h.
#include "modelops/reconciler/analysis_gauges.h"

#include <cmath>
#include <cstdint>
#include <limits>

namespace modelops::reconciler {

AnalysisGauges::AnalysisGauges(prometheus::Registry& registry)
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

void AnalysisGauges::remove(Series& s) {
  if (s.value) value_.Remove(s.value);
  if (s.lowerBound) lowerBound_.Remove(s.lowerBound);
  if (s.samples) samples_.Remove(s.samples);
  s = Series{};
}

void AnalysisGauges::record(const std::string& ns, const std::string& name, std::int64_t revision,
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
void AnalysisGauges::removeIf(const std::string& ns, const std::string& name, Drop drop) {
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

void AnalysisGauges::retain(const std::string& ns, const std::string& name, const std::set<std::int64_t>& revisions) {
  std::lock_guard lock(mu_);
  removeIf(ns, name, [&](std::int64_t revision) { return !revisions.contains(revision); });
}

void AnalysisGauges::forget(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  removeIf(ns, name, [](std::int64_t) { return true; });
}

}  // namespace modelops::reconciler
