// JSON <-> ModelDeploymentStatus; see codec.h. Every member this version does not know is kept in the
// `extra` of its struct, so a status read, changed and written back by this operator never loses fields
// written by a newer one. The fields are those of the tables in modelops/api/fields.h.
// Thread-safety: pure functions.
#include <string>

#include "codec_fields.h"
#include "codec_internal.h"
#include "modelops/api/codec.h"
#include "modelops/api/status_bounds.h"

namespace modelops::api {
namespace detail {

ModelDeploymentStatus decodeStatusInto(const Json& j, const std::string& path, FieldErrors& errs) {
  return decodeObject<ModelDeploymentStatus>(j, path, errs);
}

Json encodeStatusUnbounded(const ModelDeploymentStatus& status) { return encodeObject(status); }

}  // namespace detail

Result<ModelDeploymentStatus, FieldErrors> decodeStatus(const nlohmann::json& status) {
  FieldErrors errs;
  ModelDeploymentStatus s = detail::decodeStatusInto(status, "status", errs);
  if (!errs.empty()) return errs;
  return s;
}

nlohmann::json encodeStatus(const ModelDeploymentStatus& status) {
  // Whatever the caller built (and whatever a provider said), what is written stays within the budget.
  ModelDeploymentStatus bounded = status;
  boundStatus(bounded);
  return detail::encodeStatusUnbounded(bounded);
}

Result<AnalysisProgressStatus, FieldErrors> decodeAnalysisProgress(const nlohmann::json& progress) {
  FieldErrors errs;
  auto p = detail::decodeObject<AnalysisProgressStatus>(progress, "status.analysis.progress", errs);
  if (!errs.empty()) return errs;
  return p;
}

nlohmann::json encodeAnalysisProgress(const AnalysisProgressStatus& progress) {
  return detail::encodeObject(progress);
}

}  // namespace modelops::api
