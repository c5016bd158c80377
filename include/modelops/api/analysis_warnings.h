// Warnings about a valid spec that will not mean what its author likely expects (returned by the
// admission webhook, which kubectl prints on apply). Today: a metric whose counts feed a test that
// needs counts since the analysis started (the comparison with stable, segments compared with stable,
// monitoring's change detector) but whose Prometheus queries use a fixed range such as [10m].
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "modelops/api/model_deployment.h"

namespace modelops::api {

// One line per problem, naming the field: "spec.analysis.metrics[0].successes: ...". `md` is defaulted.
std::vector<std::string> analysisWarnings(const ModelDeployment& md);

// The range selectors ("[10m]", "[1h:5m]") of a PromQL template other than [{{analysis.elapsed}}].
std::vector<std::string> fixedRanges(std::string_view promql);

}  // namespace modelops::api
