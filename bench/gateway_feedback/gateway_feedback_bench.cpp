// Feedback throughput: labels/s through FeedbackService::handle (JSON array and JSON lines, batches of 100,
// one thread, in-memory dedupe; with MODELOPS_BENCH_REDIS=host:port also through a RedisDeduper), and the
// per-id costs of issuing and verifying ids and of stamping a response. Every label is a new id (a fresh
// deduper for each pass over the pre-made bodies), so the figure is for counted labels, not duplicates.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/common/clock.h"
#include "modelops/gateway/feedback/feedback_service.h"
#include "modelops/gateway/feedback/redis_deduper.h"
#include "modelops/gateway/feedback/stamper.h"

namespace modelops::gateway {
namespace {

constexpr std::size_t kBatch = 100;
constexpr std::size_t kBodies = 500;  // 50,000 distinct ids per pass

const SystemClock& systemClock() {
  static const SystemClock clock;
  return clock;
}

std::shared_ptr<KeyRingSource> keys() {
  static const auto source = std::make_shared<KeyRingSource>(KeyRing{signingKey(std::string(32, 'k')), std::nullopt});
  return source;
}

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(systemClock().now().time_since_epoch()).count();
}

// kBodies bodies of kBatch labels each, every id distinct; 10 classes, 3 segments, 80% correct.
std::vector<std::string> makeBodies(bool jsonLines) {
  std::vector<std::string> bodies;
  std::size_t n = 0;
  const char* segments[] = {"eu-west", "us-east", "ap-south"};
  for (std::size_t b = 0; b < kBodies; ++b) {
    nlohmann::json array = nlohmann::json::array();
    std::string lines;
    for (std::size_t i = 0; i < kBatch; ++i, ++n) {
      const std::string predicted = std::to_string(n % 10);
      PredictionId id{"shop", "digits", n % 2 ? "v2" : "v1", n % 2 ? "7f9c2ab1" : "5d1e0c77", segments[n % 3],
                      predicted, nowMs() - 60'000, std::uint32_t(n), false};  // row n: every id distinct
      nlohmann::json item{{"predictionId", encodePredictionId(id, keys()->current()->current)},
                          {"label", n % 5 == 0 ? std::to_string((n + 1) % 10) : predicted}};
      if (jsonLines) lines += item.dump() + "\n";
      else array.push_back(std::move(item));
    }
    bodies.push_back(jsonLines ? lines : array.dump());
  }
  return bodies;
}

std::shared_ptr<LabelDeduper> makeDeduper(GatewayMetrics& metrics) {
  if (const char* redis = std::getenv("MODELOPS_BENCH_REDIS")) {
    auto options = parseRedisAddress(redis);
    if (options) {
      options->keyPrefix = "modelops:bench:" + std::to_string(nowMs()) + ":";  // a fresh key space per pass
      auto d = makeRedisDeduper(*options, std::make_shared<WindowDeduper>(), metrics);
      if (d) return d.value();
    }
  }
  return std::make_shared<WindowDeduper>();
}

void feedbackLabels(benchmark::State& state, bool jsonLines) {
  static const std::vector<std::string> arrays = makeBodies(false);
  static const std::vector<std::string> lines = makeBodies(true);
  const auto& bodies = jsonLines ? lines : arrays;
  const char* type = jsonLines ? "application/x-ndjson" : "application/json";
  GatewayMetrics metrics;
  auto service = std::make_unique<FeedbackService>(keys(), makeDeduper(metrics), metrics, systemClock());
  std::size_t next = 0, counted = 0;
  for (auto _ : state) {
    if (next == bodies.size()) {  // a new pass: forget the ids, outside the timing
      state.PauseTiming();
      service = std::make_unique<FeedbackService>(keys(), makeDeduper(metrics), metrics, systemClock());
      next = 0;
      state.ResumeTiming();
    }
    const FeedbackAnswer answer = service->handle(bodies[next++], type);
    benchmark::DoNotOptimize(answer.body.data());
    counted += answer.status == 200 ? kBatch : 0;
  }
  state.SetItemsProcessed(std::int64_t(counted));
  state.counters["labels/s"] = benchmark::Counter(double(counted), benchmark::Counter::kIsRate);
  if (metrics.render().find("modelops_feedback_rejected_total{reason=\"duplicate\"} 0") == std::string::npos) {
    state.SkipWithError("labels were counted as duplicates: the figure would not be for counted labels");
  }
}

void BM_FeedbackJsonArrayBatch100(benchmark::State& state) { feedbackLabels(state, false); }
void BM_FeedbackJsonLinesBatch100(benchmark::State& state) { feedbackLabels(state, true); }

void BM_EncodePredictionId(benchmark::State& state) {
  const SigningKey key = keys()->current()->current;
  PredictionId id{"shop", "digits", "v2", "7f9c2ab1", "eu-west", "8", nowMs(), 0, false};
  for (auto _ : state) {
    ++id.row;
    benchmark::DoNotOptimize(encodePredictionId(id, key));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_VerifyPredictionId(benchmark::State& state) {
  const KeyRing ring = *keys()->current();
  const std::string text =
      encodePredictionId(PredictionId{"shop", "digits", "v2", "7f9c2ab1", "eu-west", "8", nowMs(), 0, false}, ring.current);
  const std::int64_t now = nowMs();
  for (auto _ : state) benchmark::DoNotOptimize(verifyPredictionId(text, ring, now, 0).ok());
  state.SetItemsProcessed(state.iterations());
}

void BM_StampKServeBatch(benchmark::State& state) {
  GatewayMetrics metrics;
  PredictionStamper stamper(keys(), metrics, systemClock());
  nlohmann::json response{{"predictions", nlohmann::json::array()}};
  for (int i = 0; i < state.range(0); ++i) response["predictions"].push_back(i % 10);
  const std::string body = response.dump();
  const PredictionConfig config;
  const VersionLabels version{"shop", "digits", "v2", "7f9c2ab1"};
  for (auto _ : state) {
    benchmark::DoNotOptimize(stamper.stamp(StampRoute{version, config}, StampRequest{{}, {}, body}).headerValue.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

BENCHMARK(BM_FeedbackJsonArrayBatch100)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FeedbackJsonLinesBatch100)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EncodePredictionId);
BENCHMARK(BM_VerifyPredictionId);
BENCHMARK(BM_StampKServeBatch)->Arg(1)->Arg(100)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace modelops::gateway

BENCHMARK_MAIN();
