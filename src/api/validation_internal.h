// Internal helpers shared by the validation files of the api module.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>

#include "modelops/api/field_error.h"
#include "modelops/api/model_deployment.h"

namespace modelops::api::detail {

enum class ZeroDuration { Allowed, Rejected };

// Unparsable, negative, or (when rejected) zero durations are errors on `path`.
void checkDuration(const std::optional<Duration>& d, const std::string& path, ZeroDuration zero,
                   FieldErrors& errors);
// `value` must be one of the listed strings (when present).
void checkEnum(const std::optional<std::string>& value, const std::string& path,
               std::initializer_list<std::string_view> allowed, FieldErrors& errors);
// Names modelops derives (Services, Deployments, labels) and service.targetPort (validation_names.cpp).
void validateNames(const ModelDeployment& md, FieldErrors& errors);
// spec.analysis rules (validation_analysis.cpp).
void validateAnalysis(const ModelDeploymentSpec& spec, FieldErrors& errors);
// spec.retraining rules (retraining_validation.cpp).
void validateRetraining(const ModelDeployment& md, FieldErrors& errors);

}  // namespace modelops::api::detail
