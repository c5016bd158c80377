// AnalysisGauges: the latest verdict of each metric of each ModelDeployment on /metrics:
//   modelops_analysis_accuracy{namespace, name, revision, metric}      point value
//   modelops_analysis_lower_bound{namespace, name, revision, metric}   lower confidence bound
//   modelops_analysis_samples{namespace, name, revision, metric}       labelled predictions judged
// One series per (ModelDeployment, metric): a new revision replaces the previous revision's series, and
// forget() drops them when the ModelDeployment is gone, so cardinality stays bounded.
// Thread-safety: all members may be called from any thread.
#pragma once

#include <map>
#include <memory>
#include <mutex>
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
  void forget(const std::string& ns, const std::string& name);

 private:
  struct Series {
    std::int64_t revision = 0;
    prometheus::Gauge* value = nullptr;
    prometheus::Gauge* lowerBound = nullptr;
    prometheus::Gauge* samples = nullptr;
  };
  void remove(Series& series);

  prometheus::Family<prometheus::Gauge>& value_;
  prometheus::Family<prometheus::Gauge>& lowerBound_;
  prometheus::Family<prometheus::Gauge>& samples_;
  std::mutex mu_;
  std::map<std::tuple<std::string, std::string, std::string>, Series> series_;  // (ns, name, metric)
};

}  // namespace modelops::reconciler
