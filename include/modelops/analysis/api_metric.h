// Adapter from the API's metric (api::Metric, spec.analysis.metrics[]) to the runner's MetricSpec.
// The rollout engine resolves what needs the cluster first and passes it in ProviderSecrets: the
// bearer token or basic-auth pair read from the referenced Secret, and the CA (caSecretRef) as PEM text
// (kept in memory, never written to a file). Absent defaulted fields get the API defaults (confidence 0.95,
// minSamples 100, segments inherit min/minSamples/confidence from accuracy, timeout 10s, web method GET), so
// the adapter also works on a spec that was not defaulted.
// Errors (code "InvalidSpec", message with the field) for what validation should already have rejected:
// no provider or both kinds, accuracy without successes/trials, threshold without a query.
// Thread-safety: pure function.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "modelops/analysis/runner.h"
#include "modelops/api/model_deployment.h"
#include "modelops/common/result.h"

namespace modelops::analysis {

struct ProviderSecrets {
  std::optional<std::string> bearerToken;
  std::optional<std::pair<std::string, std::string>> basicAuth;  // username, password
  std::string caPem;                                            // PEM CA bundle for https, empty: system CAs
};

Result<MetricSpec> metricSpecFromApi(const api::Metric& metric, const ProviderSecrets& secrets = {});

}  // namespace modelops::analysis
