// Reading predicted classes (and their probability) out of a model server's JSON response, and segments out of
// a request. Rows: KServe v1 `$.predictions[i]`; Open Inference v2 `$.outputs[0]` (data with shape: [N] or
// [N,1] one value per row, [N,K] with argmax one probability vector per row, [K] with argmax one row).
// A configured classPath is evaluated with $, .name, [n] and [*]; [*] makes each match a row; a path ending on
// an array makes each element a row (with argmax: an array of numbers is one row unless its elements are
// arrays); a tensor object ({data, shape}) follows the v2 rules. Classes are text: strings as they are,
// integral numbers without a decimal point ("8" for 8 and 8.0), booleans "true"/"false".
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/common/result.h"
#include "modelops/gateway/feedback/prediction_config.h"

namespace modelops::gateway {

inline constexpr std::size_t kMaxRowsPerResponse = 1000;  // more rows: the response is not stamped (counted)

struct PredictedRow {
  std::string predictedClass;        // for regression: the predicted value as text
  std::optional<double> probability;  // of the predicted class, when the response carries one (argmax)
};

// Rows in order, or why none could be read (names the path and what was found).
Result<std::vector<PredictedRow>, std::string> extractPredictions(const nlohmann::json& response,
                                                                 const PredictionConfig& config);

// A label or a prediction as class text (see above); nullopt for objects, arrays and null.
std::optional<std::string> classText(const nlohmann::json& value);

// Evaluates a simple JSONPath ($, .name, ['name'], [n], [*]); an invalid path gives an error naming it.
Result<std::vector<const nlohmann::json*>, std::string> selectJsonPath(const nlohmann::json& document,
                                                                      std::string_view path);

}  // namespace modelops::gateway
