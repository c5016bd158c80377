// Change detection for monitoring after promotion (issue 15 item 5): a Bernoulli CUSUM (Page 1954) on
// the log-likelihood ratio of each labelled prediction between a healthy accuracy p0 and a degraded one
// p1 < p0. It looks at new labels only (increments of counts since the start), so overlapping windows
// are never counted twice, and its false-alarm rate is declared as an expected number of labels (a
// time, at the label rate) to a false alarm: ARL0 >= e^h for a model at p0 (Lorden 1971), and longer
// above p0. The rules and the simulated rates are in docs/statistics.md.
// The operator's monitoring (src/rollout/monitoring.cpp) judges every accuracy metric with judgeChange().
// Thread-safety: pure functions on values.
#pragma once

#include <optional>
#include <string>

#include "modelops/analysis/verdict.h"

namespace modelops::analysis {

struct ChangeDetectorConfig {
  double healthy = 0.91;    // p0: accuracy the false-alarm rate is declared at (default: min + 0.01)
  double degraded = 0.86;   // p1: the accuracy to detect quickly (default: min - 0.04, a 5-point drop)
  double threshold = 16.1;  // h = ln(expected labels to a false alarm at p0)
};

// The detector for a floor `min`: healthy min + 0.01, degraded min - 0.04, threshold for the declared
// expected labels to a false alarm (at least e). Probabilities are clamped into (0, 1).
ChangeDetectorConfig changeDetectorFor(double min, double expectedLabelsToFalseAlarm);

// The detector for a floor `min` with the false-alarm rate declared as an expected number of looks to a
// false alarm K (the declared expected time over the interval): threshold h = ln(2K). An alarm by look L
// needs the likelihood ratio started at one of the L looks to reach e^h, so P(alarm by look L) <= L e^-h
// (Ville), hence E[looks to a false alarm] >= e^h / 2 = K for any accuracy >= min + 0.01, whatever the
// label rate. The threshold is at least 1.
ChangeDetectorConfig changeDetectorForLooks(double min, double expectedLooksToFalseAlarm);

struct ChangeDetectorState {
  double statistic = 0;                // the CUSUM, >= 0
  std::optional<Counts> lastReading;   // counts since the start at the previous look
  double labelsSeen = 0;               // labels folded in since monitoring started
};

struct ChangeStep {
  ChangeDetectorState state;
  bool alarm = false;          // statistic >= threshold: the accuracy has likely dropped to `degraded`
  bool rebased = false;        // the counts went backwards (restart, reset): this look only re-bases
  double newLabels = 0;        // labels in this look's increment
  std::string reason;          // "accuracy CUSUM 16.4 >= 16.1 (new labels 50, 0.84 on them)"
};

// Folds one reading of counts since the start into the detector. The first reading is the base; a
// reading whose counts went backwards (a counter reset) re-bases without evidence; invalid counts
// (NaN, negative, successes > trials) change nothing and say so.
ChangeStep updateChangeDetector(const ChangeDetectorState& state, const Counts& reading,
                                const ChangeDetectorConfig& config);

// One monitoring look at an accuracy metric: the measured verdict (counts since monitoring started, as
// value x samples) folded into the detector. The verdict keeps the measured value and Wilson bounds
// for display; its phase and reason become the detector's: Fail on an alarm, Pass while no drop is
// detected, Inconclusive with warmUp on the first reading or a re-base (no evidence yet), unchanged
// Error (an outage is never degradation) and Inconclusive "no data" with the state unchanged.
struct ChangeJudgement {
  Verdict verdict;
  ChangeDetectorState state;
};
ChangeJudgement judgeChange(const Verdict& measured, const ChangeDetectorState& state,
                            const ChangeDetectorConfig& config);

}  // namespace modelops::analysis
