// The ModelDeployment custom resource (modelops.dev/v1alpha1) as C++ values: spec and status per
// docs/architecture.md (section 1 of the design). The structs are in model_deployment_spec.h and
// model_deployment_status.h; the JSON name of each field is written once, in fields.h, which the codec
// uses for both directions.
//
// Conventions used by every struct here:
// - A field that may be absent in the document is std::optional; decode leaves it empty when absent and
//   encode omits it, so decode -> encode reproduces a document exactly. applyDefaults() (defaults.h) fills
//   the defaulted ones; after it, code may dereference the fields documented "defaulted".
// - Lists are std::vector; an absent list and an empty list are the same value (encode omits empty lists).
// - `extra` holds the members of that JSON object this version does not know, verbatim; encode writes them
//   back (known members win on a name clash). Unknown status fields are therefore never dropped.
// - Durations keep the text they were written with (Duration::text) next to the parsed value.
// - Enumerations are strings; compare with the constants in names.h. validate() rejects unknown values.
// Thread-safety: plain value types; no shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "modelops/api/model_deployment_spec.h"
#include "modelops/api/model_deployment_status.h"

namespace modelops::api {

// ---------------------------------------------------------------- the object

struct ModelDeployment {
  std::string apiVersion{kApiVersion};
  std::string kind{kKind};
  Json metadata = Json::object();  // the whole ObjectMeta, verbatim
  ModelDeploymentSpec spec;
  ModelDeploymentStatus status;  // encode omits it when it encodes to {}
  Json extra = Json::object();   // unknown top-level members
  bool operator==(const ModelDeployment&) const = default;

  // Accessors into metadata; empty string / 0 when absent or of the wrong type.
  std::string name() const;
  std::string namespace_() const;
  std::int64_t generation() const;
  std::string uid() const;
  std::string resourceVersion() const;
  // metadata.annotations[key], nullopt when absent.
  std::optional<std::string> annotation(std::string_view key) const;
};

}  // namespace modelops::api
