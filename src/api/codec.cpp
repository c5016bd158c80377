// JSON <-> a whole ModelDeployment object, and parseModelDeployment (decode + defaults + validation).
// Thread-safety: pure functions.
#include "modelops/api/codec.h"

#include <utility>

#include "codec_internal.h"
#include "json_io.h"
#include "modelops/api/defaults.h"
#include "modelops/api/validation.h"

namespace modelops::api {

Result<ModelDeployment, FieldErrors> decodeModelDeployment(const nlohmann::json& doc) {
  FieldErrors errs;
  detail::Reader r(doc, "", errs);
  ModelDeployment md;
  if (!r.valid()) return errs;
  md.apiVersion = r.str("apiVersion").value_or("");
  md.kind = r.str("kind").value_or("");
  if (auto meta = r.anyObject("metadata")) md.metadata = std::move(*meta);
  auto specIt = doc.find("spec");
  if (specIt != doc.end() && !specIt->is_null()) {
    r.anyObject("spec");  // marks it taken (and reports a wrong type)
    if (specIt->is_object()) md.spec = detail::decodeSpecInto(*specIt, "spec", errs);
  }
  auto statusIt = doc.find("status");
  if (statusIt != doc.end() && !statusIt->is_null()) {
    r.anyObject("status");
    if (statusIt->is_object()) md.status = detail::decodeStatusInto(*statusIt, "status", errs);
  }
  md.extra = r.rest();
  if (!errs.empty()) return errs;
  return md;
}

nlohmann::json encodeModelDeployment(const ModelDeployment& md) {
  Json o = detail::startObject(md.extra);
  if (!md.apiVersion.empty()) o["apiVersion"] = md.apiVersion;
  if (!md.kind.empty()) o["kind"] = md.kind;
  if (md.metadata.is_object()) o["metadata"] = md.metadata;
  o["spec"] = encodeSpec(md.spec);
  Json status = encodeStatus(md.status);
  if (!status.empty()) o["status"] = std::move(status);
  return o;
}

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
