// The judge: turns one measurement of a metric into a Verdict. Accuracy metrics are judged on counts with
// confidence (Wilson floor, always-valid non-inferiority versus stable, per-segment floors with a
// multiplicity correction, label coverage); plain metrics against a threshold. No I/O, no clock.
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
  double confidence = 0.95;  // one-sided confidence of each bound (pass and fail are each tested at it)
  double minSamples = 100;   // fewer canary trials: always inconclusive
  std::optional<double> maxDropVsStable;   // non-inferiority margin versus stable (absolute, e.g. 0.02)
  std::optional<double> minLabelCoverage;  // trials / predictions below this: inconclusive
};

// spec.analysis.metrics[].segments
struct SegmentCriteria {
  std::string by;                    // label name, e.g. "region"
  double min = 0;                    // floor on every segment's accuracy
  double minSamples = 0;             // a segment with fewer trials is inconclusive
  std::optional<double> confidence;  // family-wise confidence over all segments; default: the metric's
};

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
};

// Judges an accuracy metric. The verdict is:
//   Error        counts are invalid (negative, NaN/Inf successes with trials, successes > trials) or the
//                criteria are (confidence outside (0,1), min outside [0,1]);
//   Inconclusive label coverage (canary or stable) below minLabelCoverage; otherwise
//   Fail         the floor, the versus-stable test or any segment confidently fails; otherwise
//   Inconclusive any part is inconclusive (no data, fewer than minSamples, bounds straddle the limit);
//   Pass         every configured part passes.
// `reason` names the deciding part; `segments` and `vsStable` carry every part's evidence.
Verdict judgeAccuracy(const std::string& metric, const AccuracyCriteria& criteria,
                      const std::optional<SegmentCriteria>& segments, const AccuracyObservation& observation);

// Judges a plain metric. nullopt, NaN or Inf is "no data": Inconclusive, never a pass, never zero.
Verdict judgeThreshold(const std::string& metric, const ThresholdCriteria& criteria, std::optional<double> value);

}  // namespace modelops::analysis
