// Tests of the monitoring change detector (Bernoulli CUSUM): the log-likelihood arithmetic by hand, the
// base and re-base rules, invalid input, the threshold from the declared labels to a false alarm. Its
// false-alarm and detection rates are measured by unit.decision_simulation.
// Thread-safety: single-threaded tests.
#include "modelops/analysis/change_detection.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace modelops::analysis {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

Counts sinceStart(double successes, double trials) {
  Counts c;
  c.successes = successes;
  c.trials = trials;
  return c;
}

TEST(ChangeDetector, ThresholdAndLevelsFromTheFloor) {
  const ChangeDetectorConfig c = changeDetectorFor(0.90, 1e7);
  EXPECT_NEAR(c.healthy, 0.91, 1e-12);
  EXPECT_NEAR(c.degraded, 0.86, 1e-12);
  EXPECT_NEAR(c.threshold, 16.118096, 1e-6);  // ln(1e7)
  EXPECT_NEAR(changeDetectorFor(0.02, 0).threshold, 1.0, 1e-12);  // at least e labels
  EXPECT_GT(changeDetectorFor(0.02, 1e7).degraded, 0.0);         // clamped into (0, 1)
}

// 40 of 50 new labels correct: 40 ln(0.86/0.91) + 10 ln(0.14/0.09) = -2.260489 + 4.418328 = 2.157839.
TEST(ChangeDetector, AccumulatesTheLogLikelihoodRatioOfNewLabelsOnly) {
  const ChangeDetectorConfig c = changeDetectorFor(0.90, 1e7);
  ChangeStep step = updateChangeDetector({}, sinceStart(900, 1000), c);
  EXPECT_EQ(step.state.statistic, 0);
  EXPECT_THAT(step.reason, StartsWith("first reading (1000 labelled)"));
  step = updateChangeDetector(step.state, sinceStart(940, 1050), c);
  EXPECT_NEAR(step.state.statistic, 2.157839, 1e-6);
  EXPECT_EQ(step.newLabels, 50);
  EXPECT_FALSE(step.alarm);
  EXPECT_EQ(step.reason, "accuracy CUSUM 2.2 < 16.1 (new labels 50, 0.800 on them)");
  // 50 of 50 correct: 50 ln(0.86/0.91) = -2.8256, and the CUSUM does not go below zero.
  step = updateChangeDetector(step.state, sinceStart(990, 1100), c);
  EXPECT_EQ(step.state.statistic, 0);
  // Seven looks at 0.8: 7 x 2.157839 = 15.1 < 16.1; the eighth alarms.
  for (int i = 1; i <= 8; ++i) {
    step = updateChangeDetector(step.state, sinceStart(990 + 40 * i, 1100 + 50 * i), c);
    EXPECT_EQ(step.alarm, i == 8) << i;
  }
  EXPECT_THAT(step.reason, HasSubstr(" >= 16.1 "));
}

TEST(ChangeDetector, CountsGoingBackwardsRebaseAndInvalidCountsChangeNothing) {
  const ChangeDetectorConfig c = changeDetectorFor(0.90, 1e7);
  ChangeStep step = updateChangeDetector({}, sinceStart(900, 1000), c);
  step = updateChangeDetector(step.state, sinceStart(940, 1050), c);
  const double before = step.state.statistic;
  ChangeStep reset = updateChangeDetector(step.state, sinceStart(10, 12), c);  // the counter restarted
  EXPECT_TRUE(reset.rebased);
  EXPECT_EQ(reset.state.statistic, before);
  EXPECT_EQ(reset.state.lastReading->trials, 12);
  ChangeStep bad = updateChangeDetector(step.state, sinceStart(NAN, 1100), c);
  EXPECT_EQ(bad.state.statistic, before);
  EXPECT_EQ(bad.state.lastReading->trials, 1050);
  EXPECT_THAT(bad.reason, StartsWith("no usable counts"));
  EXPECT_EQ(updateChangeDetector(step.state, sinceStart(1200, 1100), c).state.lastReading->trials, 1050);
}

}  // namespace
}  // namespace modelops::analysis
