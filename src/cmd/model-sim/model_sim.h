// The simulated model server's logic: a model version with an accuracy overall and per segment that
// generates its own labelled traffic and counts it in Prometheus counters (prometheus-cpp registry):
//   model_predictions_total{model,version,segment}        predictions served (generated + /predict)
//   model_feedback_labeled_total{model,version,segment}   predictions whose label arrived
//   model_feedback_correct_total{model,version,segment}   labelled predictions that were correct
//   http_request_duration_seconds{model,version}          histogram of request latencies
// Generated traffic: advanceTo(t) adds floor(rate * elapsed + carry) predictions, split over the
// segments by weight (multinomial draw), labelled ~ Binomial(n, labelRatio), correct ~
// Binomial(labelled, accuracy of the segment). Deterministic given the seed and the sequence of calls;
// time is passed in (no clock is read here).
// Accuracy: a segment named in segmentAccuracy has that accuracy; the other segments share one
// accuracy chosen so that the traffic-weighted overall equals `accuracy`:
//   a_other = (accuracy - sum_explicit w_i a_i) / sum_other w_j   (weights normalised, clamped to [0,1])
// so "--accuracy 0.95 --segment-accuracy eu-west:0.70" is 0.95 overall with eu-west at 0.70 when the
// weights allow it (when clamped, the overall differs; effectiveAccuracy() tells).
// Thread-safety: all public members are safe to call concurrently (one internal mutex; the
// prometheus-cpp metrics are thread-safe themselves).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/common/result.h"

namespace prometheus {
class Registry;
class Counter;
class Histogram;
}  // namespace prometheus

namespace modelops::modelsim {

struct SegmentWeight {
  std::string name;
  double weight = 1;
};

struct SimConfig {
  std::string model = "model";
  std::string version = "v1";
  std::string modelUri;  // reported in /predict answers and the start log only
  std::string bind = "127.0.0.1";
  int port = 0;
  double accuracy = 0.95;
  std::map<std::string, double> segmentAccuracy;             // --segment-accuracy NAME:ACC (repeatable)
  std::vector<SegmentWeight> segments{{"default", 1}};        // --segments a:1,b:2
  double rate = 100;        // generated predictions per second (0: only /predict traffic)
  double labelRatio = 0.5;  // fraction of predictions whose label arrives
  double latencyMean = 0.02;  // mean of the generated request latencies, seconds (exponential)
  std::uint64_t seed = 1;
  std::string logLevel = "info";
};

// Parses the command line (without argv[0]) over `defaults` (main fills model, version and modelUri
// from MODEL_NAME, MODEL_VERSION, MODEL_URI, the variables the operator gives every container).
// Error code "InvalidFlag" naming the flag. helpRequested is set for --help / -h.
Result<SimConfig> parseSimFlags(const std::vector<std::string>& args, bool* helpRequested, SimConfig defaults = {});
std::string simUsage();

// POST /admin/accuracy body: {"accuracy": 0.8, "segments": {"eu-west": 0.6}} (both optional).
struct AccuracyUpdate {
  std::optional<double> accuracy;
  std::map<std::string, double> segments;
};
Result<AccuracyUpdate> parseAccuracyUpdate(const std::string& body);

struct SegmentTotals {
  std::uint64_t predictions = 0;
  std::uint64_t labeled = 0;
  std::uint64_t correct = 0;
};

class ModelSimulator {
 public:
  using MonoTime = std::chrono::steady_clock::time_point;

  // Validates the config (weights > 0, accuracies in [0,1], segment accuracies name known segments).
  static Result<std::unique_ptr<ModelSimulator>> create(const SimConfig& config, MonoTime start);
  ~ModelSimulator();

  // Generates the traffic due between the previous call (or start) and now.
  void advanceTo(MonoTime now);

  // One served prediction for /predict: segment given (must be known) or drawn by weight. Counts the
  // prediction and, with probability labelRatio, its feedback. Returns the response body.
  Result<nlohmann::json> predict(const std::optional<std::string>& segment);
  void observeRequestDuration(double seconds);

  Status setAccuracy(const AccuracyUpdate& update);
  // The accuracy each segment is generated with, and the traffic-weighted overall.
  std::map<std::string, double> effectiveAccuracy() const;
  double effectiveOverallAccuracy() const;
  nlohmann::json accuracyJson() const;

  std::map<std::string, SegmentTotals> totals() const;
  // The Prometheus text exposition (format 0.0.4) of all metrics.
  std::string metricsText() const;
  const SimConfig& config() const { return config_; }

 private:
  struct SegmentState;
  ModelSimulator(const SimConfig& config, MonoTime start);
  void recomputeAccuracyLocked();
  void countLocked(SegmentState& seg, std::uint64_t predictions, std::uint64_t labeled, std::uint64_t correct);

  SimConfig config_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Histogram* latency_ = nullptr;
  mutable std::mutex mu_;
  std::mt19937_64 rng_;
  MonoTime last_;
  double carry_ = 0;
  double overallTarget_ = 0;
  std::map<std::string, double> explicitAccuracy_;
  std::vector<SegmentState> segments_;
};

}  // namespace modelops::modelsim
