// Unit tests of the simulated model server's logic: flags, the traffic generator (rates, segment
// weights, Binomial accuracy, determinism by seed, time passed in), drift through setAccuracy, and
// the Prometheus exposition.
// Thread-safety: single-threaded tests.
#include <chrono>

#include <gtest/gtest.h>

#include "model_sim.h"

namespace modelops::modelsim {
namespace {

using std::chrono::seconds;
using Time = ModelSimulator::MonoTime;

SimConfig twoVersionConfig() {
  bool help = false;
  auto c = parseSimFlags({"--model", "fraud", "--version=v2", "--accuracy", "0.95", "--segments", "eu-west:1,us-east:4,ap-south:5",
                          "--segment-accuracy", "eu-west:0.70", "--rate", "1000", "--label-ratio", "0.5", "--seed", "7"},
                         &help);
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
  EXPECT_FALSE(help);
  return *c;
}

TEST(ModelSimFlags, ParsesEveryFlag) {
  SimConfig c = twoVersionConfig();
  EXPECT_EQ(c.model, "fraud");
  EXPECT_EQ(c.version, "v2");
  ASSERT_EQ(c.segments.size(), 3u);
  EXPECT_EQ(c.segments[1].name, "us-east");
  EXPECT_DOUBLE_EQ(c.segments[1].weight, 4);
  EXPECT_DOUBLE_EQ(c.segmentAccuracy.at("eu-west"), 0.70);
  EXPECT_DOUBLE_EQ(c.rate, 1000);
  EXPECT_EQ(c.seed, 7u);
}

TEST(ModelSimFlags, DefaultsFromTheEnvironmentAreOverriddenByFlags) {
  SimConfig env;
  env.model = "fraud";
  env.version = "2.4.0";
  env.modelUri = "s3://models/fraud/2.4.0";
  bool help = false;
  auto c = parseSimFlags({"--version", "2.5.0"}, &help, env);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->model, "fraud");
  EXPECT_EQ(c->version, "2.5.0");
  auto sim = ModelSimulator::create(*c, Time{});
  ASSERT_TRUE(sim.ok());
  auto answer = (*sim)->predict(std::nullopt);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ((*answer)["modelUri"], "s3://models/fraud/2.4.0");
}

TEST(ModelSimFlags, RejectsBadValuesNamingTheFlag) {
  bool help = false;
  for (auto args : std::vector<std::vector<std::string>>{{"--accuracy", "1.5"}, {"--port", "-1"}, {"--rate"},
                                                         {"--segments", "a:0"}, {"--segment-accuracy", "eu-west"},
                                                         {"--bogus", "1"}, {"positional"}}) {
    auto c = parseSimFlags(args, &help);
    ASSERT_FALSE(c.ok()) << args[0];
    EXPECT_EQ(c.error().code, "InvalidFlag");
  }
  EXPECT_TRUE(parseSimFlags({"--help"}, &help).ok());
  EXPECT_TRUE(help);
}

TEST(ModelSimulator, UnknownSegmentAccuracyIsRejected) {
  SimConfig c;
  c.segmentAccuracy["nowhere"] = 0.5;
  EXPECT_FALSE(ModelSimulator::create(c, Time{}).ok());
}

TEST(ModelSimulator, OtherSegmentsBalanceTheOverallAccuracy) {
  auto sim = ModelSimulator::create(twoVersionConfig(), Time{});
  ASSERT_TRUE(sim.ok());
  auto acc = (*sim)->effectiveAccuracy();
  EXPECT_DOUBLE_EQ(acc.at("eu-west"), 0.70);
  // (0.95 - 0.1 * 0.70) / 0.9
  EXPECT_NEAR(acc.at("us-east"), 0.97777777, 1e-6);
  EXPECT_NEAR((*sim)->effectiveOverallAccuracy(), 0.95, 1e-12);
}

TEST(ModelSimulator, GeneratesRateTimesElapsedSplitByWeight) {
  auto sim = ModelSimulator::create(twoVersionConfig(), Time{});
  ASSERT_TRUE(sim.ok());
  (*sim)->advanceTo(Time{} + seconds(10));
  (*sim)->advanceTo(Time{} + seconds(5));  // time going back adds nothing
  auto totals = (*sim)->totals();
  std::uint64_t predictions = 0, labeled = 0, correct = 0;
  for (const auto& [_, t] : totals) {
    predictions += t.predictions;
    labeled += t.labeled;
    correct += t.correct;
    EXPECT_LE(t.correct, t.labeled);
    EXPECT_LE(t.labeled, t.predictions);
  }
  EXPECT_EQ(predictions, 10000u);
  EXPECT_NEAR(static_cast<double>(labeled) / predictions, 0.5, 0.03);
  EXPECT_NEAR(static_cast<double>(correct) / labeled, 0.95, 0.015);
  EXPECT_NEAR(totals.at("eu-west").predictions / 10000.0, 0.1, 0.02);
  EXPECT_NEAR(static_cast<double>(totals.at("eu-west").correct) / totals.at("eu-west").labeled, 0.70, 0.06);
}

TEST(ModelSimulator, FractionalRatesCarryOver) {
  SimConfig c;
  c.rate = 2.5;
  auto sim = ModelSimulator::create(c, Time{});
  ASSERT_TRUE(sim.ok());
  for (int i = 1; i <= 4; ++i) (*sim)->advanceTo(Time{} + std::chrono::milliseconds(100 * i));  // 0.4 s
  EXPECT_EQ((*sim)->totals().at("default").predictions, 1u);
  (*sim)->advanceTo(Time{} + seconds(2));
  EXPECT_EQ((*sim)->totals().at("default").predictions, 5u);
}

TEST(ModelSimulator, DeterministicGivenTheSeed) {
  auto run = [](std::uint64_t seed) {
    SimConfig c = twoVersionConfig();
    c.seed = seed;
    auto sim = ModelSimulator::create(c, Time{});
    for (int i = 1; i <= 20; ++i) (*sim)->advanceTo(Time{} + std::chrono::milliseconds(137 * i));
    (void)(*sim)->predict(std::string("eu-west"));
    std::vector<std::uint64_t> out;
    for (const auto& [_, t] : (*sim)->totals()) out.insert(out.end(), {t.predictions, t.labeled, t.correct});
    return out;
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
}

TEST(ModelSimulator, DriftChangesTheGeneratedAccuracy) {
  SimConfig c;
  c.rate = 10000;
  c.labelRatio = 1;
  c.accuracy = 0.95;
  auto sim = ModelSimulator::create(c, Time{});
  ASSERT_TRUE(sim.ok());
  (*sim)->advanceTo(Time{} + seconds(1));
  auto before = (*sim)->totals().at("default");
  ASSERT_TRUE((*sim)->setAccuracy(AccuracyUpdate{0.60, {}}).ok());
  (*sim)->advanceTo(Time{} + seconds(2));
  auto after = (*sim)->totals().at("default");
  const double driftAccuracy = static_cast<double>(after.correct - before.correct) / (after.labeled - before.labeled);
  EXPECT_NEAR(driftAccuracy, 0.60, 0.03);
  EXPECT_FALSE((*sim)->setAccuracy(AccuracyUpdate{std::nullopt, {{"nowhere", 0.5}}}).ok());
  EXPECT_FALSE(parseAccuracyUpdate(R"({"accuracy": 2})").ok());
  auto u = parseAccuracyUpdate(R"({"accuracy": 0.8, "segments": {"eu-west": 0.6}})");
  ASSERT_TRUE(u.ok());
  EXPECT_DOUBLE_EQ(*u->accuracy, 0.8);
  EXPECT_DOUBLE_EQ(u->segments.at("eu-west"), 0.6);
}

TEST(ModelSimulator, PredictCountsAndRejectsUnknownSegments) {
  auto sim = ModelSimulator::create(twoVersionConfig(), Time{});
  ASSERT_TRUE(sim.ok());
  auto p = (*sim)->predict(std::string("us-east"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)["segment"], "us-east");
  EXPECT_EQ((*p)["version"], "v2");
  EXPECT_EQ((*sim)->totals().at("us-east").predictions, 1u);
  EXPECT_FALSE((*sim)->predict(std::string("mars")).ok());
}

TEST(ModelSimulator, ExposesTheCountersInTextFormat) {
  auto sim = ModelSimulator::create(twoVersionConfig(), Time{});
  ASSERT_TRUE(sim.ok());
  (*sim)->advanceTo(Time{} + seconds(1));
  const std::string text = (*sim)->metricsText();
  const auto eu = (*sim)->totals().at("eu-west");
  EXPECT_NE(text.find("# TYPE model_feedback_correct_total counter"), std::string::npos);
  EXPECT_NE(text.find("model_feedback_correct_total{model=\"fraud\",segment=\"eu-west\",version=\"v2\"} " +
                      std::to_string(eu.correct)),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("model_predictions_total{"), std::string::npos);
  EXPECT_NE(text.find("model_feedback_labeled_total{"), std::string::npos);
  EXPECT_NE(text.find("http_request_duration_seconds_bucket{model=\"fraud\",version=\"v2\",le=\"0.25\"}"), std::string::npos);
}

}  // namespace
}  // namespace modelops::modelsim
