// Internal parts of the judge shared by judge.cpp and judge_segments.cpp: number formatting, count
// checks, the always-valid floor of one sample and the projection of the labels still needed.
// Not installed; the rules are documented in docs/statistics.md.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "modelops/analysis/judge.h"

namespace modelops::analysis::judge_parts {

std::string num(double x);      // "0.810" -> "0.81": accuracy-style numbers
std::string count(double x);    // whole numbers
std::string general(double x);  // six significant digits (threshold values, invalid input)

enum class CountsState { Ok, NoData, Invalid };
struct Checked {
  CountsState state = CountsState::NoData;
  double successes = 0, trials = 0;  // rounded to whole counts
  std::string problem;               // for NoData / Invalid
};
// Rounds extrapolated counts; NaN/Inf is no data, negatives or successes > trials are invalid.
Checked check(const Counts& c);

// One sample against a floor: decided on the always-valid test at error `alpha`; the Wilson bounds at
// `displayConfidence` are what people are shown.
struct Floor {
  VerdictPhase phase = VerdictPhase::Inconclusive;
  bool warmUp = false;  // fewer than minSamples trials
  double value = 0, samples = 0;
  double wilsonLower = 0, wilsonUpper = 1;
  double validLower = 0, validUpper = 1;  // the always-valid bounds of the test at min
  std::optional<double> samplesNeeded;    // further trials of this sample to decide (Inconclusive only)
};
Floor judgeFloor(const Checked& c, double min, double alpha, double displayConfidence, double minSamples);
// "accuracy 0.941 >= 0.92 (always-valid lower bound 0.925, Wilson 0.926, n=812)" and friends.
std::string floorReason(const std::string& subject, const Floor& f, double min, double minSamples);

// Canary versus stable with the always-valid test at error `alpha`; both arms need minSamples.
// `subject` heads the reason ("accuracy" or "segment region=eu: accuracy"). samplesNeeded is in canary
// trials of this comparison, assuming both arms keep growing in proportion.
struct Comparison {
  StableComparison evidence;
  bool warmUp = false;
  std::optional<double> samplesNeeded;
};
Comparison compareWithStable(const std::string& subject, const Checked& canary, const Checked& stable, double margin,
                             double alpha, double minSamples);

// The largest of several projections of labels needed; one that cannot decide makes the whole unknown.
class LabelsNeeded {
 public:
  void add(std::optional<double> labels);
  std::optional<double> value() const;

 private:
  bool any_ = false, unknown_ = false;
  double most_ = 0;
};

// Every segment judged on its floor and, when segments.maxDropVsStable is set, against stable's same
// segment, each test at `alphaEach`. Adds each undecided segment's projection (in total canary labels,
// by the segment's share) to `needed`; sets `warmUp` when a segment is below segments.minSamples.
std::vector<SegmentVerdict> judgeSegments(const std::string& metric, const SegmentCriteria& criteria,
                                          double alphaEach, double displayConfidence,
                                          const AccuracyObservation& observation, double canaryTrials,
                                          LabelsNeeded& needed, bool& warmUp);

}  // namespace modelops::analysis::judge_parts
