// Measurer: what the reconciler asks when the planner says an analysis measurement is due. The
// production implementation (AnalysisMeasurer) runs every metric of spec.analysis through the
// analysis runner against its provider; tests use a fake that returns chosen verdicts. Measurements
// run on the MeasurementPool's threads, never on a reconcile worker (measurement_pool.h).
// Thread-safety: measure() may be called from several pool threads at once.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelops/analysis/runner.h"
#include "modelops/api/model_deployment.h"
#include "modelops/common/cancel.h"
#include "modelops/rollout/planner.h"

namespace modelops::reconciler {

// The label a Secret's owner sets to let ModelDeployments use it as provider credentials.
inline constexpr std::string_view kProviderCredentialsLabel = "modelops.dev/provider-credentials";

class Measurer {
 public:
  virtual ~Measurer() = default;
  virtual rollout::Measurement measure(const api::ModelDeployment& md, const rollout::MeasurementRequest& request,
                                       const CancelToken& cancel) = 0;
};

// A Secret as the informer cache holds it; nullopt when it has none of that name.
using SecretLookup = std::function<std::optional<nlohmann::json>(const std::string& ns, const std::string& name)>;

// Runs each metric with analysis::AnalysisRunner. Provider credentials named in the spec (a bearer
// token, a basic-auth pair, a CA bundle) come from Secrets in the ModelDeployment's own namespace,
// looked up in the Secret informer's cache at each measurement (so rotated Secrets are picked up).
// With requireLabel, only a Secret labelled modelops.dev/provider-credentials: "true" is used. A
// Secret that is missing, unlabelled, lacks the key or is not valid base64 gets one message, "not
// usable", which does not reveal which (nor whether the Secret exists); the metric's verdict is an
// Error (never a pass, never a fail). CA data stays in memory.
class AnalysisMeasurer final : public Measurer {
 public:
  explicit AnalysisMeasurer(SecretLookup secrets = {}, bool requireLabel = true,
                            analysis::AnalysisRunner runner = analysis::AnalysisRunner())
      : secrets_(std::move(secrets)), requireLabel_(requireLabel), runner_(std::move(runner)) {}
  rollout::Measurement measure(const api::ModelDeployment& md, const rollout::MeasurementRequest& request,
                               const CancelToken& cancel) override;

 private:
  SecretLookup secrets_;
  bool requireLabel_;
  analysis::AnalysisRunner runner_;
};

// "scheme://host:port" of every provider spec.analysis queries (sorted, unique): the pool limits
// concurrent measurements per provider. A templated web URL counts by its literal prefix.
std::vector<std::string> measurementProviders(const api::ModelDeployment& md);

}  // namespace modelops::reconciler
