// Tests of the limits across measurements: failureLimit, inconclusiveLimit (pause with the reason),
// consecutiveErrorLimit (abort), all metrics passing, maxDuration with each onTimeout, sticky outcomes,
// and the JSON persistence of progress. Time is injected as plain WallTime values.
// Thread-safety: single-threaded tests.
#include "modelops/analysis/limits.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace modelops::analysis {
namespace {

using namespace std::chrono_literals;
using ::testing::StartsWith;

const WallTime kStart = WallTime{} + 1'800'000'000s;  // 2027-01-15T08:00:00Z

Verdict verdict(const std::string& metric, VerdictPhase phase, const std::string& reason) {
  Verdict v;
  v.metric = metric;
  v.phase = phase;
  v.reason = reason;
  return v;
}
Verdict pass(const std::string& m) { return verdict(m, VerdictPhase::Pass, m + " ok"); }
Verdict fail(const std::string& m) { return verdict(m, VerdictPhase::Fail, m + " upper bound 0.88 < 0.92, n=812"); }
// Inconclusive past warm-up, with no projection (the estimate sits on the floor): spends inconclusiveLimit.
Verdict unsure(const std::string& m) {
  return verdict(m, VerdictPhase::Inconclusive, m + " 0.92 inconclusive against 0.92: always-valid bounds [0.9, 0.94], n=812");
}
// Below minSamples: warm-up.
Verdict warmingUp(const std::string& m, double samples) {
  Verdict v = verdict(m, VerdictPhase::Inconclusive, m + ": labelled samples < minSamples 500");
  v.warmUp = true;
  v.samples = samples;
  v.labelsNeeded = 500 - samples;
  return v;
}
// Past warm-up, undecided, projected to decide within `needed` more labels.
Verdict converging(const std::string& m, double samples, double needed) {
  Verdict v = verdict(m, VerdictPhase::Inconclusive, m + " 0.95 inconclusive against 0.92");
  v.samples = samples;
  v.labelsNeeded = needed;
  return v;
}
Verdict error(const std::string& m) { return verdict(m, VerdictPhase::Error, m + ": prometheus: connection refused"); }

AnalysisPolicy policy(std::vector<std::string> metrics, MetricLimits limits = {}) {
  AnalysisPolicy p;
  for (auto& m : metrics) {
    MetricPolicy mp;
    mp.metric = std::move(m);
    mp.limits = limits;
    p.metrics.push_back(std::move(mp));
  }
  return p;
}

// Runs one interval per batch of verdicts, 30 s apart, and returns the last decision.
AnalysisDecision run(const AnalysisPolicy& p, const std::vector<std::vector<Verdict>>& intervals,
                     AnalysisProgress progress = {}) {
  AnalysisDecision d;
  WallTime now = kStart;
  for (const auto& batch : intervals) {
    d = decide(progress, batch, p, now);
    progress = d.progress;
    now += 30s;
  }
  return d;
}

TEST(Limits, OneFailureFailsWithTheDefaultLimit) {
  const auto d = run(policy({"accuracy"}), {{unsure("accuracy")}, {fail("accuracy")}});
  EXPECT_EQ(d.outcome, AnalysisOutcome::Failed);
  EXPECT_EQ(d.reason, "accuracy failed 1 time (failureLimit 0): accuracy upper bound 0.88 < 0.92, n=812");
  EXPECT_EQ(d.metric, "accuracy");
  EXPECT_FALSE(d.timedOut);
  EXPECT_EQ(to_string(d.outcome), "Failed");
}

TEST(Limits, FailuresUpToTheLimitAreTolerated) {
  MetricLimits limits;
  limits.failureLimit = 2;
  const auto p = policy({"accuracy"}, limits);
  EXPECT_EQ(run(p, {{fail("accuracy")}, {fail("accuracy")}}).outcome, AnalysisOutcome::Running);
  const auto d = run(p, {{fail("accuracy")}, {fail("accuracy")}, {fail("accuracy")}});
  EXPECT_EQ(d.outcome, AnalysisOutcome::Failed);
  EXPECT_THAT(d.reason, StartsWith("accuracy failed 3 times (failureLimit 2): "));
  EXPECT_EQ(d.progress.metrics.at(0).failures, 3);
}

TEST(Limits, TooManyInconclusivesPauseAndSayWhy) {
  std::vector<std::vector<Verdict>> intervals(10, {unsure("accuracy")});
  EXPECT_EQ(run(policy({"accuracy"}), intervals).outcome, AnalysisOutcome::Running);  // 10 tolerated
  intervals.push_back({unsure("accuracy")});
  const auto d = run(policy({"accuracy"}), intervals);
  EXPECT_EQ(d.outcome, AnalysisOutcome::Paused);
  EXPECT_EQ(d.reason,
            "accuracy inconclusive 11 times (inconclusiveLimit 10): accuracy 0.92 inconclusive against 0.92: "
            "always-valid bounds [0.9, 0.94], n=812");
}

TEST(Limits, ConsecutiveErrorsAbortAndASuccessResetsTheRun) {
  // Three errors, a pass (resets), then four errors: aborted on the fourth in a row, not the seventh overall.
  std::vector<std::vector<Verdict>> intervals = {{error("accuracy")}, {error("accuracy")}, {error("accuracy")},
                                                 {unsure("accuracy")}, {error("accuracy")}, {error("accuracy")},
                                                 {error("accuracy")}};
  const auto running = run(policy({"accuracy"}), intervals);
  EXPECT_EQ(running.outcome, AnalysisOutcome::Running);
  EXPECT_EQ(running.progress.metrics.at(0).consecutiveErrors, 3);
  EXPECT_EQ(running.progress.metrics.at(0).errors, 6);
  EXPECT_EQ(running.progress.metrics.at(0).inconclusives, 1);  // errors are not inconclusives
  intervals.push_back({error("accuracy")});
  const auto d = run(policy({"accuracy"}), intervals);
  EXPECT_EQ(d.outcome, AnalysisOutcome::Aborted);
  EXPECT_EQ(d.reason, "accuracy could not be measured 4 times in a row (consecutiveErrorLimit 4): "
                      "accuracy: prometheus: connection refused");
}

TEST(Limits, PassesOnlyWhenEveryMetricsLatestVerdictPasses) {
  const auto p = policy({"accuracy", "p99-latency-seconds"});
  EXPECT_EQ(run(p, {{pass("accuracy")}}).outcome, AnalysisOutcome::Running);  // latency not measured yet
  const auto waiting = run(p, {{pass("accuracy"), unsure("p99-latency-seconds")}});
  EXPECT_EQ(waiting.outcome, AnalysisOutcome::Running);
  EXPECT_EQ(waiting.metric, "p99-latency-seconds");
  EXPECT_THAT(waiting.reason, StartsWith("p99-latency-seconds 0.92 inconclusive"));
  // A metric that regressed to inconclusive no longer counts as passed.
  EXPECT_EQ(run(p, {{pass("accuracy"), unsure("p99-latency-seconds")}, {unsure("accuracy"), pass("p99-latency-seconds")}})
                .outcome,
            AnalysisOutcome::Running);
  const auto d = run(p, {{pass("accuracy"), unsure("p99-latency-seconds")}, {pass("p99-latency-seconds")}});
  EXPECT_EQ(d.outcome, AnalysisOutcome::Passed);
  EXPECT_EQ(d.reason, "accuracy ok; p99-latency-seconds ok");
  // Verdicts for metrics outside the policy change nothing.
  EXPECT_EQ(run(policy({"accuracy"}), {{fail("other")}}).outcome, AnalysisOutcome::Running);
}

TEST(Limits, FailureWinsOverPassAndErrorsInTheSameInterval) {
  const auto p = policy({"accuracy", "latency"}, MetricLimits{0, 10, 1});
  const auto d = run(p, {{error("accuracy"), fail("latency")}});
  EXPECT_EQ(d.outcome, AnalysisOutcome::Failed);
  EXPECT_EQ(d.metric, "latency");
}

AnalysisPolicy timed(OnTimeout onTimeout) {
  AnalysisPolicy p = policy({"accuracy"});
  p.maxDuration = 10min;
  p.onTimeout = onTimeout;
  return p;
}

TEST(Timeout, AppliesOnTimeoutAfterMaxDuration) {
  AnalysisProgress progress;
  auto d = decide(progress, {unsure("accuracy")}, timed(OnTimeout::Rollback), kStart);
  EXPECT_EQ(d.progress.startedAt, kStart);  // the clock starts at the first measurement
  d = decide(d.progress, {unsure("accuracy")}, timed(OnTimeout::Rollback), kStart + 9min + 59s);
  EXPECT_EQ(d.outcome, AnalysisOutcome::Running);
  const AnalysisProgress before = d.progress;

  const auto rollback = decide(before, {unsure("accuracy")}, timed(OnTimeout::Rollback), kStart + 10min);
  EXPECT_EQ(rollback.outcome, AnalysisOutcome::Failed);
  EXPECT_TRUE(rollback.timedOut);
  EXPECT_EQ(rollback.reason, "analysis timed out after 10m (maxDuration), rolling back (onTimeout: Rollback): "
                             "accuracy 0.92 inconclusive against 0.92: always-valid bounds [0.9, 0.94], n=812");
  const auto hold = decide(before, {unsure("accuracy")}, timed(OnTimeout::Hold), kStart + 10min);
  EXPECT_EQ(hold.outcome, AnalysisOutcome::Paused);
  EXPECT_TRUE(hold.timedOut);
  EXPECT_THAT(hold.reason, StartsWith("analysis timed out after 10m (maxDuration), holding for a decision"));
  const auto promote = decide(before, {unsure("accuracy")}, timed(OnTimeout::Promote), kStart + 10min);
  EXPECT_EQ(promote.outcome, AnalysisOutcome::Passed);
  EXPECT_TRUE(promote.timedOut);
  EXPECT_THAT(promote.reason, StartsWith("analysis timed out after 10m (maxDuration), promoting (onTimeout: Promote)"));
  // A pass or a failure in the interval that reaches the deadline is a real verdict, not a timeout.
  const auto passed = decide(before, {pass("accuracy")}, timed(OnTimeout::Rollback), kStart + 10min);
  EXPECT_EQ(passed.outcome, AnalysisOutcome::Passed);
  EXPECT_FALSE(passed.timedOut);
  const auto failed = decide(before, {fail("accuracy")}, timed(OnTimeout::Promote), kStart + 10min);
  EXPECT_EQ(failed.outcome, AnalysisOutcome::Failed);
  EXPECT_FALSE(failed.timedOut);
}

TEST(Outcome, TerminalOutcomesAreSticky) {
  const auto p = policy({"accuracy"});
  const auto failed = run(p, {{fail("accuracy")}});
  const auto later = decide(failed.progress, {pass("accuracy")}, p, kStart + 1h);
  EXPECT_EQ(later.outcome, AnalysisOutcome::Failed);
  EXPECT_EQ(later.reason, failed.reason);
  EXPECT_EQ(later.progress.metrics.at(0).measurements, 1);  // nothing folded after the end
}

TEST(Outcome, NoMetricsAborts) {
  const auto d = decide({}, {}, AnalysisPolicy{}, kStart);
  EXPECT_EQ(d.outcome, AnalysisOutcome::Aborted);
  EXPECT_EQ(d.reason, "analysis has no metrics");
}

// Issue 15 item 4: warm-up looks (below minSamples) do not spend inconclusiveLimit. Without the rule the
// 11th warm-up look paused this analysis (checked by reverting fold() to count every inconclusive).
TEST(Limits, WarmUpDoesNotSpendTheInconclusiveBudget) {
  std::vector<std::vector<Verdict>> intervals;
  for (int i = 1; i <= 12; ++i) intervals.push_back({warmingUp("accuracy", 40.0 * i)});
  const auto d = run(policy({"accuracy"}), intervals);
  EXPECT_EQ(d.outcome, AnalysisOutcome::Running);
  EXPECT_EQ(d.progress.metrics[0].inconclusives, 0);
  EXPECT_EQ(d.progress.metrics[0].accumulating, 12);
  // 40 labels per 30 s: 1.33 labels/s; 20 more labels take 15 s.
  EXPECT_EQ(d.reason, "accuracy: labelled samples < minSamples 500; needs about 20 more labels (about 15s at 1.33 labels/s)");
  intervals.push_back({pass("accuracy")});
  EXPECT_EQ(run(policy({"accuracy"}), intervals).outcome, AnalysisOutcome::Passed);
}

// A converging look (projection within kConvergingFactor times the labels seen) does not spend the
// budget; one that needs more, or cannot be projected, does.
TEST(Limits, ConvergingLooksDoNotSpendTheBudgetStuckOnesDo) {
  std::vector<std::vector<Verdict>> intervals(20, {converging("accuracy", 1000, 3000)});
  EXPECT_EQ(run(policy({"accuracy"}), intervals).progress.metrics[0].inconclusives, 0);
  std::vector<std::vector<Verdict>> far(11, {converging("accuracy", 1000, 5000)});
  const auto d = run(policy({"accuracy"}), far);
  EXPECT_EQ(d.outcome, AnalysisOutcome::Paused);
  EXPECT_THAT(d.reason, StartsWith("accuracy inconclusive 11 times (inconclusiveLimit 10): accuracy 0.95 inconclusive "
                                   "against 0.92; needs about 5000 more labels"));
}

TEST(ProgressJson, RoundTripsAndRejectsMalformedInput) {
  const auto p = policy({"accuracy", "latency"});
  const auto d = run(p, {{unsure("accuracy"), error("latency")}, {fail("accuracy")}});
  const nlohmann::json j = toJson(d.progress);
  nlohmann::json bad;
  EXPECT_EQ(j["outcome"], "Failed");
  EXPECT_EQ(j["startedAt"], "2027-01-15T08:00:00.000000Z");
  EXPECT_EQ(j["metrics"][0]["latest"]["phase"], "Failed");
  auto back = progressFromJson(j);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->startedAt, kStart);
  EXPECT_EQ(back->outcome, AnalysisOutcome::Failed);
  EXPECT_EQ(back->decidedBy, "accuracy");
  ASSERT_EQ(back->metrics.size(), 2u);
  EXPECT_EQ(back->metrics[0].failures, 1);
  EXPECT_EQ(back->metrics[0].inconclusives, 1);
  EXPECT_EQ(back->metrics[1].consecutiveErrors, 1);
  EXPECT_EQ(back->metrics[1].latest->reason, "latency: prometheus: connection refused");
  EXPECT_EQ(toJson(*back), j);
  // The new bookkeeping (accumulating looks, the label rate) round-trips too.
  const auto warm = run(p, {{warmingUp("accuracy", 100)}, {warmingUp("accuracy", 160)}});
  const nlohmann::json wj = toJson(warm.progress);
  EXPECT_EQ(wj["metrics"][0]["accumulating"], 2);
  EXPECT_EQ(wj["metrics"][0]["latest"]["warmUp"], true);
  EXPECT_EQ(wj["metrics"][0]["latest"]["labelsNeeded"], 340.0);
  EXPECT_DOUBLE_EQ(wj["metrics"][0]["labelsPerSecond"].get<double>(), 2.0);
  auto wback = progressFromJson(wj);
  ASSERT_TRUE(wback.ok()) << wback.error().message;
  EXPECT_EQ(toJson(*wback), wj);
  bad = wj;
  bad["metrics"][0]["latestAt"] = "yesterday";
  EXPECT_EQ(progressFromJson(bad).error().message, "progress.metrics[0].latestAt: must be an RFC 3339 time");

  // Progress survives persistence between intervals: the count continues from the stored state.
  const auto resumed = run(p, {{unsure("accuracy"), error("latency")}});
  auto stored = progressFromJson(toJson(resumed.progress));
  ASSERT_TRUE(stored.ok());
  const auto next = decide(*stored, {error("latency")}, p, kStart + 30s);
  EXPECT_EQ(next.progress.metrics[1].consecutiveErrors, 2);

  bad = j;
  bad["metrics"][1]["failures"] = -1;
  EXPECT_EQ(progressFromJson(bad).error().message, "progress.metrics[1].failures: must be a non-negative integer");
  bad = j;
  bad["outcome"] = "Done";
  EXPECT_EQ(progressFromJson(bad).error().message,
            "progress.outcome: must be one of Running, Passed, Failed, Paused, Aborted");
  bad = j;
  bad["metrics"][0]["latest"]["value"] = "high";
  EXPECT_EQ(progressFromJson(bad).error().message, "progress.metrics[0].latest.value: must be a number");
  EXPECT_FALSE(progressFromJson(nlohmann::json::array()).ok());
}

// The segment count of an analysis is the most segments any look listed (issue 15 item 2): a look whose
// answer has fewer series does not lower it, and it survives the round trip through status.
TEST(Limits, SegmentsSeenIsTheMostAnyLookListedAndIsKept) {
  auto withSegments = [](int count) {
    Verdict v = unsure("accuracy");
    for (int i = 0; i < count; ++i) {
      SegmentVerdict segment;
      segment.segment = "region=r" + std::to_string(i);
      v.segments.push_back(std::move(segment));
    }
    return v;
  };
  const AnalysisDecision d = run(policy({"accuracy"}), {{withSegments(4)}, {withSegments(2)}, {withSegments(3)}});
  ASSERT_EQ(d.progress.metrics.size(), 1u);
  EXPECT_EQ(d.progress.metrics[0].segmentsSeen, 4);
  const auto j = toJson(d.progress);
  EXPECT_EQ(j["metrics"][0]["segmentsSeen"], 4);
  auto back = progressFromJson(j);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->metrics[0].segmentsSeen, 4);
  auto bad = j;
  bad["metrics"][0]["segmentsSeen"] = -1;
  EXPECT_EQ(progressFromJson(bad).error().message, "progress.metrics[0].segmentsSeen: must be a non-negative integer");
}

}  // namespace
}  // namespace modelops::analysis
