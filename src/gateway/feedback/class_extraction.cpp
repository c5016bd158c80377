// Class extraction from KServe v1 and Open Inference v2 responses. See class_extraction.h.
// Thread-safety: pure functions.
#include "modelops/gateway/feedback/class_extraction.h"

#include <cmath>
#include <cstdint>

namespace modelops::gateway {

namespace {

using Json = nlohmann::json;
using Rows = std::vector<PredictedRow>;
using RowsResult = Result<Rows, std::string>;

constexpr std::size_t kMaxPathLength = 256;

struct PathStep {
  enum Kind { Field, Index, Wildcard } kind;
  std::string name;
  std::size_t index = 0;
};

Result<std::vector<PathStep>, std::string> parsePath(std::string_view path) {
  // The message's prefix is only built for an error (a valid path is parsed on every answer).
  const auto where = [path] { return "path " + std::string(path.substr(0, 64)) + ": "; };
  if (path.size() > kMaxPathLength) return where() + "longer than 256 characters";
  if (path.empty() || path[0] != '$') return where() + "must start with $";
  std::vector<PathStep> steps;
  std::size_t i = 1;
  while (i < path.size()) {
    if (path[i] == '.') {
      const std::size_t start = ++i;
      while (i < path.size() && path[i] != '.' && path[i] != '[') ++i;
      if (i == start) return where() + "empty name at " + std::to_string(start);
      steps.push_back({PathStep::Field, std::string(path.substr(start, i - start))});
    } else if (path[i] == '[') {
      const std::size_t close = path.find(']', i);
      if (close == std::string_view::npos) return where() + "unclosed [ at " + std::to_string(i);
      const std::string_view inner = path.substr(i + 1, close - i - 1);
      if (inner == "*") {
        steps.push_back({PathStep::Wildcard, {}});
      } else if (inner.size() >= 2 && (inner.front() == '\'' || inner.front() == '"') && inner.back() == inner.front()) {
        steps.push_back({PathStep::Field, std::string(inner.substr(1, inner.size() - 2))});
      } else {
        if (inner.empty() || inner.size() > 9) return where() + "bad index at " + std::to_string(i);
        std::size_t n = 0;
        for (char c : inner) {
          if (c < '0' || c > '9') return where() + "bad index at " + std::to_string(i);
          n = n * 10 + std::size_t(c - '0');
        }
        steps.push_back({PathStep::Index, {}, n});
      }
      i = close + 1;
    } else {
      return where() + "unexpected '" + std::string(1, path[i]) + "' at " + std::to_string(i);
    }
  }
  return steps;
}

std::optional<double> probabilityOf(double value) {
  if (value >= 0.0 && value <= 1.0) return value;
  return std::nullopt;  // a score or logit, not a probability
}

// Every error of argmaxRow and valueRow is `where` followed by its own text, so a caller may pass an empty
// `where` and prepend the row's name to an error: the name is then built only when there is one.
Result<PredictedRow, std::string> argmaxRow(const Json& values, std::string_view where) {
  if (!values.is_array() || values.empty()) return std::string(where) + ": expected a non-empty array of numbers";
  std::size_t best = 0;
  double bestValue = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!values[i].is_number()) return std::string(where) + "[" + std::to_string(i) + "]: not a number";
    const double v = values[i].get<double>();
    if (i == 0 || v > bestValue) {
      best = i;
      bestValue = v;
    }
  }
  return PredictedRow{std::to_string(best), probabilityOf(bestValue)};
}

Result<PredictedRow, std::string> valueRow(const Json& value, const PredictionConfig& config, std::string_view where) {
  if (config.argmax) return argmaxRow(value, where);
  if (config.task == "Regression" && !value.is_number()) return std::string(where) + ": regression value is not a number";
  auto text = classText(value);
  if (!text) return std::string(where) + ": not a class (string, number or boolean)";
  return PredictedRow{std::move(*text), std::nullopt};
}

RowsResult tensorRows(const Json& tensor, const PredictionConfig& config, std::string_view where) {
  const auto data = tensor.find("data");
  if (data == tensor.end() || !data->is_array()) return std::string(where) + ".data: missing or not an array";
  std::vector<std::size_t> shape;
  if (const auto s = tensor.find("shape"); s != tensor.end()) {
    if (!s->is_array() || s->empty() || s->size() > 2) return std::string(where) + ".shape: expected [N] or [N,K]";
    for (const auto& d : *s) {
      if (!d.is_number_unsigned()) return std::string(where) + ".shape: not a non-negative integer";
      shape.push_back(d.get<std::size_t>());
    }
  } else {
    shape.push_back(data->size());
  }
  Rows rows;
  if (config.argmax) {
    const std::size_t n = shape.size() == 2 ? shape[0] : 1, k = shape.back();
    if (k == 0 || n > kMaxRowsPerResponse || n * k != data->size()) {
      return std::string(where) + ": shape does not match data for argmax";
    }
    for (std::size_t r = 0; r < n; ++r) {
      Json row(Json::value_t::array);
      for (std::size_t c = 0; c < k; ++c) row.push_back((*data)[r * k + c]);
      auto one = argmaxRow(row, {});
      if (!one) return std::string(where) + ".data row " + std::to_string(r) + one.error();
      rows.push_back(std::move(one.value()));
    }
    return rows;
  }
  if (data->size() > kMaxRowsPerResponse) return std::string(where) + ": more than 1000 rows";
  if ((shape.size() == 2 && shape[1] != 1) || shape[0] != data->size()) {
    return std::string(where) + ".shape: expected [N] or [N,1] matching data (or set argmax)";
  }
  for (std::size_t r = 0; r < data->size(); ++r) {
    auto one = valueRow((*data)[r], config, {});
    if (!one) return std::string(where) + ".data[" + std::to_string(r) + "]" + one.error();
    rows.push_back(std::move(one.value()));
  }
  return rows;
}

RowsResult rowsOfNode(const Json& node, const PredictionConfig& config, std::string_view where) {
  if (node.is_object() && node.contains("data")) return tensorRows(node, config, where);
  Rows rows;
  if (node.is_array()) {
    const bool oneVector = config.argmax && !node.empty() && node[0].is_number();
    if (!oneVector) {
      if (node.size() > kMaxRowsPerResponse) return std::string(where) + ": more than 1000 rows";
      for (std::size_t i = 0; i < node.size(); ++i) {
        auto one = valueRow(node[i], config, {});
        if (!one) return std::string(where) + "[" + std::to_string(i) + "]" + one.error();
        rows.push_back(std::move(one.value()));
      }
      if (rows.empty()) return std::string(where) + ": empty";
      return rows;
    }
  }
  auto one = valueRow(node, config, where);
  if (!one) return one.error();
  rows.push_back(std::move(one.value()));
  return rows;
}

}  // namespace

std::optional<std::string> classText(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return std::string(value.get<bool>() ? "true" : "false");
  if (value.is_number_integer()) return value.dump();
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (std::isfinite(d) && std::fabs(d) < 1e15 && d == std::floor(d)) return std::to_string(std::int64_t(d));
    return value.dump();
  }
  return std::nullopt;
}

Result<std::vector<const Json*>, std::string> selectJsonPath(const Json& document, std::string_view path) {
  auto steps = parsePath(path);
  if (!steps) return steps.error();
  std::vector<const Json*> current{&document};
  for (const auto& step : steps.value()) {
    std::vector<const Json*> next;
    for (const Json* node : current) {
      if (step.kind == PathStep::Field) {
        if (!node->is_object()) continue;
        if (const auto it = node->find(step.name); it != node->end()) next.push_back(&*it);
      } else if (step.kind == PathStep::Index) {
        if (node->is_array() && step.index < node->size()) next.push_back(&(*node)[step.index]);
      } else if (node->is_array() || node->is_object()) {
        for (const auto& child : *node) next.push_back(&child);
      }
      if (next.size() > kMaxRowsPerResponse) return "path " + std::string(path) + ": more than 1000 matches";
    }
    current = std::move(next);
  }
  return current;
}

Result<std::vector<PredictedRow>, std::string> extractPredictions(const Json& response, const PredictionConfig& config) {
  std::string path = config.classPath;
  if (path.empty()) {
    if (config.protocol == "KServeV1") path = "$.predictions";
    else if (config.protocol == "OpenInferenceV2") path = "$.outputs[0]";
    else return "protocol " + config.protocol + ": expected KServeV1 or OpenInferenceV2";
  }
  auto nodes = selectJsonPath(response, path);
  if (!nodes) return nodes.error();
  if (nodes->empty()) return "path " + path + ": no match in the response";
  Rows rows;
  if (path.find("[*]") != std::string::npos) {
    for (std::size_t i = 0; i < nodes->size(); ++i) {
      auto one = valueRow(*(*nodes)[i], config, {});
      if (!one) return std::string(path) + " match " + std::to_string(i) + one.error();
      rows.push_back(std::move(one.value()));
    }
  } else {
    auto all = rowsOfNode(*nodes->front(), config, path);
    if (!all) return all.error();
    rows = std::move(all.value());
  }
  if (rows.size() > kMaxRowsPerResponse) return "path " + path + ": more than 1000 rows";
  return rows;
}

}  // namespace modelops::gateway
