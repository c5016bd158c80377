// Internal: the parsed form of a structural schema node, shared by schema.cpp (parsing, validation)
// and schema_transform.cpp (defaulting, pruning, unknown fields).
// Thread-safety: nodes are immutable after parsing and shared read-only.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/apimachinery/schema.h"

namespace modelops::apimachinery {

struct StructuralSchema::Node {
  std::string type;  // object, array, string, integer, number, boolean, or "" (any)
  bool nullable = false;
  bool intOrString = false;        // x-kubernetes-int-or-string
  bool preserveUnknown = false;    // x-kubernetes-preserve-unknown-fields
  bool embeddedResource = false;   // x-kubernetes-embedded-resource
  std::map<std::string, std::shared_ptr<const Node>> properties;
  std::shared_ptr<const Node> items;
  std::shared_ptr<const Node> additionalProperties;  // schema form
  std::optional<bool> additionalPropertiesBool;       // boolean form
  std::vector<std::string> required;
  std::optional<nlohmann::json> enumValues;  // array
  std::optional<nlohmann::json> minimum, maximum;  // numbers, kept as JSON for Go-style printing
  bool exclusiveMinimum = false, exclusiveMaximum = false;
  std::optional<nlohmann::json> multipleOf;
  std::optional<std::int64_t> minLength, maxLength, minItems, maxItems, minProperties, maxProperties;
  bool uniqueItems = false;
  std::string listType;                  // x-kubernetes-list-type: atomic, set, map
  std::vector<std::string> listMapKeys;  // x-kubernetes-list-map-keys
  std::optional<std::regex> pattern;
  std::string patternText;
  std::string format;
  std::optional<nlohmann::json> defaultValue;
  std::vector<std::shared_ptr<const Node>> allOf, anyOf, oneOf;
  std::shared_ptr<const Node> notSchema;
};

}  // namespace modelops::apimachinery
