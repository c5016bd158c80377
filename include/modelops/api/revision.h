// The revision hash: identifies what is being served (spec.model + spec.template), so that a change in
// either starts a rollout and nothing else (replicas, strategy, analysis) does.
// Thread-safety: pure function.
#pragma once

#include <string>

#include "modelops/api/model_deployment.h"

namespace modelops::api {

// 10 lowercase hex characters: the top 40 bits of FNV-1a 64 over the canonical JSON
// {"model": encode(spec.model), "template": spec.template} (nlohmann::json objects are key-sorted, so
// member order in the input does not matter). Compute it after applyDefaults() (model.name defaults to
// metadata.name). Used in Deployment names "<name>-<hash>" and the label modelops.dev/revision-hash.
std::string computeRevisionHash(const ModelDeploymentSpec& spec);

// The same, for an A/B variant: spec.model with the variant's model overrides applied.
std::string computeVariantHash(const ModelDeploymentSpec& spec, const Variant& variant);

// spec.model with the variant's overrides applied (fields present in variant.model win).
ModelSpec effectiveModel(const ModelDeploymentSpec& spec, const Variant& variant);

}  // namespace modelops::api
