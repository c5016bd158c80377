// Field-level input errors: what is wrong and where, as the Kubernetes API reports Invalid causes
// ("spec.strategy.canary.steps[2].setWeight: must be between 0 and 100").
// Thread-safety: plain value types and pure functions.
#pragma once

#include <string>
#include <vector>

namespace modelops::api {

struct FieldError {
  std::string field;    // path from the object root: "spec.analysis.metrics[0].accuracy.min"
  std::string message;  // "must be between 0 and 1"
  bool operator==(const FieldError&) const = default;
};
using FieldErrors = std::vector<FieldError>;

// "field: message; field: message" in the given order; "" for no errors. Bounded for hostile input:
// a field or message over 1 KiB is cut (on a UTF-8 boundary) and marked with its size, and after
// 8 KiB the rest is summarised as "; and N more".
std::string formatFieldErrors(const FieldErrors& errors);

}  // namespace modelops::api
