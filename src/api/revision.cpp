// Revision hash of spec.model + spec.template; see revision.h.
// Thread-safety: pure functions.
#include "modelops/api/revision.h"

#include <cstdint>
#include <cstdio>

#include "codec_internal.h"

namespace modelops::api {
namespace {

std::string hashOf(const ModelSpec& model, const std::optional<Json>& podTemplate) {
  Json canonical = Json::object();
  canonical["model"] = detail::encodeModelSpec(model);
  canonical["template"] = podTemplate.value_or(Json::object());
  const std::string text = canonical.dump();  // objects are key-sorted: member order does not matter
  std::uint64_t h = 14695981039346656037ULL;  // FNV-1a 64 offset basis
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;  // FNV-1a 64 prime
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%010llx", static_cast<unsigned long long>(h >> 24));
  return buf;
}

}  // namespace

ModelSpec effectiveModel(const ModelDeploymentSpec& spec, const Variant& variant) {
  ModelSpec m = spec.model;
  if (!variant.model) return m;
  const ModelSpec& o = *variant.model;
  if (o.name) m.name = o.name;
  if (o.version) m.version = o.version;
  if (o.uri) m.uri = o.uri;
  if (o.extra.is_object()) {
    if (!m.extra.is_object()) m.extra = Json::object();
    m.extra.update(o.extra);
  }
  return m;
}

std::string computeRevisionHash(const ModelDeploymentSpec& spec) { return hashOf(spec.model, spec.template_); }

std::string computeVariantHash(const ModelDeploymentSpec& spec, const Variant& variant) {
  return hashOf(effectiveModel(spec, variant), spec.template_);
}

}  // namespace modelops::api
