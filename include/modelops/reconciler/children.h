// The objects a ModelDeployment owns, as JSON manifests: one Deployment per live revision
// ("<name>-<hash>", env MODEL_URI / MODEL_NAME / MODEL_VERSION on every container) and the Services
// "<name>", "<name>-stable", "<name>-canary". Every child carries the labels modelops.dev/name,
// modelops.dev/revision, modelops.dev/track (and modelops.dev/revision-hash) and a controller
// ownerReference to the ModelDeployment, so it is garbage-collected with it.
// Also the reverse: Deployments seen in the cache turned into the planner's ObservedDeployments.
// Thread-safety: pure functions.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/api/model_deployment.h"
#include "modelops/rollout/planner.h"

namespace modelops::reconciler {

using Json = nlohmann::json;

Json ownerReference(const api::ModelDeployment& md);
Json renderDeployment(const api::ModelDeployment& md, const rollout::DesiredDeployment& desired);
Json renderService(const api::ModelDeployment& md, const rollout::DesiredService& desired);

// The fields of an existing Service we manage (selector, ports, labels) as a merge patch, or null when
// the Service already has them.
Json servicePatch(const Json& existing, const Json& desired);

// Deployments owned by the ModelDeployment (labels and counts read defensively: a Deployment without
// our labels is ignored). availableReplicas counts only when status.observedGeneration has caught up.
rollout::Observed observeDeployments(const std::vector<Json>& owned);

}  // namespace modelops::reconciler
