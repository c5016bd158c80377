// Tests of issue 15's decision rules at the unit level: the always-valid floor (hand-computed bounds),
// the projection of labels to a decision, the one error budget per metric, segments versus stable
// (naming the segment), and warm-up/labelsNeeded on the verdict. Reference values were computed with
// Python's statistics.NormalDist (see judge_test.cpp for the formula). The error rates over many looks
// are measured by unit.decision_simulation.
// Thread-safety: single-threaded tests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "modelops/analysis/judge.h"
#include "modelops/analysis/sequential.h"

namespace modelops::analysis {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

Counts labelled(double successes, double trials) {
  Counts c;
  c.successes = successes;
  c.trials = trials;
  return c;
}

// 790/812 against 0.92 at alpha 0.05: v = 0.92*0.08/812 = 9.0640e-5, half-width 0.026478.
TEST(AlwaysValidFloor, BoundsMatchHandComputation) {
  const FloorResult r = testFloor({790, 812, 0.92, 0.95, kDefaultMixtureScale});
  EXPECT_EQ(r.decision, FloorDecision::Above);
  EXPECT_NEAR(r.estimate - r.lowerBound, 0.026478, 2e-6);
  EXPECT_NEAR(alwaysValidHalfWidth(0.92 * 0.08 / 812, 0.05, 0.02), 0.026478, 2e-6);
  EXPECT_EQ(testFloor({700, 812, 0.92, 0.95, kDefaultMixtureScale}).decision, FloorDecision::Below);
  EXPECT_EQ(testFloor({764, 812, 0.92, 0.95, kDefaultMixtureScale}).decision, FloorDecision::Undecided);
  EXPECT_EQ(testFloor({0, 0, 0.92, 0.95, kDefaultMixtureScale}).decision, FloorDecision::Undecided);
  // The floor of 0 or 1 keeps the bound defined: everything passes 0, a single error fails 1.
  EXPECT_EQ(testFloor({3, 500, 0.0, 0.95, kDefaultMixtureScale}).decision, FloorDecision::Above);
  EXPECT_EQ(testFloor({499, 500, 1.0, 0.95, kDefaultMixtureScale}).decision, FloorDecision::Below);
}

// The projection is the smallest n at which the half-width reaches the gap.
TEST(AlwaysValidFloor, SamplesToDecideIsTheSmallestSufficientSample) {
  const double perUnit = 0.92 * 0.08;
  for (double gap : {0.005, 0.01, 0.03, 0.1}) {
    const auto n = samplesToDecide(perUnit, gap, 0.05, 0.02);
    ASSERT_TRUE(n.has_value()) << gap;
    EXPECT_LE(alwaysValidHalfWidth(perUnit / *n, 0.05, 0.02), gap) << gap;
    EXPECT_GT(alwaysValidHalfWidth(perUnit / (*n - 1), 0.05, 0.02), gap) << gap;
  }
  EXPECT_FALSE(samplesToDecide(perUnit, 0.0, 0.05, 0.02).has_value());     // on the limit: never
  EXPECT_FALSE(samplesToDecide(perUnit, 1e-7, 0.05, 0.02).has_value());    // beyond 1e9 labels
}

// tau = sqrt(var (-2 ln a + ln(1 - 2 ln a)) / m): var 0.1275 (min 0.85), a = 0.025/3, m = 200:
// -2 ln a = 9.574983, ln(10.574983) = 2.358491, tau = sqrt(0.1275 * 11.933475 / 200) = 0.087222.
// With m = 2,000 at min 0.92, a = 0.05 it would be 0.0171: the default 0.02 is the least.
TEST(AlwaysValidFloor, MixtureScaleIsTunedToTheDeclaredSampleSize) {
  EXPECT_NEAR(mixtureScaleFor(0.85 * 0.15, 0.025 / 3, 200), 0.087222, 1e-6);
  EXPECT_EQ(mixtureScaleFor(0.92 * 0.08, 0.05, 2000), kDefaultMixtureScale);
  EXPECT_EQ(mixtureScaleFor(0.92 * 0.08, 1.5, 100), kDefaultMixtureScale);  // invalid alpha: the default
  // Tuned at m, the half-width at m is smaller than with the default scale.
  const double v = 0.85 * 0.15 / 200;
  EXPECT_LT(alwaysValidHalfWidth(v, 0.025 / 3, 0.087222), alwaysValidHalfWidth(v, 0.025 / 3, kDefaultMixtureScale));
}

AccuracyCriteria criteria(double min, std::optional<double> maxDrop) {
  AccuracyCriteria c;
  c.min = min;
  c.confidence = 0.95;
  c.minSamples = 100;
  c.maxDropVsStable = maxDrop;
  return c;
}
SegmentCriteria byRegion(std::optional<double> maxDrop) {
  SegmentCriteria s;
  s.by = "region";
  s.min = 0.65;
  s.minSamples = 50;
  s.maxDropVsStable = maxDrop;
  return s;
}

TEST(ErrorBudget, TheDeclaredTestsShareTheMetricsConfidence) {
  const ErrorBudget floorOnly = splitErrorBudget(criteria(0.9, std::nullopt), std::nullopt, 0);
  EXPECT_NEAR(floorOnly.floor, 0.05, 1e-15);
  EXPECT_EQ(floorOnly.vsStable, 0);
  EXPECT_EQ(floorOnly.segmentEach, 0);
  const ErrorBudget all = splitErrorBudget(criteria(0.9, 0.02), byRegion(0.05), 4);
  EXPECT_NEAR(all.floor, 0.05 / 3, 1e-15);
  EXPECT_NEAR(all.vsStable, 0.05 / 3, 1e-15);
  EXPECT_NEAR(all.segmentEach, 0.05 / 3 / (4 * 2), 1e-15);  // four segments, floor and comparison each
  EXPECT_EQ(all.segmentsCountedAs, 4);
  // The declared (or first look's) count holds when a query returns fewer series; more series count.
  SegmentCriteria declared = byRegion(std::nullopt);
  declared.expectedSegments = 5;
  EXPECT_EQ(splitErrorBudget(criteria(0.9, std::nullopt), declared, 2).segmentsCountedAs, 5);
  EXPECT_EQ(splitErrorBudget(criteria(0.9, std::nullopt), declared, 7).segmentsCountedAs, 7);
  // segments.confidence can only tighten the family's share, never widen the budget.
  declared.confidence = 0.5;
  EXPECT_NEAR(splitErrorBudget(criteria(0.9, std::nullopt), declared, 5).segmentEach, 0.025 / 5, 1e-15);
  declared.confidence = 0.999;
  EXPECT_NEAR(splitErrorBudget(criteria(0.9, std::nullopt), declared, 5).segmentEach, 0.001 / 5, 1e-15);
}

AccuracyObservation regions(const std::map<std::string, std::pair<double, double>>& canary,
                            const std::map<std::string, std::pair<double, double>>& stable) {
  AccuracyObservation o;
  for (const auto& [k, sn] : canary) o.canarySegments[k] = labelled(sn.first, sn.second);
  for (const auto& [k, sn] : stable) o.stableSegments[k] = labelled(sn.first, sn.second);
  o.canary = total(o.canarySegments);
  o.stable = total(o.stableSegments);
  return o;
}

// eu-west 720/1000 (0.72) against stable's eu-west 9500/10000 (0.95): above the segment floor 0.65,
// 23 points worse than stable; the overall floor (0.85) and overall comparison (margin 0.05) pass.
TEST(SegmentsVersusStable, ASegmentMuchWorseThanStablesFailsNamingIt) {
  const auto obs = regions({{"eu-west", {720, 1000}}, {"us-east", {9500, 10000}}},
                           {{"eu-west", {9500, 10000}}, {"us-east", {9500, 10000}}});
  const Verdict v = judgeAccuracy("accuracy", criteria(0.85, 0.05), byRegion(0.05), obs);
  EXPECT_EQ(v.phase, VerdictPhase::Fail);
  EXPECT_THAT(v.reason, StartsWith("segment region=eu-west: accuracy: canary 0.72 vs stable 0.95: difference upper bound "));
  EXPECT_THAT(v.reason, HasSubstr(" < -0.05, n=1000/10000"));
  ASSERT_EQ(v.segments.size(), 2u);
  ASSERT_TRUE(v.segments[0].vsStable.has_value());
  EXPECT_EQ(v.segments[0].vsStable->phase, VerdictPhase::Fail);
  EXPECT_NEAR(v.segments[0].vsStable->difference, -0.23, 1e-12);
  EXPECT_EQ(v.segments[1].phase, VerdictPhase::Pass);
  // Without segments.maxDropVsStable the segment is only held to its floor, which it meets.
  EXPECT_EQ(judgeAccuracy("accuracy", criteria(0.85, 0.05), byRegion(std::nullopt), obs).segments[0].phase,
            VerdictPhase::Pass);
}

TEST(SegmentsVersusStable, AMissingOrThinStableSegmentIsInconclusive) {
  const auto missing = regions({{"eu-west", {950, 1000}}, {"us-east", {9500, 10000}}}, {{"us-east", {9500, 10000}}});
  const Verdict v = judgeAccuracy("accuracy", criteria(0.85, std::nullopt), byRegion(0.05), missing);
  EXPECT_EQ(v.phase, VerdictPhase::Inconclusive);
  EXPECT_EQ(v.reason, "segment region=eu-west: accuracy: stable no data (no series for this segment)");
  EXPECT_FALSE(v.labelsNeeded.has_value());
  const auto thin = regions({{"eu-west", {950, 1000}}, {"us-east", {9500, 10000}}},
                            {{"eu-west", {20, 20}}, {"us-east", {9500, 10000}}});
  const Verdict w = judgeAccuracy("accuracy", criteria(0.85, std::nullopt), byRegion(0.05), thin);
  EXPECT_EQ(w.phase, VerdictPhase::Inconclusive);
  EXPECT_TRUE(w.warmUp);
  EXPECT_EQ(w.reason, "segment region=eu-west: accuracy: stable 20 labelled samples < minSamples 50");
}

// Equal arms at 0.95, margin 0.02, 600 per arm: undecided, with a projection of about 2,000 more
// labels (the comparison needs ~2,600 per arm at alpha 0.025).
TEST(LabelsNeeded, AnUndecidedComparisonProjectsItsLabels) {
  AccuracyObservation o;
  o.canary = labelled(570, 600);
  o.stable = labelled(570, 600);
  const Verdict v = judgeAccuracy("accuracy", criteria(0.5, 0.02), std::nullopt, o);
  EXPECT_EQ(v.phase, VerdictPhase::Inconclusive);
  EXPECT_FALSE(v.warmUp);
  ASSERT_TRUE(v.labelsNeeded.has_value());
  EXPECT_GT(*v.labelsNeeded, 1000);
  EXPECT_LT(*v.labelsNeeded, 4000);
  // One more look at the projected size decides, if the estimates hold.
  AccuracyObservation later;
  const double n = 600 + *v.labelsNeeded;
  later.canary = labelled(0.95 * n, n);
  later.stable = labelled(0.95 * n, n);
  EXPECT_EQ(judgeAccuracy("accuracy", criteria(0.5, 0.02), std::nullopt, later).phase, VerdictPhase::Pass);
}

}  // namespace
}  // namespace modelops::analysis
