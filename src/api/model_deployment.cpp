// Small members of the api value types: Duration, metadata accessors, field error formatting.
// Thread-safety: pure functions.
#include "modelops/api/model_deployment.h"

#include <utility>

#include "modelops/api/field_error.h"
#include "modelops/common/time.h"

namespace modelops::api {

Duration Duration::parse(std::string text) {
  Duration d;
  d.value = modelops::parseDuration(text);
  d.text = std::move(text);
  return d;
}

Duration Duration::of(std::chrono::milliseconds value) { return Duration{modelops::formatDuration(value), value}; }

namespace {
std::string metaString(const Json& metadata, const char* key) {
  if (!metadata.is_object()) return "";
  auto it = metadata.find(key);
  return it != metadata.end() && it->is_string() ? it->get<std::string>() : "";
}
}  // namespace

std::string ModelDeployment::name() const { return metaString(metadata, "name"); }
std::string ModelDeployment::namespace_() const { return metaString(metadata, "namespace"); }
std::string ModelDeployment::uid() const { return metaString(metadata, "uid"); }
std::string ModelDeployment::resourceVersion() const { return metaString(metadata, "resourceVersion"); }

std::int64_t ModelDeployment::generation() const {
  if (!metadata.is_object()) return 0;
  auto it = metadata.find("generation");
  return it != metadata.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

std::optional<std::string> ModelDeployment::annotation(std::string_view key) const {
  if (!metadata.is_object()) return std::nullopt;
  auto annotations = metadata.find("annotations");
  if (annotations == metadata.end() || !annotations->is_object()) return std::nullopt;
  auto it = annotations->find(std::string(key));
  if (it == annotations->end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::string formatFieldErrors(const FieldErrors& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += "; ";
    out += e.field + ": " + e.message;
  }
  return out;
}

}  // namespace modelops::api
