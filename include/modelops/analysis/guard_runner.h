// The guard runner: one measurement of the label-free guards of spec.analysis.guards (api/guards.h) for a
// canary and its stable revision. Renders each guard's query templates per revision, asks the provider
// of the metric named by guards.providerFrom (through the same ProviderFactory as the metrics, so the
// same limits, credentials and destination policy apply), turns samples into counts and asks the guard
// statistics (guards.h) for one Verdict per declared guard.
// Counts from samples: the sum of every series of a query; the class-distribution query is summed per
// value of its class label (series without it are ignored and named in the reason). "No data" never
// becomes zero: no series, or a NaN/Inf series, is no data (Inconclusive). A provider failure is an Error
// verdict for that guard. Without a stable revision the guards that compare with stable are not
// applicable and pass with that reason (as the accuracy judge skips its comparison with stable).
// Thread-safety: measure() is const; safe to call concurrently if the factory is.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "modelops/analysis/guards.h"
#include "modelops/analysis/runner.h"
#include "modelops/api/guards.h"
#include "modelops/api/model_deployment.h"

namespace modelops::analysis {

// The resolved guards: defaults applied and every guard's share of the error budget.
struct GuardPlan {
  api::GuardsSpec spec;
  double confidence = 0.95;  // the analysis' budget the guards share
  double alphaEach = 0.05;   // each guard's error: (1 - confidence) / (guards + the accuracy tests)
  double minSamples = 100;
};

// guards.confidence, else the first accuracy metric's confidence, else 0.95. The budget is split over
// the declared guards and the first accuracy metric's declared tests (floor, vs stable, segment family),
// which in turn count the guards among their tests (AccuracyCriteria::guardTests).
GuardPlan planGuards(const api::GuardsSpec& guards, const std::vector<api::Metric>& metrics);

// The verdict an estimatedAccuracy early warning gets once labels have spoken: a failing estimate is
// overruled (Pass, with the reason) when a labelled accuracy metric passed in the same measurement and
// the guard does not roll back by itself; otherwise the verdict is returned unchanged.
Verdict overruleEstimate(Verdict estimate, const std::vector<Verdict>& metricVerdicts,
                         const std::vector<api::Metric>& metrics, const api::GuardsSpec& guards);

class GuardRunner {
 public:
  explicit GuardRunner(ProviderFactory factory) : factory_(std::move(factory)) {}

  // `provider`: the MetricSpec of the providerFrom metric (its provider and resolved credentials).
  std::vector<Verdict> measure(const GuardPlan& plan, const MetricSpec& provider, const TemplateVars& canary,
                               const std::optional<TemplateVars>& stable, const CancelToken& cancel) const;

 private:
  ProviderFactory factory_;
};

}  // namespace modelops::analysis
