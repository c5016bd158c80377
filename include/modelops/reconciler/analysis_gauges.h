// AnalysisGauges: the latest verdict of each metric of each ModelDeployment on /metrics:
//   modelops_analysis_accuracy{namespace, name, revision, metric}      point value
//   modelops_analysis_lower_bound{namespace, name, revision, metric}   lower confidence bound
//   modelops_analysis_samples{namespace, name, revision, metric}       labelled predictions judged
// One series per (ModelDeployment, revision, metric), so the variants of an A/B test each have their own.
// retain() drops the series of revisions the ModelDeployment no longer runs (a rolled-back canary, a
// replaced stable) and forget() all of them when it is gone, so cardinality stays bounded by the
// revisions in status.
// The reconciler takes this interface; makeAnalysisGauges() registers the Prometheus implementation in
// the process's MetricsRegistry (prometheus-cpp stays out of this header).
// Thread-safety: all members may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "modelops/analysis/verdict.h"

namespace modelops::runtime {
class MetricsRegistry;
}

namespace modelops::reconciler {

class AnalysisGauges {
 public:
  virtual ~AnalysisGauges() = default;
  virtual void record(const std::string& ns, const std::string& name, std::int64_t revision,
                      const analysis::Verdict& verdict) = 0;
  // Keeps only the series of `revisions` (stable, canary, A/B variants) for this ModelDeployment.
  virtual void retain(const std::string& ns, const std::string& name, const std::set<std::int64_t>& revisions) = 0;
  virtual void forget(const std::string& ns, const std::string& name) = 0;
};

// The gauges above, registered in `registry` (which must outlive them).
std::unique_ptr<AnalysisGauges> makeAnalysisGauges(runtime::MetricsRegistry& registry);

}  // namespace modelops::reconciler
