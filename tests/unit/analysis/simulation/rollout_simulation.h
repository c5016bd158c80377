// Simulated rollouts for the decision simulation suite: labelled predictions drawn per interval for a
// canary (and stable) whose accuracy is known, judged by the real judge at every look, optionally folded
// by the real limits logic (inconclusiveLimit, failureLimit). Fixed seeds and our own uniform on top of
// mt19937_64, so the figures are the same on every platform. No I/O.
// Thread-safety: values and pure functions; a Simulation is used by one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "modelops/analysis/judge.h"
#include "modelops/analysis/limits.h"

namespace modelops::analysis::simulation {

// A revision's traffic: the share of labels in each segment and the accuracy there (one segment: no
// segmentation).
struct Population {
  std::vector<double> shares{1.0};
  std::vector<double> accuracy{0.92};
};
Population uniformPopulation(double accuracy, int segments = 1);

struct Scenario {
  AccuracyCriteria criteria;
  std::optional<SegmentCriteria> segments;  // segment keys are "s0", "s1", ...
  Population canary;
  std::optional<Population> stable;
  int labelsPerLook = 50;  // per arm per interval
  int maxLooks = 100;
  int windowLooks = 0;          // 0: counts since the start; k: each look sees the last k intervals only
  // Chance that a segment's series is missing from one look's answer (a flaky exporter, a slow scrape):
  // the look then sees fewer segments. fixSegmentCount passes the most segments seen so far back to the
  // judge as SegmentCriteria::expectedSegments, as the operator does (MetricProgress::segmentsSeen).
  double seriesMissing = 0;
  bool fixSegmentCount = true;
  std::optional<MetricLimits> limits;  // set: the real limits decide (Passed/Failed/Paused); unset: the
                                       // first Successful or Failed verdict decides ("looks until a verdict")
};

// How the runs ended.
struct Tally {
  int runs = 0, failed = 0, passed = 0, paused = 0, undecided = 0;
  double failedRate() const { return runs ? static_cast<double>(failed) / runs : 0; }
  double passedRate() const { return runs ? static_cast<double>(passed) / runs : 0; }
};

Tally simulate(const Scenario& scenario, int runs, std::uint64_t seed);

// Counts drawn from a population: uniform on [0, 1) from the top 53 bits of mt19937_64.
class LabelSource {
 public:
  explicit LabelSource(std::uint64_t seed) : engine_(seed) {}
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  // Adds `labels` labelled predictions to per-segment (successes, trials).
  void draw(const Population& population, int labels, std::vector<Counts>& perSegment);

 private:
  std::mt19937_64 engine_;
};

}  // namespace modelops::analysis::simulation
