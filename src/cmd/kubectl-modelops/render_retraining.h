// The `get` tree's retraining section (spec.retraining / status.retraining): the triggers and action, the
// run in flight, a run waiting for the cooldown, the latest finished runs, and, when a candidate exists,
// the exact change that adopts it (a `kubectl patch` command and the YAML to commit), or with rollout
// Automatic what the operator did with it.
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "modelops/api/model_deployment.h"
#include "modelops/common/time.h"
#include "render.h"

namespace modelops::plugin {

// "" when the ModelDeployment has neither spec.retraining nor status.retraining.
std::string renderRetraining(const api::ModelDeployment& md, WallTime now, const Style& style);

}  // namespace modelops::plugin
