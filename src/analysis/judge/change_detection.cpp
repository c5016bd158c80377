// Bernoulli CUSUM for monitoring (see change_detection.h and docs/statistics.md).
// Thread-safety: pure functions.
#include "modelops/analysis/change_detection.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace modelops::analysis {
namespace {

double clampProbability(double p) { return std::clamp(p, 1e-6, 1.0 - 1e-6); }

std::string fixed(double x, const char* format) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, x);
  return buf;
}

}  // namespace

ChangeDetectorConfig changeDetectorFor(double min, double expectedLabelsToFalseAlarm) {
  ChangeDetectorConfig c;
  c.healthy = clampProbability(min + 0.01);
  c.degraded = clampProbability(min - 0.04);
  c.threshold = std::log(std::max(expectedLabelsToFalseAlarm, std::exp(1.0)));
  return c;
}

ChangeDetectorConfig changeDetectorForLooks(double min, double expectedLooksToFalseAlarm) {
  ChangeDetectorConfig c = changeDetectorFor(min, std::exp(1.0));
  const double looks = std::isfinite(expectedLooksToFalseAlarm) ? expectedLooksToFalseAlarm : 1e300;
  c.threshold = std::max(1.0, std::log(std::max(2.0 * looks, 1.0)));
  return c;
}

ChangeStep updateChangeDetector(const ChangeDetectorState& state, const Counts& reading,
                                const ChangeDetectorConfig& config) {
  ChangeStep step;
  step.state = state;
  const bool valid = std::isfinite(reading.successes) && std::isfinite(reading.trials) && reading.successes >= 0 &&
                     reading.trials >= 0 && std::round(reading.successes) <= std::round(reading.trials);
  if (!valid) {
    step.reason = "no usable counts (NaN, negative, or correct > labelled): detector unchanged";
    return step;
  }
  const Counts now{std::round(reading.successes), std::round(reading.trials), std::nullopt};
  if (!state.lastReading) {
    step.state.lastReading = now;
    step.reason = "first reading (" + fixed(now.trials, "%.0f") + " labelled): the base for new labels";
    return step;
  }
  const double newTrials = now.trials - state.lastReading->trials;
  const double newSuccesses = now.successes - state.lastReading->successes;
  step.state.lastReading = now;
  if (newTrials < 0 || newSuccesses < 0 || newSuccesses > newTrials) {
    step.rebased = true;
    step.reason = "counts went backwards (a restart or counter reset): re-based, no evidence this look";
    return step;
  }
  const double p0 = clampProbability(config.healthy), p1 = clampProbability(config.degraded);
  const double llr = newSuccesses * std::log(p1 / p0) + (newTrials - newSuccesses) * std::log((1 - p1) / (1 - p0));
  step.state.statistic = std::max(0.0, state.statistic + llr);
  step.state.labelsSeen = state.labelsSeen + newTrials;
  step.newLabels = newTrials;
  step.alarm = step.state.statistic >= config.threshold;
  const std::string on = newTrials > 0 ? ", " + fixed(newSuccesses / newTrials, "%.3f") + " on them" : "";
  step.reason = "accuracy CUSUM " + fixed(step.state.statistic, "%.1f") + (step.alarm ? " >= " : " < ") +
                fixed(config.threshold, "%.1f") + " (new labels " + fixed(newTrials, "%.0f") + on + ")";
  return step;
}

ChangeJudgement judgeChange(const Verdict& measured, const ChangeDetectorState& state,
                            const ChangeDetectorConfig& config) {
  ChangeJudgement out{measured, state};
  Verdict& v = out.verdict;
  if (measured.phase == VerdictPhase::Error) return out;
  v.labelsNeeded.reset();
  v.warmUp = false;
  v.vsStable.reset();
  if (!measured.value || !std::isfinite(*measured.value) || !std::isfinite(measured.samples) ||
      measured.samples <= 0) {
    v.phase = VerdictPhase::Inconclusive;
    v.reason = "change detection: no labelled predictions measured (" + measured.reason + ")";
    return out;
  }
  // The judge's value is successes / trials on whole counts, so this recovers them exactly.
  const Counts reading{std::round(*measured.value * measured.samples), std::round(measured.samples), std::nullopt};
  const ChangeStep step = updateChangeDetector(state, reading, config);
  out.state = step.state;
  const std::string levels = " (healthy " + fixed(config.healthy, "%.3f") + ", degraded " +
                             fixed(config.degraded, "%.3f") + "; " + fixed(step.state.labelsSeen, "%.0f") +
                             " labels since monitoring started, accuracy " + fixed(*measured.value, "%.3f") + ")";
  if (!state.lastReading || step.rebased) {
    v.phase = VerdictPhase::Inconclusive;
    v.warmUp = true;  // no evidence either way yet: not an inconclusive look
    v.reason = "change detection: " + step.reason;
  } else if (step.alarm) {
    v.phase = VerdictPhase::Fail;
    v.reason = "accuracy dropped: " + step.reason + levels;
  } else {
    v.phase = VerdictPhase::Pass;
    v.reason = "no drop detected: " + step.reason + levels;
  }
  return out;
}

}  // namespace modelops::analysis
