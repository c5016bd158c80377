// YAML -> JSON for Kubernetes manifests: what `kubectl apply -f` reads, as the JSON the API server sees.
//
// - A stream of documents separated by `---` (and ended by `...`), with comments. Documents that are
//   empty, comment-only or just `null` (a trailing `---`, for instance) are skipped, as kubectl skips them.
// - Scalars are typed as Kubernetes types them (see scalar.h): "2.4.0" and "true" quoted stay strings,
//   4 is an integer, 0.5 a number, true a boolean, ~ and null are null; 012 is octal (10) and yes/no/on/off
//   are booleans, as in Kubernetes.
// - Anchors and aliases are expanded. `<<` merge keys are supported (a map or a list of maps; keys written
//   in the map win over merged ones, and earlier maps in the list win over later ones).
// - Map keys become JSON strings: strings as they are, integers in decimal, booleans as true/false (as
//   sigs.k8s.io/yaml converts them). Null, float, sequence and map keys are errors.
// - Errors: a duplicate key, a nesting deeper than kMaxDepth, an alias expansion beyond kMaxNodes (the
//   "billion laughs"), a recursive alias, invalid UTF-8, a value that does not fit its explicit tag, and
//   every syntax error yaml-cpp finds. Error::code is "InvalidYaml" and Error::message reads
//   "<source>:<line>:<column>: <message>" with 1-based line and column.
// Thread-safety: pure functions; concurrent calls are independent.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/common/result.h"

namespace modelops::yaml {

// Deepest nesting of maps and sequences accepted (counting aliases as what they expand to).
inline constexpr int kMaxDepth = 200;
// Most JSON values one document may expand to through aliases.
inline constexpr std::size_t kMaxNodes = 1'000'000;

// Every non-empty document of `text`, in order. `sourceName` prefixes error messages (a file name).
Result<std::vector<nlohmann::json>> loadYamlDocuments(std::string_view text,
                                                      std::string_view sourceName = "<input>");

// The same for a file; a file that cannot be read is Error{"NotFound" or "IoError", "<path>: ..."}, and
// parse errors are prefixed with the path.
Result<std::vector<nlohmann::json>> loadYamlFile(const std::string& path);

}  // namespace modelops::yaml
