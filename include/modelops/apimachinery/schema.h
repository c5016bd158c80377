// Structural schema of a CRD version (spec.versions[].schema.openAPIV3Schema): validation with the
// apiserver's field paths and messages, defaulting, pruning of unknown fields, and unknown-field
// detection for `fieldValidation=Strict|Warn`.
// Messages follow apiextensions-apiserver (validation.ValidateCustomResource over kube-openapi errors)
// and k8s.io/apimachinery field.Error, e.g.
//   field "spec.replicas", type "FieldValueInvalid",
//   message `Invalid value: 150: spec.replicas in body should be less than or equal to 100`.
// Thread-safety: a StructuralSchema is immutable after fromJson; all const methods may run concurrently.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/common/result.h"

namespace modelops::apimachinery {

// One field error, as a metav1.StatusCause: {"reason": type, "message": message, "field": field}.
struct SchemaViolation {
  std::string field;    // "spec.strategy.canary.steps[2].setWeight"
  std::string type;     // FieldValueRequired, FieldValueInvalid, FieldValueNotSupported,
                        // FieldValueTypeInvalid, FieldValueTooLong, FieldValueTooMany, FieldValueDuplicate
  std::string message;  // the error body, e.g. "Required value" or `Unsupported value: "Foo": ...`
  // "field: message", as field.Error.Error() prints it.
  std::string error() const { return field.empty() ? message : field + ": " + message; }
};

// Joins errors as utilerrors.NewAggregate does: "a: x" for one, "[a: x, b: y]" for several.
std::string joinViolations(const std::vector<SchemaViolation>& violations);

// The Go %v/%q rendering of a JSON value in "Invalid value: <v>" (strings quoted, 1e+21 style floats).
std::string formatGoValue(const nlohmann::json& value);

// DNS-1123 subdomain check for metadata.name; empty when valid, else the apiserver's message.
std::string validateDnsSubdomain(const std::string& name);

class StructuralSchema {
 public:
  struct Node;  // one schema node (type, properties, items, constraints), defined in schema.cpp

  // Parses an openAPIV3Schema. Errors (code "InvalidSchema") name the schema path that is malformed
  // (e.g. an unknown type, a pattern std::regex cannot compile).
  static Result<StructuralSchema> fromJson(const nlohmann::json& openApiV3Schema);

  // Every violation in the object, in document order. apiVersion and kind are skipped; metadata is
  // checked only for a valid name (DNS subdomain) and namespace, as the apiserver does for CRs.
  std::vector<SchemaViolation> validate(const nlohmann::json& object) const;
  // Sets `default` values recursively: missing properties of objects that exist (also inside values just
  // defaulted), and array items. A null for a non-nullable property takes its default, or is removed
  // when there is none, as the apiserver does before defaulting. Call order on write, as the apiserver:
  // unknownFields (for fieldValidation) -> prune -> applyDefaults -> validate.
  void applyDefaults(nlohmann::json& object) const;
  // Removes fields the schema does not declare (kept under x-kubernetes-preserve-unknown-fields,
  // and apiVersion, kind and metadata at the root).
  void prune(nlohmann::json& object) const;
  // Paths of fields prune() would remove, e.g. "spec.x", "spec.steps[0].foo" (for Strict/Warn).
  std::vector<std::string> unknownFields(const nlohmann::json& object) const;

  // The original JSON schema (for openapi documents and `kubectl explain`).
  const nlohmann::json& json() const { return json_; }

 private:
  std::shared_ptr<const Node> root_;
  nlohmann::json json_;
};

}  // namespace modelops::apimachinery
