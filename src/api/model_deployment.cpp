// Small members of the api value types: Duration, metadata accessors, field error formatting.
// Thread-safety: pure functions.
#include "modelops/api/model_deployment.h"

#include <cstddef>
#include <string>
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

namespace {

// A hostile spec (a 10 MiB string quoted back, 50,000 bad steps) must not make the message, and so the
// status and Event carrying it, grow without bound: the object would outgrow what the API server and
// watch streams take. Cuts fall on UTF-8 character boundaries (JSON output must stay valid UTF-8).
constexpr std::size_t kMaxEntryBytes = 1024;
constexpr std::size_t kMaxMessageBytes = 8192;

void appendBounded(std::string& out, const std::string& text) {
  if (text.size() <= kMaxEntryBytes) {
    out += text;
    return;
  }
  std::size_t cut = kMaxEntryBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
  out.append(text, 0, cut);
  out += "... (" + std::to_string(text.size()) + " bytes)";
}

}  // namespace

std::string formatFieldErrors(const FieldErrors& errors) {
  std::string out;
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (out.size() >= kMaxMessageBytes) {
      out += "; and " + std::to_string(errors.size() - i) + " more";
      break;
    }
    if (!out.empty()) out += "; ";
    appendBounded(out, errors[i].field);
    out += ": ";
    appendBounded(out, errors[i].message);
  }
  return out;
}

}  // namespace modelops::api
