// Internal entry points shared by the api codec files (spec, status, whole object).
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "modelops/api/field_error.h"
#include "modelops/api/model_deployment.h"

namespace modelops::api::detail {

ModelDeploymentSpec decodeSpecInto(const Json& j, const std::string& path, FieldErrors& errors);
ModelDeploymentStatus decodeStatusInto(const Json& j, const std::string& path, FieldErrors& errors);
Json encodeModelSpec(const ModelSpec& model);
// encodeStatus without boundStatus (status_bounds.cpp measures sizes with it).
Json encodeStatusUnbounded(const ModelDeploymentStatus& status);

}  // namespace modelops::api::detail
