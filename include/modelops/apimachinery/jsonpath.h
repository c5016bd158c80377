// A subset of Kubernetes JSONPath (k8s.io/client-go/util/jsonpath) for printer columns, kubectl-style
// `-o jsonpath` templates and the web metric provider: `.status.phase`, `{.a.b}`, `$.a.b[0]`,
// `.items[*].name`, `[-1]`, `[0:2]`, `['key.with.dots']`, `..name` (recursive descent) and filters
// `[?(@.type=="Available")]` with ==, !=, <, <=, >, >= and `[?(@.field)]` (exists).
// Thread-safety: pure functions.
#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/common/result.h"

namespace modelops::apimachinery {

// All values the path selects, in document order. A path that selects nothing yields an empty vector
// (printer columns then show an empty cell); a malformed path is an error (code "InvalidJsonPath").
Result<std::vector<nlohmann::json>> evalJsonPath(const nlohmann::json& object, std::string_view path);

// Checks syntax only (for validating additionalPrinterColumns[].jsonPath on CRD create).
Status validateJsonPath(std::string_view path);

}  // namespace modelops::apimachinery
