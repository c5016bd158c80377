// Test helpers that check a CRD's openAPIV3Schema the way the tests of crds/ and examples/ need it:
// whether it is a structural schema with a description on every field, and whether a document uses only
// what the schema declares (fields, types, enum values, ranges, patterns, required fields).
// A small independent checker on purpose: it does not share code with the dev API server's validator.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace modelops::testing {

struct StructuralReport {
  std::vector<std::string> problems;       // "spec.foo: has no type", ...
  std::vector<std::string> preservedPaths; // where x-kubernetes-preserve-unknown-fields is true
};

// Checks a whole openAPIV3Schema (the root of an object: apiVersion, kind, metadata, spec, status).
// Paths use "." for properties, "[]" for array items and "{}" for additionalProperties.
StructuralReport checkStructural(const nlohmann::json& openApiV3Schema);

// Everything in `document` the schema does not allow, as "path: problem" (paths like
// "spec.strategy.canary.steps[2].setWeight"). apiVersion, kind and metadata are not inspected.
std::vector<std::string> checkDocument(const nlohmann::json& openApiV3Schema, const nlohmann::json& document);

// The schema node at a path of property names ("spec.strategy.canary.steps[].setWeight"); null when absent.
const nlohmann::json* schemaAt(const nlohmann::json& openApiV3Schema, const std::string& path);

}  // namespace modelops::testing
