// The bad-input corpus: ModelDeployments the operator must refuse with InvalidSpec. Small ones are files
// in corpus/ (YAML or JSON, read with the project's YAML loader); the large ones (huge arrays, deep
// nesting, multi-MiB strings) are generated here so the repository stays small.
// Each item names the field its InvalidSpec message must mention: files carry it in the annotation
// badinput.modelops.dev/expect-field.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace modelops::itest::badinput {

using Json = nlohmann::json;

inline constexpr const char* kExpectFieldAnnotation = "badinput.modelops.dev/expect-field";

struct BadItem {
  std::string name;         // metadata.name
  std::string expectField;  // a field path the InvalidSpec message must contain
  Json object;              // the whole ModelDeployment
};

// Every file of `dir` (sorted by name); throws std::runtime_error on a file that does not load or
// lacks a name or the expect-field annotation.
std::vector<BadItem> loadCorpus(const std::string& dir);

// A valid pod template and model, the base of the generated items.
Json validBase(const std::string& name);

// 50,000 canary steps, every setWeight out of range.
BadItem hugeStepArray();
// spec.model.version nested `depth` arrays deep, and an unknown field nested as deep (the test uses
// 10,000, the nesting limit of Go's encoding/json, which Kubernetes API servers decode with).
BadItem deepNesting(std::size_t depth);
// An A/B variant name of `bytes` bytes (not a DNS-1123 label).
BadItem longVariantName(std::size_t bytes);
// A pause duration of `bytes` bytes (not a Go duration; validation quotes it back).
BadItem longDuration(std::size_t bytes);

}  // namespace modelops::itest::badinput
