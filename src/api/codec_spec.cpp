// JSON <-> ModelDeploymentSpec; see codec.h for the contract (types checked with paths, unknown members
// kept in `extra`, absent members stay absent). The fields are those of the tables in
// modelops/api/fields.h; codec_fields.h walks them in both directions.
// Thread-safety: pure functions.
#include <string>

#include "codec_fields.h"
#include "codec_internal.h"
#include "modelops/api/codec.h"

namespace modelops::api {
namespace detail {

Json encodeModelSpec(const ModelSpec& model) { return encodeObject(model); }

ModelDeploymentSpec decodeSpecInto(const Json& j, const std::string& path, FieldErrors& errs) {
  return decodeObject<ModelDeploymentSpec>(j, path, errs);
}

}  // namespace detail

Result<ModelDeploymentSpec, FieldErrors> decodeSpec(const nlohmann::json& spec) {
  FieldErrors errs;
  ModelDeploymentSpec s = detail::decodeSpecInto(spec, "spec", errs);
  if (!errs.empty()) return errs;
  return s;
}

nlohmann::json encodeSpec(const ModelDeploymentSpec& spec) { return detail::encodeObject(spec); }

}  // namespace modelops::api
