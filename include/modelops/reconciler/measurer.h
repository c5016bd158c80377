// Measurer: what the reconciler asks when the planner says an analysis measurement is due. The
// production implementation (AnalysisMeasurer) runs every metric of spec.analysis through the
// analysis runner against its provider; tests use a fake that returns chosen verdicts.
// Thread-safety: measure() may be called from several reconcile workers at once.
#pragma once

#include "modelops/analysis/runner.h"
#include "modelops/api/model_deployment.h"
#include "modelops/common/cancel.h"
#include "modelops/kube/client.h"
#include "modelops/rollout/planner.h"

namespace modelops::reconciler {

class Measurer {
 public:
  virtual ~Measurer() = default;
  virtual rollout::Measurement measure(const api::ModelDeployment& md, const rollout::MeasurementRequest& request,
                                       const CancelToken& cancel) = 0;
};

// Runs each metric with analysis::AnalysisRunner. Provider credentials named in the spec (a bearer
// token, a basic-auth pair, a CA bundle) are read from Secrets in the ModelDeployment's namespace at
// each measurement (so rotated Secrets are picked up); a CA is written to a private 0600 file for the
// duration of the measurement. A Secret that cannot be read makes that metric's verdict an Error.
class AnalysisMeasurer final : public Measurer {
 public:
  explicit AnalysisMeasurer(kube::KubeClient* secrets = nullptr,
                            analysis::AnalysisRunner runner = analysis::AnalysisRunner())
      : secrets_(secrets), runner_(std::move(runner)) {}
  rollout::Measurement measure(const api::ModelDeployment& md, const rollout::MeasurementRequest& request,
                               const CancelToken& cancel) override;

 private:
  kube::KubeClient* secrets_;
  analysis::AnalysisRunner runner_;
};

}  // namespace modelops::reconciler
