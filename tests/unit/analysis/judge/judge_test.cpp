// Tests of the judge: the always-valid floor, minSamples and no-data rules, invalid input, the error budget,
// segments (floor and versus stable), versus stable, warm-up and the labels-needed projection, label
// coverage, threshold metrics and the verdict's JSON. Reference bounds were computed independently with
// Python's statistics.NormalDist: the Wilson formula, and the mixture half-width
// y* sqrt(v (v + tau^2)) / tau with y*^2/2 + ln Phi(y*) = ln(1/(2 alpha)) + ln(1 + tau^2/v)/2 solved by
// bisection (v = min(1 - min)/n; tau from mixtureScaleFor at 10 x minSamples, at least 0.02).
// Thread-safety: single-threaded tests.
#include "modelops/analysis/judge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace modelops::analysis {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Builders: -Wextra warns about aggregate initializers that leave members to their defaults.
Counts counts(double successes, double trials, std::optional<double> predictions = std::nullopt) {
  Counts c;
  c.successes = successes;
  c.trials = trials;
  c.predictions = predictions;
  return c;
}
AccuracyCriteria floorCriteria(double min, double minSamples) {
  AccuracyCriteria c;
  c.min = min;
  c.confidence = 0.95;
  c.minSamples = minSamples;
  return c;
}
AccuracyObservation observe(Counts canary, std::optional<Counts> stable = std::nullopt) {
  AccuracyObservation o;
  o.canary = canary;
  o.stable = stable;
  return o;
}

const AccuracyCriteria kFloor = floorCriteria(0.92, 500);

AccuracyObservation canaryOnly(double successes, double trials) { return observe(counts(successes, trials)); }

// At n = 812, min 0.92, alpha 0.05 (the floor alone holds the whole budget): v = 0.92*0.08/812, the
// always-valid half-width is 0.026478. 790/812 = 0.97291: bounds [0.94643, 0.99938]; Wilson 95%
// (z = 1.644854) [0.96185, 0.98082] is what is shown.
TEST(Floor, PassesWhenTheAlwaysValidLowerBoundClearsTheMinimum) {
  const Verdict v = judgeAccuracy("accuracy", kFloor, std::nullopt, canaryOnly(790, 812));
  EXPECT_EQ(v.phase, VerdictPhase::Pass);
  EXPECT_EQ(v.reason, "accuracy 0.973 >= 0.92 (always-valid lower bound 0.946, Wilson 0.962, n=812)");
  EXPECT_NEAR(*v.value, 790.0 / 812.0, 1e-12);
  EXPECT_NEAR(*v.lowerBound, 0.96185, 5e-5);  // Wilson: the number shown to people
  EXPECT_NEAR(*v.upperBound, 0.98082, 5e-5);
  EXPECT_EQ(v.samples, 812);
  EXPECT_EQ(to_string(v.phase), "Successful");
  EXPECT_FALSE(v.warmUp);
}

// 700/812 = 0.86207: always-valid upper bound 0.88855 < 0.92 (Wilson 0.8808).
TEST(Floor, FailsWhenTheUpperBoundIsBelowTheMinimum) {
  const Verdict v = judgeAccuracy("accuracy", kFloor, std::nullopt, canaryOnly(700, 812));
  EXPECT_EQ(v.phase, VerdictPhase::Fail);
  EXPECT_EQ(v.reason, "accuracy upper bound 0.889 < 0.92 (always-valid; Wilson 0.881), n=812");
}

// 764/812 = 0.94089: the Wilson lower bound 0.9258 would pass at this one look, but a rule checked at
// every interval must not: the always-valid bounds [0.91441, 0.96737] straddle 0.92.
TEST(Floor, InconclusiveWhenTheAlwaysValidBoundsStraddleTheMinimum) {
  const Verdict v = judgeAccuracy("accuracy", kFloor, std::nullopt, canaryOnly(764, 812));
  EXPECT_EQ(v.phase, VerdictPhase::Inconclusive);
  EXPECT_EQ(v.reason, "accuracy 0.941 inconclusive against 0.92: always-valid bounds [0.914, 0.967], n=812");
  EXPECT_NEAR(*v.lowerBound, 0.92575, 5e-5);
  EXPECT_FALSE(v.warmUp);
  // The projection: at 0.94089 the half-width must shrink to 0.02089, which it does within 4x the labels.
  ASSERT_TRUE(v.labelsNeeded.has_value());
  EXPECT_GT(*v.labelsNeeded, 0);
  EXPECT_LT(*v.labelsNeeded, 4 * 812);
  // 750/812 = 0.9236 is so close to the floor that it needs many times the labels seen.
  const Verdict close = judgeAccuracy("accuracy", kFloor, std::nullopt, canaryOnly(750, 812));
  EXPECT_EQ(close.phase, VerdictPhase::Inconclusive);
  ASSERT_TRUE(close.labelsNeeded.has_value());
  EXPECT_GT(*close.labelsNeeded, 10 * 812);
}

TEST(Floor, FewerThanMinSamplesIsAlwaysInconclusive) {
  const Verdict perfect = judgeAccuracy("accuracy", kFloor, std::nullopt, canaryOnly(300, 300));
  EXPECT_EQ(perfect.phase, VerdictPhase::Inconclusive);  // lower bound 0.991 would pass
  EXPECT_EQ(perfect.reason, "accuracy: 300 labelled samples < minSamples 500 (accuracy 1)");
  EXPECT_NEAR(*perfect.lowerBound, 0.9911, 5e-5);  // the evidence is still reported
  EXPECT_TRUE(perfect.warmUp);                      // does not spend inconclusiveLimit
  ASSERT_TRUE(perfect.labelsNeeded.has_value());
  EXPECT_EQ(*perfect.labelsNeeded, 200);            // up to minSamples
  const Verdict awful = judgeAccuracy("accuracy", kFloor, std::nullopt, canaryOnly(0, 300));
  EXPECT_EQ(awful.phase, VerdictPhase::Inconclusive);
}

TEST(Floor, NoDataIsInconclusiveNeverZero) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const Verdict none = judgeAccuracy("accuracy", kFloor, std::nullopt, canaryOnly(0, 0));
  EXPECT_EQ(none.phase, VerdictPhase::Inconclusive);
  EXPECT_EQ(none.reason, "accuracy: canary no data (no labelled predictions)");
  EXPECT_FALSE(none.value.has_value());
  for (const auto& obs : {canaryOnly(nan, 812), canaryOnly(700, nan), canaryOnly(inf, inf)}) {
    const Verdict v = judgeAccuracy("accuracy", kFloor, std::nullopt, obs);
    EXPECT_EQ(v.phase, VerdictPhase::Inconclusive);
    EXPECT_EQ(v.reason, "accuracy: canary no data (NaN or Inf counts)");
  }
}

TEST(Floor, InvalidCountsAndCriteriaAreErrors) {
  const Verdict more = judgeAccuracy("accuracy", kFloor, std::nullopt, canaryOnly(813, 812));
  EXPECT_EQ(more.phase, VerdictPhase::Error);
  EXPECT_EQ(more.reason, "accuracy: invalid canary counts: 813 correct > 812 labelled");
  const Verdict negative = judgeAccuracy("accuracy", kFloor, std::nullopt, canaryOnly(-1, 812));
  EXPECT_EQ(negative.phase, VerdictPhase::Error);
  EXPECT_EQ(negative.reason, "accuracy: invalid canary counts: negative counts (-1 correct, 812 labelled)");
  AccuracyCriteria bad = kFloor;
  bad.confidence = 1.0;
  const Verdict criteria = judgeAccuracy("accuracy", bad, std::nullopt, canaryOnly(764, 812));
  EXPECT_EQ(criteria.phase, VerdictPhase::Error);
  EXPECT_EQ(criteria.reason, "accuracy: invalid criteria: confidence 1 must be in (0, 1)");
}

// Extrapolated increase() values are rounded: 811.6 of 811.8 is 812 of 812.
TEST(Floor, FractionalCountsAreRounded) {
  const Verdict v = judgeAccuracy("accuracy", kFloor, std::nullopt, canaryOnly(811.6, 811.8));
  EXPECT_EQ(v.phase, VerdictPhase::Pass);
  EXPECT_EQ(v.samples, 812);
  EXPECT_EQ(*v.value, 1.0);
}

// --- segments ---------------------------------------------------------------------------------------
// Floor and segments share alpha 0.05: 0.025 each; three segments: 0.025/3 per segment floor, mixture
// scale 0.05516 (tightest at 10 x minSamples 50). Always-valid bounds at min 0.85 (v = 0.85*0.15/n):
//   ap-south 380/400 = 0.950: [0.8891, 1]        eu-west 170/240 = 0.708: [0.6290, 0.7877]
//   us-east  570/600 = 0.950: [0.9002, 1]        total 1120/1240 = 0.903: [0.8719, 0.9345] (tau 0.02)
// Wilson bounds (shown) are at the metric's confidence, 95%: eu-west 170/240 [0.6580, 0.7537].
SegmentCriteria regions() {
  SegmentCriteria s;
  s.by = "region";
  s.min = 0.85;
  s.minSamples = 50;
  return s;
}
const SegmentCriteria kRegions = regions();
const AccuracyCriteria kLoose = floorCriteria(0.85, 500);

AccuracyObservation segmented(const std::map<std::string, std::pair<double, double>>& parts) {
  AccuracyObservation o;
  for (const auto& [key, sn] : parts) o.canarySegments[key] = counts(sn.first, sn.second);
  o.canary = total(o.canarySegments);
  return o;
}

TEST(Segments, AFailingSegmentFailsTheMetricAndIsNamed) {
  const Verdict v = judgeAccuracy("accuracy", kLoose, kRegions,
                                  segmented({{"ap-south", {380, 400}}, {"eu-west", {170, 240}}, {"us-east", {570, 600}}}));
  EXPECT_EQ(v.phase, VerdictPhase::Fail);
  EXPECT_EQ(v.reason, "segment region=eu-west: accuracy upper bound 0.788 < 0.85 (always-valid; Wilson 0.754), n=240");
  ASSERT_EQ(v.segments.size(), 3u);
  EXPECT_EQ(v.segments[1].segment, "region=eu-west");
  EXPECT_EQ(v.segments[1].phase, VerdictPhase::Fail);
  EXPECT_NEAR(v.segments[1].upperBound, 0.7537, 5e-4);  // Wilson, shown
  EXPECT_EQ(v.segments[1].samples, 240);
  EXPECT_EQ(v.segments[0].phase, VerdictPhase::Pass);
  EXPECT_EQ(v.segments[2].phase, VerdictPhase::Pass);
  EXPECT_NEAR(*v.value, 1120.0 / 1240.0, 1e-12);  // the overall floor passes (0.8719): only the segment fails it
}

// eu-west 538/600 = 0.8967 against 0.85: always-valid lower bound 0.8523 with one segment (alpha
// 0.025, tau 0.04923) but 0.8468 with three (0.025/3, tau 0.05516): a pass alone, inconclusive among three.
TEST(Segments, TheFamilyBudgetIsSplitOverTheSegments) {
  const Verdict alone = judgeAccuracy("accuracy", kLoose, kRegions, segmented({{"eu-west", {538, 600}}}));
  EXPECT_EQ(alone.segments.at(0).phase, VerdictPhase::Pass);
  const Verdict three = judgeAccuracy("accuracy", kLoose, kRegions,
                                      segmented({{"ap-south", {380, 400}}, {"eu-west", {538, 600}}, {"us-east", {570, 600}}}));
  EXPECT_EQ(three.phase, VerdictPhase::Inconclusive);
  EXPECT_EQ(three.reason,
            "segment region=eu-west: accuracy 0.897 inconclusive against 0.85: always-valid bounds [0.847, 0.946], n=600");
  // The count is fixed by the declaration (or the first look): one series returned does not loosen it.
  SegmentCriteria declared = kRegions;
  declared.expectedSegments = 3;
  const Verdict fewer = judgeAccuracy("accuracy", kLoose, declared, segmented({{"eu-west", {538, 600}}}));
  EXPECT_EQ(fewer.segments.at(0).phase, VerdictPhase::Inconclusive);
  // Stable's series count too: a segment the canary has no series for yet still takes its share.
  AccuracyObservation withStable = segmented({{"eu-west", {538, 600}}});
  withStable.stableSegments = {{"ap-south", counts(380, 400)}, {"eu-west", counts(540, 600)}, {"us-east", counts(570, 600)}};
  withStable.stable = total(withStable.stableSegments);
  EXPECT_EQ(judgeAccuracy("accuracy", kLoose, kRegions, withStable).segments.at(0).phase, VerdictPhase::Inconclusive);
}

TEST(Segments, SmallSegmentsAreInconclusiveUnlessAnotherFails) {
  const Verdict small = judgeAccuracy("accuracy", kLoose, kRegions,
                                      segmented({{"ap-south", {30, 40}}, {"us-east", {570, 600}}}));
  EXPECT_EQ(small.phase, VerdictPhase::Inconclusive);
  EXPECT_EQ(small.reason, "segment region=ap-south: accuracy: 40 labelled samples < minSamples 50 (accuracy 0.75)");
  EXPECT_TRUE(small.warmUp);
  const Verdict failing = judgeAccuracy(
      "accuracy", kLoose, kRegions,
      segmented({{"ap-south", {30, 40}}, {"eu-west", {170, 240}}, {"us-east", {570, 600}}}));
  EXPECT_EQ(failing.phase, VerdictPhase::Fail);
  EXPECT_THAT(failing.reason, StartsWith("segment region=eu-west: accuracy upper bound "));
}

TEST(Segments, AllSegmentsPassing) {
  const Verdict v = judgeAccuracy("accuracy", kLoose, kRegions,
                                  segmented({{"ap-south", {380, 400}}, {"us-east", {570, 600}}}));
  EXPECT_EQ(v.phase, VerdictPhase::Pass);
  EXPECT_THAT(v.reason, HasSubstr("; all 2 segments pass"));
}

// A segment an earlier look listed (expectedSegments, from the analysis' progress) but this answer left
// out was not judged: the metric cannot pass on this look, though it can still fail.
TEST(Segments, ASegmentMissingFromThisAnswerKeepsTheMetricFromPassing) {
  SegmentCriteria declared = kRegions;
  declared.expectedSegments = 3;
  const Verdict v = judgeAccuracy("accuracy", kLoose, declared,
                                  segmented({{"ap-south", {380, 400}}, {"us-east", {570, 600}}}));
  EXPECT_EQ(v.phase, VerdictPhase::Inconclusive);
  EXPECT_THAT(v.reason, StartsWith("accuracy: 1 of 3 segments returned no series this look ("));
  EXPECT_FALSE(v.labelsNeeded) << "more labels do not bring a series back";
  const Verdict failing = judgeAccuracy("accuracy", kLoose, declared,
                                        segmented({{"ap-south", {380, 400}}, {"eu-west", {170, 240}}}));
  EXPECT_EQ(failing.phase, VerdictPhase::Fail);
}

TEST(Segments, NoSeriesOrBadSeries) {
  const Verdict none = judgeAccuracy("accuracy", kLoose, kRegions, canaryOnly(950, 1000));
  EXPECT_EQ(none.phase, VerdictPhase::Inconclusive);
  EXPECT_EQ(none.reason, "accuracy: no series with label region (segments cannot be judged)");
  const Verdict invalid = judgeAccuracy("accuracy", kLoose, kRegions,
                                        segmented({{"eu-west", {250, 240}}, {"us-east", {570, 600}}}));
  EXPECT_EQ(invalid.phase, VerdictPhase::Error);
  EXPECT_EQ(invalid.reason, "accuracy: invalid counts for segment region=eu-west: 250 correct > 240 labelled");
  // A segment without data is inconclusive (and so is the metric: its total is NaN too).
  AccuracyObservation nan = segmented({{"eu-west", {NAN, 240}}, {"us-east", {570, 600}}});
  nan.canary = counts(1140, 1200);
  const Verdict v = judgeAccuracy("accuracy", kLoose, kRegions, nan);
  EXPECT_EQ(v.phase, VerdictPhase::Inconclusive);
  EXPECT_EQ(v.reason, "segment region=eu-west: accuracy no data (NaN or Inf counts)");
  EXPECT_EQ(v.segments.at(0).phase, VerdictPhase::Inconclusive);
  EXPECT_EQ(v.segments.at(1).phase, VerdictPhase::Pass);
}

// --- versus stable ----------------------------------------------------------------------------------
AccuracyCriteria vsStable(double margin) {
  AccuracyCriteria c = floorCriteria(0.8, 100);
  c.maxDropVsStable = margin;
  return c;
}
AccuracyObservation withStable(std::pair<double, double> canary, std::pair<double, double> stable) {
  return observe(counts(canary.first, canary.second), counts(stable.first, stable.second));
}

TEST(VersusStable, FailsWhenConfidentlyWorseByMoreThanTheMargin) {
  // 0.89 vs 0.92 at 10,000 each: the floor (0.8) passes, the comparison fails.
  const Verdict v = judgeAccuracy("accuracy", vsStable(0.01), std::nullopt, withStable({8900, 10000}, {9200, 10000}));
  EXPECT_EQ(v.phase, VerdictPhase::Fail);
  EXPECT_THAT(v.reason, StartsWith("accuracy: canary 0.89 vs stable 0.92: difference upper bound -0.0"));
  EXPECT_THAT(v.reason, HasSubstr(" < -0.01, n=10000/10000"));
  ASSERT_TRUE(v.vsStable.has_value());
  EXPECT_NEAR(v.vsStable->difference, -0.03, 1e-12);
  EXPECT_LT(v.vsStable->upperBound, -0.01);
  EXPECT_NEAR(*v.stableValue, 0.92, 1e-12);
}

TEST(VersusStable, PassesOnlyWhenConfidentlyNotWorse) {
  // Floor and comparison share alpha 0.05: 0.025 each (at 97.5% the difference bound is -0.012).
  const Verdict pass = judgeAccuracy("accuracy", vsStable(0.02), std::nullopt, withStable({9200, 10000}, {9200, 10000}));
  EXPECT_EQ(pass.phase, VerdictPhase::Pass);
  EXPECT_THAT(pass.reason, StartsWith("accuracy 0.92 >= 0.8 (always-valid lower bound 0.907, Wilson 0.915, n=10000)"));
  EXPECT_THAT(pass.reason, HasSubstr("; not worse than stable by 0.02 (difference lower bound -0.012)"));
  // Same accuracies at 1,000 each: the sequence interval straddles -0.02.
  const Verdict unsure = judgeAccuracy("accuracy", vsStable(0.02), std::nullopt, withStable({920, 1000}, {920, 1000}));
  EXPECT_EQ(unsure.phase, VerdictPhase::Inconclusive);
  EXPECT_EQ(unsure.reason, "accuracy: canary 0.92 vs stable 0.92: difference bounds [-0.039, 0.039] straddle -0.02, n=1000/1000");
}

TEST(VersusStable, MissingOrThinStableData) {
  const Verdict noStable = judgeAccuracy("accuracy", vsStable(0.02), std::nullopt, canaryOnly(950, 1000));
  EXPECT_EQ(noStable.phase, VerdictPhase::Pass);  // no stable revision: the comparison is skipped
  EXPECT_FALSE(noStable.vsStable.has_value());
  const Verdict empty = judgeAccuracy("accuracy", vsStable(0.02), std::nullopt, withStable({950, 1000}, {0, 0}));
  EXPECT_EQ(empty.phase, VerdictPhase::Inconclusive);
  EXPECT_EQ(empty.reason, "accuracy: stable no data (no labelled predictions)");
  const Verdict thin = judgeAccuracy("accuracy", vsStable(0.02), std::nullopt, withStable({950, 1000}, {50, 50}));
  EXPECT_EQ(thin.phase, VerdictPhase::Inconclusive);
  EXPECT_EQ(thin.reason, "accuracy: stable 50 labelled samples < minSamples 100");
  const Verdict invalid = judgeAccuracy("accuracy", vsStable(0.02), std::nullopt, withStable({950, 1000}, {60, 50}));
  EXPECT_EQ(invalid.phase, VerdictPhase::Error);
  // Without maxDropVsStable the stable value is only reported.
  const Verdict reported = judgeAccuracy("accuracy", kLoose, std::nullopt, withStable({950, 1000}, {600, 1000}));
  EXPECT_EQ(reported.phase, VerdictPhase::Pass);
  EXPECT_NEAR(*reported.stableValue, 0.6, 1e-12);
  EXPECT_FALSE(reported.vsStable.has_value());
}

// --- label coverage -----------------------------------------------------------------------------------
TEST(LabelCoverage, LowCoverageIsInconclusive) {
  AccuracyCriteria c = kFloor;
  c.minLabelCoverage = 0.05;
  const Verdict low = judgeAccuracy("accuracy", c, std::nullopt, observe(counts(764, 812, 20000)));
  EXPECT_EQ(low.phase, VerdictPhase::Inconclusive);
  EXPECT_EQ(low.reason, "accuracy: canary label coverage 0.041 < 0.05 (812 labelled of 20000 predictions)");
  EXPECT_NEAR(*low.labelCoverage, 0.0406, 1e-12);
  // Biased labels can mislead either way: a confident failure on them is not acted on either.
  EXPECT_EQ(judgeAccuracy("accuracy", c, std::nullopt, observe(counts(700, 812, 20000))).phase, VerdictPhase::Inconclusive);
  const Verdict ok = judgeAccuracy("accuracy", c, std::nullopt, observe(counts(790, 812, 10000)));
  EXPECT_EQ(ok.phase, VerdictPhase::Pass);
  EXPECT_NEAR(*ok.labelCoverage, 0.0812, 1e-12);
  EXPECT_FALSE(low.labelsNeeded.has_value());  // more labels of the same kind would not help
  const Verdict stable = judgeAccuracy("accuracy", c, std::nullopt,
                                       observe(counts(790, 812, 10000), counts(9200, 10000, 500000)));
  EXPECT_EQ(stable.phase, VerdictPhase::Inconclusive);
  EXPECT_EQ(stable.reason, "accuracy: stable label coverage 0.02 < 0.05 (10000 labelled of 500000 predictions)");
  const Verdict unknown = judgeAccuracy("accuracy", c, std::nullopt, observe(counts(764, 812, NAN)));
  EXPECT_EQ(unknown.phase, VerdictPhase::Inconclusive);
  EXPECT_EQ(unknown.reason, "accuracy: no data for canary predictions (label coverage unknown)");
  // Without minLabelCoverage coverage is reported, not judged.
  const Verdict reported = judgeAccuracy("accuracy", kFloor, std::nullopt, observe(counts(790, 812, 20000)));
  EXPECT_EQ(reported.phase, VerdictPhase::Pass);
  EXPECT_NEAR(*reported.labelCoverage, 0.0406, 1e-12);
}

// --- thresholds ---------------------------------------------------------------------------------------
TEST(Threshold, MinMaxInclusive) {
  const ThresholdCriteria maxOnly{std::nullopt, 0.25};
  EXPECT_EQ(judgeThreshold("p99-latency-seconds", maxOnly, 0.21).reason, "p99-latency-seconds 0.21 <= 0.25");
  EXPECT_EQ(judgeThreshold("p99-latency-seconds", maxOnly, 0.25).phase, VerdictPhase::Pass);
  const Verdict slow = judgeThreshold("p99-latency-seconds", maxOnly, 0.31);
  EXPECT_EQ(slow.phase, VerdictPhase::Fail);
  EXPECT_EQ(slow.reason, "p99-latency-seconds 0.31 > max 0.25");
  EXPECT_EQ(*slow.value, 0.31);
  const ThresholdCriteria both{1.0, 10.0};
  EXPECT_EQ(judgeThreshold("cost", both, 5).reason, "cost 5 >= 1 and <= 10");
  EXPECT_EQ(judgeThreshold("cost", both, 0.5).reason, "cost 0.5 < min 1");
  EXPECT_EQ(judgeThreshold("cost", both, 0.5).phase, VerdictPhase::Fail);
}

TEST(Threshold, NoDataIsInconclusiveNeverZeroOrPass) {
  const ThresholdCriteria maxOnly{std::nullopt, 0.25};
  for (auto value : {std::optional<double>{}, std::optional<double>{NAN}, std::optional<double>{INFINITY},
                     std::optional<double>{-INFINITY}}) {
    const Verdict v = judgeThreshold("error-rate", maxOnly, value);
    EXPECT_EQ(v.phase, VerdictPhase::Inconclusive);
    EXPECT_EQ(v.reason, "error-rate: no data");
    EXPECT_FALSE(v.value.has_value());
  }
  EXPECT_EQ(judgeThreshold("x", {}, 1.0).phase, VerdictPhase::Error);
}

// --- verdict JSON -------------------------------------------------------------------------------------
TEST(VerdictJson, RoundTripsTheEvidence) {
  Verdict v = judgeAccuracy("accuracy", kLoose, kRegions,
                            segmented({{"ap-south", {380, 400}}, {"eu-west", {170, 240}}, {"us-east", {570, 600}}}));
  v.query = "sum by (region) (increase(model_feedback_correct_total[10m]))";
  const nlohmann::json j = toJson(v);
  EXPECT_EQ(j["phase"], "Failed");
  EXPECT_EQ(j["segments"][1]["segment"], "region=eu-west");
  EXPECT_EQ(j["samples"], 1240.0);
  auto back = verdictFromJson(j);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->phase, VerdictPhase::Fail);
  EXPECT_EQ(back->reason, v.reason);
  EXPECT_EQ(back->query, v.query);
  EXPECT_EQ(*back->lowerBound, *v.lowerBound);
  ASSERT_EQ(back->segments.size(), 3u);
  EXPECT_EQ(back->segments[1].upperBound, v.segments[1].upperBound);
  EXPECT_EQ(toJson(*back), j);

  nlohmann::json bad = j;
  bad["segments"][1]["samples"] = "many";
  auto err = verdictFromJson(bad);
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().message, "verdict.segments[1].samples: must be a number");
  bad = j;
  bad["phase"] = "Great";
  EXPECT_EQ(verdictFromJson(bad).error().message, "verdict.phase: unknown phase \"Great\"");
}

// Every field of the three verdict structs, each with a value of its own, survives toJson -> verdictFromJson
// (the JSON is written from one field table; a field left out of it fails here).
TEST(VerdictJson, EveryFieldSurvivesARoundTrip) {
  StableComparison c{-0.01, -0.03, 0.02, 0.05, 410, VerdictPhase::Pass, "vs stable"};
  SegmentVerdict s{"region=eu", VerdictPhase::Fail, 0.7, 0.6, 0.8, 120, "segment reason", c};
  Verdict v;
  v.metric = "accuracy";
  v.phase = VerdictPhase::Inconclusive;
  v.value = 0.91;
  v.lowerBound = 0.88;
  v.upperBound = 0.93;
  v.samples = 812;
  v.stableValue = 0.92;
  v.labelCoverage = 0.4;
  v.vsStable = c;
  v.segments = {s, s};
  v.query = "sum(x)";
  v.reason = "why";
  v.warmUp = true;
  v.labelsNeeded = 1200;
  auto back = verdictFromJson(toJson(v));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(toJson(*back), toJson(v));
  EXPECT_EQ(back->metric, v.metric);
  EXPECT_EQ(back->stableValue, v.stableValue);
  EXPECT_EQ(back->labelCoverage, v.labelCoverage);
  EXPECT_TRUE(back->warmUp);
  EXPECT_EQ(back->labelsNeeded, v.labelsNeeded);
  ASSERT_TRUE(back->vsStable);
  EXPECT_EQ(back->vsStable->margin, c.margin);
  EXPECT_EQ(back->vsStable->stableSamples, c.stableSamples);
  EXPECT_EQ(back->vsStable->phase, VerdictPhase::Pass);
  ASSERT_EQ(back->segments.size(), 2u);
  ASSERT_TRUE(back->segments[1].vsStable);
  EXPECT_EQ(back->segments[1].vsStable->reason, "vs stable");
  EXPECT_EQ(back->segments[1].reason, "segment reason");
}

}  // namespace
}  // namespace modelops::analysis
