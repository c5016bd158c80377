// JSON <-> a whole ModelDeployment object (its field table is in fields.h), and parseModelDeployment
// (decode + defaults + validation).
// Thread-safety: pure functions.
#include "modelops/api/codec.h"

#include <utility>

#include "codec_fields.h"
#include "modelops/api/defaults.h"
#include "modelops/api/validation.h"

namespace modelops::api {

Result<ModelDeployment, FieldErrors> decodeModelDeployment(const nlohmann::json& doc) {
  FieldErrors errs;
  ModelDeployment md = detail::decodeObject<ModelDeployment>(doc, "", errs);
  if (!errs.empty()) return errs;
  return md;
}

nlohmann::json encodeModelDeployment(const ModelDeployment& md) { return detail::encodeObject(md); }

Result<ModelDeployment, FieldErrors> parseModelDeployment(const nlohmann::json& doc) {
  auto decoded = decodeModelDeployment(doc);
  if (!decoded.ok()) return decoded.error();
  ModelDeployment md = std::move(decoded).value();
  applyDefaults(md);
  FieldErrors errs = validate(md);
  if (!errs.empty()) return errs;
  return md;
}

}  // namespace modelops::api
