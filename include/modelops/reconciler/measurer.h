// Measurer: what the reconciler asks when the planner says an analysis measurement is due. The
// production implementation (AnalysisMeasurer) runs every metric of spec.analysis through the
// analysis runner against its provider; tests use a fake that returns chosen verdicts.
// Thread-safety: measure() may be called from several reconcile workers at once.
#pragma once

#include "modelops/analysis/runner.h"
#include "modelops/api/model_deployment.h"
#include "modelops/common/cancel.h"
#include "modelops/rollout/planner.h"

namespace modelops::reconciler {

class Measurer {
 public:
  virtual ~Measurer() = default;
  virtual rollout::Measurement measure(const api::ModelDeployment& md, const rollout::MeasurementRequest& request,
                                       const CancelToken& cancel) = 0;
};

// Runs each metric with analysis::AnalysisRunner. Metrics whose provider needs a Secret (bearer
// token, basic auth, CA) are measured without it for now (see the closing note of issue 6).
class AnalysisMeasurer final : public Measurer {
 public:
  explicit AnalysisMeasurer(analysis::AnalysisRunner runner = analysis::AnalysisRunner()) : runner_(std::move(runner)) {}
  rollout::Measurement measure(const api::ModelDeployment& md, const rollout::MeasurementRequest& request,
                               const CancelToken& cancel) override;

 private:
  analysis::AnalysisRunner runner_;
};

}  // namespace modelops::reconciler
