// FeedbackService: parses POST /v1/feedback bodies, verifies ids, deduplicates and counts labels.
// See feedback_service.h for the answer's shape.
// Thread-safety: handle() keeps its state on the stack; keys, deduper and metrics are thread-safe.
#include "modelops/gateway/feedback/feedback_service.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <optional>
#include <vector>

#include "modelops/gateway/feedback/class_extraction.h"
#include "wall_ms.h"

namespace modelops::gateway {

namespace {

using Json = nlohmann::json;

enum class BodyFormat { Json, JsonLines, Unsupported };

BodyFormat formatOf(std::string_view contentType) {
  std::string type(contentType.substr(0, contentType.find(';')));
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  type.erase(0, type.find_first_not_of(" \t"));
  type.erase(type.find_last_not_of(" \t") + 1);
  if (type.empty() || type == "application/json") return BodyFormat::Json;
  if (type == "application/x-ndjson" || type == "application/jsonl" || type == "application/json-lines") {
    return BodyFormat::JsonLines;
  }
  return BodyFormat::Unsupported;
}

FeedbackAnswer wholeBody(int status, std::string message) {
  return FeedbackAnswer{status, Json{{"error", std::move(message)}}.dump()};
}

// One item of a body: its JSON (or why it could not be read) and where it was.
struct RawItem {
  std::optional<Json> json;
  std::string parseError;
  std::size_t line = 0;  // JSON lines: 1-based line number
};

// An item on its way through validation, dedupe and counting.
struct ItemState {
  int status = 0;  // 0: still going
  std::string result, error, rejectReason;
  PredictionId id;
  std::string label, dedupeKey;
  std::optional<double> labelNumber;
};

void reject(ItemState& item, int status, std::string reason, std::string error) {
  item.status = status;
  item.rejectReason = std::move(reason);
  item.error = std::move(error);
}

std::optional<double> numberOf(const Json& label) {
  if (label.is_number()) return label.get<double>();
  if (!label.is_string()) return std::nullopt;
  const auto& s = label.get_ref<const std::string&>();
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

FeedbackService::FeedbackService(std::shared_ptr<const KeyRingSource> keys, std::shared_ptr<LabelDeduper> deduper,
                                 GatewayMetrics& metrics, const Clock& clock, FeedbackLimits limits)
    : keys_(std::move(keys)), deduper_(std::move(deduper)), metrics_(metrics), clock_(clock), limits_(limits) {}

namespace {

// Reads the body into items; an answer when the body as a whole is refused.
std::optional<FeedbackAnswer> splitBody(std::string_view body, BodyFormat format, const FeedbackLimits& limits,
                                        std::vector<RawItem>& items, bool& batch) {
  if (format == BodyFormat::JsonLines) {
    batch = true;
    std::size_t line = 0, start = 0;
    while (start <= body.size()) {
      std::size_t end = body.find('\n', start);
      if (end == std::string_view::npos) end = body.size();
      ++line;
      std::string_view text = body.substr(start, end - start);
      if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
      if (text.find_first_not_of(" \t") != std::string_view::npos) {
        if (items.size() == limits.maxItems) {
          return wholeBody(413, "body: more than " + std::to_string(limits.maxItems) + " items");
        }
        RawItem item;
        item.line = line;
        Json parsed = Json::parse(text, nullptr, false);
        if (parsed.is_discarded()) item.parseError = "line " + std::to_string(line) + ": not valid JSON";
        else item.json = std::move(parsed);
        items.push_back(std::move(item));
      }
      start = end + 1;
    }
    if (items.empty()) return wholeBody(400, "body: no JSON lines");
    return std::nullopt;
  }
  Json parsed;
  try {
    parsed = Json::parse(body);
  } catch (const Json::parse_error& e) {
    return wholeBody(400, "body: not valid JSON (at byte " + std::to_string(e.byte) + ")");
  }
  if (parsed.is_object()) {
    items.push_back(RawItem{std::move(parsed), {}, 0});
    return std::nullopt;
  }
  if (!parsed.is_array()) return wholeBody(400, "body: expected an object, an array of objects or JSON lines");
  if (parsed.size() > limits.maxItems) {
    return wholeBody(413, "body: more than " + std::to_string(limits.maxItems) + " items");
  }
  if (parsed.empty()) return wholeBody(400, "body: empty array");
  batch = true;
  for (auto& element : parsed) items.push_back(RawItem{std::move(element), {}, 0});
  return std::nullopt;
}

void validateItem(const RawItem& raw, const KeyRing& keys, const FeedbackLimits& limits, std::int64_t now,
                  ItemState& item) {
  if (!raw.json) return reject(item, 400, "invalid_item", raw.parseError);
  const Json& json = *raw.json;
  if (!json.is_object()) return reject(item, 400, "invalid_item", "item: expected an object with predictionId and label");
  const auto idIt = json.find("predictionId");
  if (idIt == json.end()) return reject(item, 400, "invalid_item", "predictionId: missing");
  if (!idIt->is_string()) return reject(item, 400, "invalid_item", "predictionId: not a string");
  const auto labelIt = json.find("label");
  if (labelIt == json.end()) return reject(item, 400, "invalid_label", "label: missing");
  auto label = classText(*labelIt);
  if (!label) return reject(item, 400, "invalid_label", "label: expected a string, number or boolean");
  if (label->size() > limits.maxLabelBytes) {
    return reject(item, 400, "invalid_label", "label: longer than " + std::to_string(limits.maxLabelBytes) + " bytes");
  }
  const auto& idText = idIt->get_ref<const std::string&>();
  auto verified = verifyPredictionId(idText, keys, now, limits.maxIdAgeMs);
  if (!verified) {
    const auto& why = verified.error();
    return reject(item, httpStatusOf(why.kind), reasonLabelOf(why.kind), why.reason);
  }
  item.id = std::move(verified.value());
  if (item.id.regression) {
    item.labelNumber = numberOf(*labelIt);
    if (!item.labelNumber) return reject(item, 400, "invalid_label", "label: this model is a regression: expected a number");
  }
  item.label = std::move(*label);
  item.dedupeKey = dedupeKeyOf(idText);
}

Json itemAnswer(const ItemState& item, std::size_t index, const RawItem& raw, bool batch) {
  Json out = Json::object();
  if (batch) out["index"] = index;
  if (raw.line > 0) out["line"] = raw.line;
  out["status"] = item.status;
  if (item.error.empty()) out["result"] = item.result;
  else out["error"] = item.error;
  return out;
}

}  // namespace

namespace {

// Marks the verified items in the deduper (one batch call) and counts the first label of each id.
void countVerified(std::vector<ItemState>& items, LabelDeduper& deduper, GatewayMetrics& metrics,
                   const FeedbackLimits& limits, std::int64_t now) {
  std::vector<std::string> keys;
  std::vector<std::int64_t> ttls;
  std::vector<ItemState*> verified;
  for (auto& item : items) {
    if (item.status != 0) continue;
    keys.push_back(item.dedupeKey);
    const std::int64_t left = limits.maxIdAgeMs > 0 ? limits.maxIdAgeMs - (now - item.id.issuedAtMs) : 0;
    ttls.push_back(std::max<std::int64_t>(1000, left + kMaxClockSkewMs));
    verified.push_back(&item);
  }
  if (verified.empty()) return;
  const std::vector<bool> first = deduper.markFirstBatch(keys, now, ttls);
  for (std::size_t m = 0; m < verified.size(); ++m) {
    ItemState& item = *verified[m];
    item.status = 200;
    if (!first[m]) {
      item.result = "duplicate";
      item.rejectReason = "duplicate";  // counted as a rejection, answered 200 (a retry is not an error)
      continue;
    }
    const VersionLabels version{item.id.ns, item.id.model, item.id.version, item.id.revision};
    if (item.id.regression) {
      const double predicted = numberOf(Json(item.id.predictedClass)).value_or(0.0);
      metrics.regressionLabeled(version, item.id.segment, std::fabs(*item.labelNumber - predicted));
      item.result = "counted";
    } else {
      const bool correct = item.label == item.id.predictedClass;
      metrics.labeled(version, item.id.segment, item.label, correct);
      item.result = correct ? "correct" : "incorrect";
    }
    metrics.labelDelay(item.id.ns, item.id.model, double(std::max<std::int64_t>(0, now - item.id.issuedAtMs)) / 1000.0);
  }
}

FeedbackAnswer answerOf(const std::vector<ItemState>& items, const std::vector<RawItem>& raw, bool batch,
                        GatewayMetrics& metrics) {
  std::size_t accepted = 0;
  Json results = Json::array();
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!items[i].rejectReason.empty()) metrics.feedbackRejected(items[i].rejectReason);
    if (items[i].status == 200) ++accepted;
    results.push_back(itemAnswer(items[i], i, raw[i], batch));
  }
  if (!batch) return FeedbackAnswer{items[0].status, results[0].dump()};
  Json answer{{"accepted", accepted}, {"rejected", items.size() - accepted}, {"results", std::move(results)}};
  return FeedbackAnswer{200, answer.dump()};
}

}  // namespace

FeedbackAnswer FeedbackService::handle(std::string_view body, std::string_view contentType) const {
  const auto keys = keys_ ? keys_->current() : nullptr;
  if (!keys) {
    metrics_.feedbackRejected("no_key");
    return wholeBody(503, "signing keys not loaded yet");
  }
  const BodyFormat format = formatOf(contentType);
  std::optional<FeedbackAnswer> refused;
  std::vector<RawItem> raw;
  bool batch = false;
  if (format == BodyFormat::Unsupported) {
    refused = wholeBody(415, "Content-Type: expected application/json or application/x-ndjson");
  } else if (body.size() > limits_.maxBodyBytes) {
    refused = wholeBody(413, "body: larger than " + std::to_string(limits_.maxBodyBytes) + " bytes");
  } else {
    refused = splitBody(body, format, limits_, raw, batch);
  }
  if (refused) {
    metrics_.feedbackRejected("body");
    return *refused;
  }
  const std::int64_t now = wallClockMs(clock_);
  std::vector<ItemState> items(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) validateItem(raw[i], *keys, limits_, now, items[i]);
  countVerified(items, *deduper_, metrics_, limits_, now);
  return answerOf(items, raw, batch, metrics_);
}

}  // namespace modelops::gateway
