// JSON <-> ModelDeployment, through the field tables of fields.h. Decoding never throws: every member of the wrong JSON type is reported as a
// FieldError with its path (all of them, not just the first). Unknown members are kept in the `extra` of
// the enclosing struct and written back by encode, and absent optional members stay absent, so
// encode(decode(doc)) == doc for any well-typed document (empty lists and an empty status object are
// omitted). Semantic checks are validate()'s job (validation.h); decode only checks JSON types.
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include "modelops/api/field_error.h"
#include "modelops/api/model_deployment.h"
#include "modelops/common/result.h"

namespace modelops::api {

// A whole object (apiVersion, kind, metadata, spec, status). apiVersion and kind are kept as written;
// validate() checks them.
Result<ModelDeployment, FieldErrors> decodeModelDeployment(const nlohmann::json& doc);
nlohmann::json encodeModelDeployment(const ModelDeployment& md);

// Only the spec object (paths start with "spec.").
Result<ModelDeploymentSpec, FieldErrors> decodeSpec(const nlohmann::json& spec);
nlohmann::json encodeSpec(const ModelDeploymentSpec& spec);

// Only the status object (paths start with "status.").
Result<ModelDeploymentStatus, FieldErrors> decodeStatus(const nlohmann::json& status);
nlohmann::json encodeStatus(const ModelDeploymentStatus& status);

// Only the analysis bookkeeping (status.analysis.progress): the judge's JSON (analysis::toJson of an
// AnalysisProgress) typed, and back; the planner stores and loads the judge's state through these.
Result<AnalysisProgressStatus, FieldErrors> decodeAnalysisProgress(const nlohmann::json& progress);
nlohmann::json encodeAnalysisProgress(const AnalysisProgressStatus& progress);

// decode + applyDefaults + validate: the object the operator works with, or every problem found.
// Decode errors are returned alone (validation of a badly typed document would only repeat them).
Result<ModelDeployment, FieldErrors> parseModelDeployment(const nlohmann::json& doc);

}  // namespace modelops::api
