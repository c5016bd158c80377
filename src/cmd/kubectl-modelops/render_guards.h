// The `get` tree's lines for the label-free guards (spec.analysis.guards): one line per guard with its
// verdict, value, always-valid bounds, n, the segment it names (the most shifted class for the class
// distribution, else "all"), its limit from the spec and what it waits for (from the analysis progress in
// status: minSamples, or the further predictions it projects), then its reason.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "modelops/api/model_deployment.h"
#include "render.h"

namespace modelops::plugin {

// True for runs of guards ("guard:classDistribution").
bool isGuardRun(const api::AnalysisRun& run);

// What a guard's latest verdict waits for, from status.analysis.progress (`progress`, may be null):
// "minSamples (about 300 more predictions)", "about 1200 more predictions", or "-" when it decided.
std::string guardWaitingFor(const std::optional<api::AnalysisProgressStatus>& progress, const std::string& guard);

// The lines of one guard run (two-space indented, newline-terminated).
std::string renderGuardRun(const api::ModelDeployment& md, const api::AnalysisRun& run, const Style& style);

}  // namespace modelops::plugin
