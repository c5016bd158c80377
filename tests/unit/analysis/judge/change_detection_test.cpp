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

// The declared expected time to a false alarm, in looks K: h = ln(2K), so that P(alarm by look L) <=
// L e^-h = L / 2K and the expected looks to a false alarm are at least K.
TEST(ChangeDetector, ThresholdFromTheExpectedLooksToAFalseAlarm) {
  const double looksPerYearAt5m = 365.0 * 24 * 12;
  const ChangeDetectorConfig c = changeDetectorForLooks(0.90, looksPerYearAt5m);
  EXPECT_NEAR(c.threshold, std::log(2 * looksPerYearAt5m), 1e-12);
  EXPECT_NEAR(c.threshold, 12.256, 1e-3);
  EXPECT_NEAR(c.healthy, 0.91, 1e-12);
  EXPECT_NEAR(c.degraded, 0.86, 1e-12);
  EXPECT_EQ(changeDetectorForLooks(0.90, 0.1).threshold, 1.0);  // never below 1
  EXPECT_TRUE(std::isfinite(changeDetectorForLooks(0.90, INFINITY).threshold));
}

Verdict measured(VerdictPhase phase, double successes, double trials) {
  Verdict v;
  v.metric = "accuracy";
  v.phase = phase;
  v.value = successes / trials;
  v.samples = trials;
  v.lowerBound = 0.1;
  v.reason = "as judged";
  return v;
}

TEST(JudgeChange, FirstReadingIsWarmUpThenTheDetectorDecidesNotTheJudge) {
  const ChangeDetectorConfig c = changeDetectorForLooks(0.90, 1e5);
  auto first = judgeChange(measured(VerdictPhase::Fail, 700, 1000), {}, c);
  EXPECT_EQ(first.verdict.phase, VerdictPhase::Inconclusive);
  EXPECT_TRUE(first.verdict.warmUp);
  ASSERT_TRUE(first.state.lastReading);
  EXPECT_EQ(first.state.lastReading->trials, 1000);
  EXPECT_EQ(first.verdict.lowerBound, 0.1) << "the measured evidence stays for display";
  // 0.95 on 1,000 new labels: the window's Fail above is not degradation.
  auto healthy = judgeChange(measured(VerdictPhase::Fail, 1650, 2000), first.state, c);
  EXPECT_EQ(healthy.verdict.phase, VerdictPhase::Pass);
  EXPECT_EQ(healthy.state.statistic, 0);
  EXPECT_THAT(healthy.verdict.reason, StartsWith("no drop detected: accuracy CUSUM 0.0 < 12.2"));
  EXPECT_THAT(healthy.verdict.reason, HasSubstr("1000 labels since monitoring started"));
  // 0.75 on 1,000 new labels: LLR = 750 ln(0.86/0.91) + 250 ln(0.14/0.09), far above h.
  auto dropped = judgeChange(measured(VerdictPhase::Pass, 2400, 3000), healthy.state, c);
  EXPECT_EQ(dropped.verdict.phase, VerdictPhase::Fail);
  EXPECT_NEAR(dropped.state.statistic, 750 * std::log(0.86 / 0.91) + 250 * std::log(0.14 / 0.09), 1e-9);
  EXPECT_THAT(dropped.verdict.reason, StartsWith("accuracy dropped: accuracy CUSUM 68.1 >= 12.2"));
}

TEST(JudgeChange, ErrorsAndMissingDataLeaveTheStateAndResetsRebase) {
  const ChangeDetectorConfig c = changeDetectorForLooks(0.90, 1e5);
  ChangeDetectorState s;
  s.statistic = 5;
  s.lastReading = Counts{900, 1000, std::nullopt};
  s.labelsSeen = 1000;
  Verdict error;
  error.metric = "accuracy";
  error.phase = VerdictPhase::Error;
  error.reason = "connection refused";
  auto e = judgeChange(error, s, c);
  EXPECT_EQ(e.verdict.phase, VerdictPhase::Error);
  EXPECT_EQ(e.state.statistic, 5);
  Verdict none = error;
  none.phase = VerdictPhase::Inconclusive;
  none.reason = "no data";
  auto n = judgeChange(none, s, c);
  EXPECT_EQ(n.verdict.phase, VerdictPhase::Inconclusive);
  EXPECT_FALSE(n.verdict.warmUp) << "no data spends inconclusiveLimit, as elsewhere";
  EXPECT_EQ(n.state.lastReading->trials, 1000);
  auto reset = judgeChange(measured(VerdictPhase::Pass, 45, 50), s, c);
  EXPECT_EQ(reset.verdict.phase, VerdictPhase::Inconclusive);
  EXPECT_TRUE(reset.verdict.warmUp);
  EXPECT_EQ(reset.state.statistic, 5) << "a re-base keeps the evidence";
  EXPECT_EQ(reset.state.lastReading->trials, 50);
}

}  // namespace
}  // namespace modelops::analysis
