// AnalysisGauges: the latest verdict of each metric of each ModelDeployment on /metrics:
//   modelops_analysis_accuracy{namespace, name, revision, metric}      point value
//   modelops_analysis_lower_bound{namespace, name, revision, metric}   lower confidence bound
//   modelops_analysis_samples{namespace, name, revision, metric}       labelled predictions judged
// One series per (ModelDeployment, revision, metric), so the variants of an A/B test each have their own.
// retain() drops the series of revisions the ModelDeployment no longer runs (a rolled-back canary, a
// replaced stable) and forget() all of them when it is gone, so cardinality stays bounded by the
// revisions in status.
// Thread-safety: all members may be called from any thread.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <tuple>

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "modelops/analysis/verdict.h"

namespace modelops::reconciler {

class AnalysisGauges {
 public:
  explicit AnalysisGauges(prometheus::Registry& registry);
  void record(const std::string& ns, const std::string& name, std::int64_t revision, const analysis::Verdict& verdict);
  // Keeps only the series of `revisions` (stable, canary, A/B variants) for this ModelDeployment.
  void retain(const std::string& ns, const std::string& name, const std::set<std::int64_t>& revisions);
  void forget(const std::string& ns, const std::string& name);

 private:
  struct Series {
    prometheus::Gauge* value = nullptr;
    prometheus::Gauge* lowerBound = nullptr;
    prometheus::Gauge* samples = nullptr;
  };
  void remove(Series& series);

  prometheus::Family<prometheus::Gauge>& value_;
  prometheus::Family<prometheus::Gauge>& lowerBound_;
  prometheus::Family<prometheus::Gauge>& samples_;
  std::mutex mu_;
  using Key = std::tuple<std::string, std::string, std::int64_t, std::string>;  // (ns, name, revision, metric)
  template <typename Drop>
  void removeIf(const std::string& ns, const std::string& name, Drop drop);
  std::map<Key, Series> series_;
};

}  // namespace modelops::reconciler
