// PredictionStamper. See stamper.h.
// Thread-safety: its only mutable state is the atomic nonce generator; keys through KeyRingSource, counters
// through GatewayMetrics.
#include "modelops/gateway/feedback/stamper.h"

#include <chrono>

#include "modelops/gateway/feedback/class_extraction.h"
#include "wall_ms.h"

namespace modelops::gateway {

namespace {

using Json = nlohmann::json;

std::string boundedSegment(std::string_view segment) {
  return std::string(segment.size() > kMaxSegmentBytes ? segment.substr(0, kMaxSegmentBytes) : segment);
}

std::string segmentOf(const PredictionConfig& config, const StampRequest& request) {
  if (!config.segmentHeader.empty() && request.header) {
    if (auto value = request.header(config.segmentHeader)) return boundedSegment(*value);
  }
  if (!config.segmentJsonPath.empty() && !request.requestBody.empty()) {
    const Json body = Json::parse(request.requestBody, nullptr, false);
    if (body.is_discarded()) return {};
    auto nodes = selectJsonPath(body, config.segmentJsonPath);
    if (nodes && !nodes->empty()) {
      if (auto text = classText(*nodes->front())) return boundedSegment(*text);
    }
  }
  return {};
}

}  // namespace

PredictionStamper::PredictionStamper(std::shared_ptr<const KeyRingSource> keys, GatewayMetrics& metrics,
                                     const Clock& clock)
    : keys_(std::move(keys)), metrics_(metrics), clock_(clock) {}

std::vector<std::string> PredictionStamper::predictedClasses(const PredictionConfig& config,
                                                             std::string_view responseBody) {
  const Json response = Json::parse(responseBody, nullptr, false);
  if (response.is_discarded()) return {};
  auto rows = extractPredictions(response, config);
  if (!rows) return {};
  std::vector<std::string> out;
  for (auto& row : rows.value()) out.push_back(std::move(row.predictedClass));
  return out;
}

StampResult PredictionStamper::stamp(const StampRoute& route, const StampRequest& request) const {
  const PredictionConfig& config = route.prediction;
  StampResult result;
  Json response = Json::parse(request.responseBody, nullptr, false);
  if (response.is_discarded()) {
    metrics_.unstamped(route.version, "unreadable_response");
    return result;
  }
  auto rows = extractPredictions(response, config);
  if (!rows) {
    metrics_.unstamped(route.version, "no_prediction");
    return result;
  }
  result.segment = segmentOf(config, request);
  const bool regression = config.task == "Regression";
  for (const auto& row : rows.value()) {
    // A regression's predicted value is not a class: it stays out of the class label (unbounded values).
    metrics_.predicted(route.version, result.segment, regression ? std::string_view() : row.predictedClass,
                       row.probability);
    result.predictedClasses.push_back(row.predictedClass);
  }
  const auto keys = keys_ ? keys_->current() : nullptr;
  if (!keys) {
    metrics_.unstamped(route.version, "no_key");
    return result;
  }
  PredictionId id{route.version.ns, route.version.model, route.version.version, route.version.revision,
                  result.segment,   {},                  wallClockMs(clock_),         0,
                  regression};
  result.ids.reserve(rows->size());
  for (std::size_t i = 0; i < rows->size(); ++i) {
    id.predictedClass = (*rows)[i].predictedClass;
    id.row = std::uint32_t(i);
    id.nonce = nonces_.next();
    result.ids.push_back(encodePredictionId(id, keys->current));
    if (i > 0) result.headerValue.push_back(',');
    result.headerValue.append(result.ids.back());
  }
  if (!config.idField.empty() && response.is_object()) {
    // Read again keeping the member order (nlohmann::json sorts keys): the client gets its server's body with
    // one field added (or replaced), not a reordered document.
    auto ordered = nlohmann::ordered_json::parse(request.responseBody);
    ordered[config.idField] = result.ids.size() == 1 ? nlohmann::ordered_json(result.ids.front())
                                                     : nlohmann::ordered_json(result.ids);
    result.body = ordered.dump();
  }
  return result;
}

}  // namespace modelops::gateway
