// The judge: turns one measurement of a metric into a Verdict. Accuracy metrics are judged on counts with
// always-valid tests (the floor, non-inferiority versus stable, per-segment floors and per-segment
// non-inferiority) that share one error budget per metric, and label coverage; Wilson bounds are what
// people are shown. Plain metrics are judged against a threshold. No I/O, no clock.
// The statistics and the decision rules are documented in docs/statistics.md.
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "modelops/analysis/verdict.h"

namespace modelops::analysis {

// spec.analysis.metrics[].accuracy
struct AccuracyCriteria {
  double min = 0;            // floor on canary accuracy
  double confidence = 0.95;  // the metric's budget: each wrong decision (pass or fail) has error <= 1 - this
  double minSamples = 100;   // fewer canary trials: always inconclusive
  std::optional<double> maxDropVsStable;   // non-inferiority margin versus stable (absolute, e.g. 0.02)
  std::optional<double> minLabelCoverage;  // trials / predictions below this: inconclusive
  // Label-free guards sharing this metric's budget (guard_runner.h): each is one more equal share.
  int guardTests{};
};

// spec.analysis.metrics[].segments
struct SegmentCriteria {
  std::string by;                    // label name, e.g. "region"
  double min = 0;                    // floor on every segment's accuracy
  double minSamples = 0;             // a segment with fewer trials is inconclusive
  std::optional<double> confidence;  // caps the segment family's share of the budget (never widens it)
  std::optional<double> maxDropVsStable{};  // per-segment non-inferiority margin versus stable's same segment
  // The number of segments the budget is split over, fixed by the declaration or the first look (so a
  // query returning fewer series does not loosen the tests); the observed count when that is larger.
  std::optional<int> expectedSegments{};
};

// How the metric's error 1 - confidence is split (Bonferroni) over the tests the spec declares: the
// floor, the comparison with stable (when maxDropVsStable is declared) and the segment family (when
// segments are declared) share it equally; within the family every segment's floor and, with
// segments.maxDropVsStable, its comparison get an equal part. Each value is the error of one
// one-sided decision of one test.
struct ErrorBudget {
  double floor = 0.05;
  double vsStable = 0;          // 0: not declared
  double segmentEach = 0;       // each segment test; 0: no segments declared
  int segmentsCountedAs = 0;    // max(expectedSegments, observed, 1) when segments are declared
                                // (the judge observes canary's and stable's series together)
};
ErrorBudget splitErrorBudget(const AccuracyCriteria& criteria, const std::optional<SegmentCriteria>& segments,
                             int observedSegments);

// spec.analysis.metrics[].threshold (inclusive bounds: min <= value <= max passes).
struct ThresholdCriteria {
  std::optional<double> min;
  std::optional<double> max;
};

// One measurement of an accuracy metric. Counts are cumulative since the analysis started when the
// versus-stable test is used (its guarantee holds over the sequence of looks at a growing sample).
struct AccuracyObservation {
  Counts canary;
  std::optional<Counts> stable;  // nullopt: there is no stable revision to compare with (skipped)
  std::map<std::string, Counts> canarySegments;  // key: the segment label's value ("eu-west")
  std::map<std::string, Counts> stableSegments{};  // the same for stable (segments.maxDropVsStable)
};

// Judges an accuracy metric. The verdict is:
//   Error        counts are invalid (negative, NaN/Inf successes with trials, successes > trials) or the
//                criteria are (confidence outside (0,1), min outside [0,1]);
//   Inconclusive label coverage (canary or stable) below minLabelCoverage; otherwise
//   Fail         the floor, the versus-stable test or any segment confidently fails; otherwise
//   Inconclusive any part is inconclusive (no data, fewer than minSamples, bounds straddle the limit);
//                `warmUp` says it is only a sample below minSamples, `labelsNeeded` how many more labels;
//   Pass         every configured part passes.
// `reason` names the deciding part; `segments` and `vsStable` carry every part's evidence.
Verdict judgeAccuracy(const std::string& metric, const AccuracyCriteria& criteria,
                      const std::optional<SegmentCriteria>& segments, const AccuracyObservation& observation);

// Judges a plain metric. nullopt, NaN or Inf is "no data": Inconclusive, never a pass, never zero.
Verdict judgeThreshold(const std::string& metric, const ThresholdCriteria& criteria, std::optional<double> value);

}  // namespace modelops::analysis
