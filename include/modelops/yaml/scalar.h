// Typing of YAML scalars the way Kubernetes types them.
//
// kubectl and the API server turn YAML into JSON with sigs.k8s.io/yaml, which decodes with go-yaml v2
// (YAML 1.1 resolution) and then marshals the result to JSON. We reproduce that, so a manifest means
// the same thing to modelops as to `kubectl apply -f`:
//   - quoted and block scalars ('x', "x", |, >) are always strings;
//   - plain null: "", ~, null, Null, NULL;
//   - plain bool: true/True/TRUE, false/False/FALSE and the YAML 1.1 forms y/Y/yes/Yes/YES, n/N/no/No/NO,
//     on/On/ON, off/Off/OFF (so `country: NO` is false, exactly as in Kubernetes: quote it);
//   - plain int (underscores ignored): decimal with optional sign, 0x/0X hex, 0o/0O octal, 0b/0B binary,
//     and a leading zero means octal (012 == 10, as in YAML 1.1 and Kubernetes); beyond int64, uint64;
//   - plain float: [-+]?(.digits | digits[.digits])([eE][-+]?digits)?, and .inf/+.inf/-.inf/.nan in their
//     three spellings. A float with an integral value that fits int64 becomes an integer (1.0 -> 1, 1e3
//     -> 1000), because Kubernetes marshals float64 1.0 as the JSON text `1`, which the API server stores
//     as an integer. Infinities and NaN are kept as doubles (JSON has no spelling for them: nlohmann dumps
//     them as null, and Kubernetes refuses such a document);
//   - anything else (including timestamps such as 2024-01-02, and numbers too large for a double) is a
//     string, exactly as written.
// Explicit core tags are honoured: !!str keeps the text; !!int, !!float, !!bool, !!null resolve the text
// (quoted or not) and fail when it is not of that type; !!float accepts an integer; !!timestamp keeps the
// text; !!binary is refused. Other (application) tags are ignored and the text stays a string.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "modelops/common/result.h"

namespace modelops::yaml {

// The JSON value of a plain (unquoted, untagged) scalar.
nlohmann::json resolvePlainScalar(std::string_view text);

// The JSON value of a scalar with the tag yaml-cpp reports: "?" (plain), "!" (quoted, block, or the
// non-specific tag), "tag:yaml.org,2002:<type>" (!!type), anything else (application tag).
// Error (code "InvalidYaml", message without position) when the text does not fit an explicit tag.
Result<nlohmann::json> resolveScalar(std::string_view tag, std::string_view text);

// True when `text` is the plain scalar `<<` (a merge key).
inline bool isMergeKey(std::string_view tag, std::string_view text) { return tag == "?" && text == "<<"; }

}  // namespace modelops::yaml
