// The simulated model server's logic (see model_sim.h).
// Thread-safety: one mutex guards the RNG and the segment state; counters are thread-safe.
#include "model_sim.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace modelops::modelsim {
namespace {

Result<double> parseNumber(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v)) {
    return Error{"InvalidFlag", flag + ": \"" + text + "\" is not a number"};
  }
  return v;
}

// "name:value" split at the last ':'.
Result<std::pair<std::string, double>> parseNamed(const std::string& flag, const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return Error{"InvalidFlag", flag + ": expected NAME:VALUE, got \"" + text + "\""};
  auto v = parseNumber(flag, text.substr(colon + 1));
  if (!v.ok()) return v.error();
  return std::make_pair(text.substr(0, colon), *v);
}

bool inUnit(double v) { return v >= 0 && v <= 1; }

}  // namespace

std::string simUsage() {
  return "usage: modelops-model-sim [flags]\n"
         "A simulated model server: /predict, /metrics (Prometheus), POST /admin/accuracy.\n"
         "  --model NAME                 model label (default $MODEL_NAME, else model)\n"
         "  --version V                  version label (default $MODEL_VERSION, else v1)\n"
         "  --model-uri URI              reported in answers (default $MODEL_URI)\n"
         "  --bind ADDR                  listen address (default 127.0.0.1)\n"
         "  --port N                     listen port, 0 = any (default 0); prints \"listening address=A port=N\"\n"
         "  --accuracy A                 overall accuracy in [0,1] (default 0.95)\n"
         "  --segment-accuracy NAME:A    accuracy of one segment (repeatable)\n"
         "  --segments NAME:W,NAME:W     segments and their traffic weights (default default:1)\n"
         "  --rate N                     generated predictions per second (default 100)\n"
         "  --label-ratio R              fraction of predictions that get a label (default 0.5)\n"
         "  --latency-ms MS              mean generated request latency (default 20)\n"
         "  --seed N                     random seed (default 1)\n"
         "  --log-level LEVEL            trace|debug|info|warn|error (default info)\n";
}

Result<SimConfig> parseSimFlags(const std::vector<std::string>& args, bool* helpRequested, SimConfig defaults) {
  SimConfig c = std::move(defaults);
  *helpRequested = false;
  bool segmentsGiven = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    bool hasValue = false;
    if (flag == "--help" || flag == "-h") {
      *helpRequested = true;
      return c;
    }
    if (flag.rfind("--", 0) != 0) return Error{"InvalidFlag", "unexpected argument \"" + flag + "\""};
    if (const auto eq = flag.find('='); eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      hasValue = true;
    } else if (i + 1 < args.size()) {
      value = args[++i];
      hasValue = true;
    }
    if (!hasValue) return Error{"InvalidFlag", flag + ": missing value"};
    auto number = [&]() { return parseNumber(flag, value); };
    if (flag == "--model") c.model = value;
    else if (flag == "--version") c.version = value;
    else if (flag == "--model-uri") c.modelUri = value;
    else if (flag == "--bind") c.bind = value;
    else if (flag == "--log-level") c.logLevel = value;
    else if (flag == "--port" || flag == "--seed" || flag == "--accuracy" || flag == "--rate" ||
             flag == "--label-ratio" || flag == "--latency-ms") {
      auto v = number();
      if (!v.ok()) return v.error();
      if (flag == "--port") {
        if (*v < 0 || *v > 65535 || *v != std::floor(*v)) return Error{"InvalidFlag", "--port: must be 0..65535"};
        c.port = static_cast<int>(*v);
      } else if (flag == "--seed") {
        if (*v < 0 || *v != std::floor(*v)) return Error{"InvalidFlag", "--seed: must be a non-negative integer"};
        c.seed = static_cast<std::uint64_t>(*v);
      } else if (flag == "--accuracy") {
        if (!inUnit(*v)) return Error{"InvalidFlag", "--accuracy: must be in [0,1]"};
        c.accuracy = *v;
      } else if (flag == "--rate") {
        if (*v < 0 || *v > 1e6) return Error{"InvalidFlag", "--rate: must be in [0, 1e6]"};
        c.rate = *v;
      } else if (flag == "--label-ratio") {
        if (!inUnit(*v)) return Error{"InvalidFlag", "--label-ratio: must be in [0,1]"};
        c.labelRatio = *v;
      } else {
        if (*v < 0) return Error{"InvalidFlag", "--latency-ms: must be >= 0"};
        c.latencyMean = *v / 1000.0;
      }
    } else if (flag == "--segment-accuracy") {
      auto nv = parseNamed(flag, value);
      if (!nv.ok()) return nv.error();
      if (!inUnit(nv->second)) return Error{"InvalidFlag", "--segment-accuracy: accuracy must be in [0,1]"};
      c.segmentAccuracy[nv->first] = nv->second;
    } else if (flag == "--segments") {
      if (!segmentsGiven) c.segments.clear();
      segmentsGiven = true;
      std::stringstream ss(value);
      std::string item;
      while (std::getline(ss, item, ',')) {
        if (item.empty()) continue;
        auto nv = parseNamed(flag, item);
        if (!nv.ok()) return nv.error();
        if (nv->second <= 0) return Error{"InvalidFlag", "--segments: weight of " + nv->first + " must be > 0"};
        c.segments.push_back({nv->first, nv->second});
      }
      if (c.segments.empty()) return Error{"InvalidFlag", "--segments: no segment given"};
    } else {
      return Error{"InvalidFlag", "unknown flag " + flag};
    }
  }
  return c;
}

Result<AccuracyUpdate> parseAccuracyUpdate(const std::string& body) {
  const auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return Error{"InvalidInput", "body must be a JSON object"};
  AccuracyUpdate u;
  if (doc.contains("accuracy")) {
    if (!doc["accuracy"].is_number() || !inUnit(doc["accuracy"].get<double>())) {
      return Error{"InvalidInput", "accuracy: must be a number in [0,1]"};
    }
    u.accuracy = doc["accuracy"].get<double>();
  }
  if (doc.contains("segments")) {
    if (!doc["segments"].is_object()) return Error{"InvalidInput", "segments: must be an object"};
    for (const auto& [name, v] : doc["segments"].items()) {
      if (!v.is_number() || !inUnit(v.get<double>())) {
        return Error{"InvalidInput", "segments." + name + ": must be a number in [0,1]"};
      }
      u.segments[name] = v.get<double>();
    }
  }
  return u;
}

struct ModelSimulator::SegmentState {
  std::string name;
  double weight = 0;  // normalised
  double accuracy = 0;
  SegmentTotals totals;
  prometheus::Counter* predictions = nullptr;
  prometheus::Counter* labeled = nullptr;
  prometheus::Counter* correct = nullptr;
};

ModelSimulator::ModelSimulator(const SimConfig& config, MonoTime start)
    : config_(config), registry_(std::make_shared<prometheus::Registry>()), rng_(config.seed), last_(start) {}

ModelSimulator::~ModelSimulator() = default;

Result<std::unique_ptr<ModelSimulator>> ModelSimulator::create(const SimConfig& config, MonoTime start) {
  if (config.segments.empty()) return Error{"InvalidConfig", "at least one segment is needed"};
  double total = 0;
  for (const auto& s : config.segments) {
    if (!(s.weight > 0)) return Error{"InvalidConfig", "segment " + s.name + ": weight must be > 0"};
    total += s.weight;
  }
  for (const auto& [name, acc] : config.segmentAccuracy) {
    const bool known = std::any_of(config.segments.begin(), config.segments.end(),
                                   [&](const SegmentWeight& s) { return s.name == name; });
    if (!known) return Error{"InvalidConfig", "segment accuracy for " + name + ", which is not in --segments"};
    if (!inUnit(acc)) return Error{"InvalidConfig", "segment " + name + ": accuracy must be in [0,1]"};
  }
  if (!inUnit(config.accuracy) || !inUnit(config.labelRatio) || config.rate < 0) {
    return Error{"InvalidConfig", "accuracy and label ratio must be in [0,1], rate >= 0"};
  }
  std::unique_ptr<ModelSimulator> sim(new ModelSimulator(config, start));
  auto& predictions = prometheus::BuildCounter()
                          .Name("model_predictions_total")
                          .Help("Predictions served by the model")
                          .Register(*sim->registry_);
  auto& labeled = prometheus::BuildCounter()
                      .Name("model_feedback_labeled_total")
                      .Help("Served predictions whose ground-truth label arrived")
                      .Register(*sim->registry_);
  auto& correct = prometheus::BuildCounter()
                      .Name("model_feedback_correct_total")
                      .Help("Labelled predictions that were correct")
                      .Register(*sim->registry_);
  auto& latency = prometheus::BuildHistogram()
                      .Name("http_request_duration_seconds")
                      .Help("Prediction request latency in seconds")
                      .Register(*sim->registry_);
  sim->latency_ = &latency.Add({{"model", config.model}, {"version", config.version}},
                               prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5});
  for (const auto& s : config.segments) {
    SegmentState st;
    st.name = s.name;
    st.weight = s.weight / total;
    const std::map<std::string, std::string> labels{{"model", config.model}, {"version", config.version}, {"segment", s.name}};
    st.predictions = &predictions.Add(labels);
    st.labeled = &labeled.Add(labels);
    st.correct = &correct.Add(labels);
    sim->segments_.push_back(std::move(st));
  }
  sim->overallTarget_ = config.accuracy;
  sim->explicitAccuracy_ = config.segmentAccuracy;
  sim->recomputeAccuracyLocked();
  return sim;
}

void ModelSimulator::recomputeAccuracyLocked() {
  double explicitMass = 0, explicitWeight = 0;
  for (const auto& s : segments_) {
    if (auto it = explicitAccuracy_.find(s.name); it != explicitAccuracy_.end()) {
      explicitMass += s.weight * it->second;
      explicitWeight += s.weight;
    }
  }
  const double otherWeight = 1 - explicitWeight;
  const double other = otherWeight > 1e-12 ? std::clamp((overallTarget_ - explicitMass) / otherWeight, 0.0, 1.0) : 0;
  for (auto& s : segments_) {
    auto it = explicitAccuracy_.find(s.name);
    s.accuracy = it != explicitAccuracy_.end() ? it->second : other;
  }
}

void ModelSimulator::countLocked(SegmentState& seg, std::uint64_t predictions, std::uint64_t labeled,
                                 std::uint64_t correct) {
  seg.totals.predictions += predictions;
  seg.totals.labeled += labeled;
  seg.totals.correct += correct;
  seg.predictions->Increment(static_cast<double>(predictions));
  seg.labeled->Increment(static_cast<double>(labeled));
  seg.correct->Increment(static_cast<double>(correct));
}

void ModelSimulator::advanceTo(MonoTime now) {
  std::lock_guard lock(mu_);
  if (now <= last_) return;
  const double seconds = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  const double due = carry_ + config_.rate * seconds;
  const auto n = static_cast<std::uint64_t>(std::floor(due));
  carry_ = due - static_cast<double>(n);
  std::uint64_t remaining = n;
  double remainingWeight = 1;
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    auto& seg = segments_[i];
    std::uint64_t k = remaining;
    if (i + 1 < segments_.size() && remaining > 0) {
      const double p = std::clamp(seg.weight / remainingWeight, 0.0, 1.0);
      k = std::binomial_distribution<std::uint64_t>(remaining, p)(rng_);
    }
    remaining -= k;
    remainingWeight -= seg.weight;
    const auto labeled = k == 0 ? 0 : std::binomial_distribution<std::uint64_t>(k, config_.labelRatio)(rng_);
    const auto correct = labeled == 0 ? 0 : std::binomial_distribution<std::uint64_t>(labeled, seg.accuracy)(rng_);
    countLocked(seg, k, labeled, correct);
  }
  if (config_.latencyMean > 0 && n > 0) {
    std::exponential_distribution<double> latency(1.0 / config_.latencyMean);
    for (std::uint64_t i = 0; i < n; ++i) latency_->Observe(latency(rng_));
  }
}

Result<nlohmann::json> ModelSimulator::predict(const std::optional<std::string>& segment) {
  std::lock_guard lock(mu_);
  SegmentState* seg = nullptr;
  if (segment) {
    for (auto& s : segments_) {
      if (s.name == *segment) seg = &s;
    }
    if (seg == nullptr) return Error{"InvalidInput", "unknown segment \"" + *segment + "\""};
  } else {
    double u = std::uniform_real_distribution<double>(0, 1)(rng_);
    for (auto& s : segments_) {
      seg = &s;
      if (u < s.weight) break;
      u -= s.weight;
    }
  }
  const bool labeled = std::bernoulli_distribution(config_.labelRatio)(rng_);
  const bool correct = labeled && std::bernoulli_distribution(seg->accuracy)(rng_);
  countLocked(*seg, 1, labeled ? 1 : 0, correct ? 1 : 0);
  const double score = std::uniform_real_distribution<double>(0, 1)(rng_);
  nlohmann::json answer{{"model", config_.model},   {"version", config_.version}, {"segment", seg->name},
                        {"prediction", score >= 0.5 ? 1 : 0}, {"score", score}};
  if (!config_.modelUri.empty()) answer["modelUri"] = config_.modelUri;
  return answer;
}

void ModelSimulator::observeRequestDuration(double seconds) { latency_->Observe(seconds); }

Status ModelSimulator::setAccuracy(const AccuracyUpdate& update) {
  std::lock_guard lock(mu_);
  for (const auto& [name, acc] : update.segments) {
    const bool known = std::any_of(segments_.begin(), segments_.end(), [&](const SegmentState& s) { return s.name == name; });
    if (!known) return Error{"InvalidInput", "unknown segment \"" + name + "\""};
    if (!inUnit(acc)) return Error{"InvalidInput", "segment " + name + ": accuracy must be in [0,1]"};
  }
  if (update.accuracy) {
    if (!inUnit(*update.accuracy)) return Error{"InvalidInput", "accuracy must be in [0,1]"};
    overallTarget_ = *update.accuracy;
  }
  for (const auto& [name, acc] : update.segments) explicitAccuracy_[name] = acc;
  recomputeAccuracyLocked();
  return {};
}

std::map<std::string, double> ModelSimulator::effectiveAccuracy() const {
  std::lock_guard lock(mu_);
  std::map<std::string, double> out;
  for (const auto& s : segments_) out[s.name] = s.accuracy;
  return out;
}

double ModelSimulator::effectiveOverallAccuracy() const {
  std::lock_guard lock(mu_);
  double overall = 0;
  for (const auto& s : segments_) overall += s.weight * s.accuracy;
  return overall;
}

nlohmann::json ModelSimulator::accuracyJson() const {
  nlohmann::json segments = nlohmann::json::object();
  for (const auto& [name, acc] : effectiveAccuracy()) segments[name] = acc;
  return {{"accuracy", effectiveOverallAccuracy()}, {"segments", segments}};
}

std::map<std::string, SegmentTotals> ModelSimulator::totals() const {
  std::lock_guard lock(mu_);
  std::map<std::string, SegmentTotals> out;
  for (const auto& s : segments_) out[s.name] = s.totals;
  return out;
}

std::string ModelSimulator::metricsText() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace modelops::modelsim
