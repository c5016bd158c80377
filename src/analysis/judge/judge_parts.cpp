// Parts of the judge (see judge_parts.h; the rules are in docs/statistics.md).
// Thread-safety: pure functions.
#include "judge_parts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "modelops/analysis/sequential.h"
#include "modelops/analysis/statistics.h"

namespace modelops::analysis::judge_parts {

// The floor's mixture is tightest at this many times minSamples (docs/statistics.md, section 2).
constexpr double kFloorTunedAtMinSamplesTimes = 10.0;

std::string num(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", x);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

std::string count(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", x);
  return buf;
}

std::string general(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

Checked check(const Counts& c) {
  Checked out;
  if (!std::isfinite(c.successes) || !std::isfinite(c.trials)) {
    out.problem = "no data (NaN or Inf counts)";
    return out;
  }
  if (c.successes < 0 || c.trials < 0) {
    out.state = CountsState::Invalid;
    out.problem = "negative counts (" + general(c.successes) + " correct, " + general(c.trials) + " labelled)";
    return out;
  }
  out.successes = std::round(c.successes);
  out.trials = std::round(c.trials);
  if (out.trials <= 0) {
    out.problem = "no data (no labelled predictions)";
    return out;
  }
  if (out.successes > out.trials) {
    out.state = CountsState::Invalid;
    out.problem = count(out.successes) + " correct > " + count(out.trials) + " labelled";
    return out;
  }
  out.state = CountsState::Ok;
  return out;
}

// The test decides; below minSamples it is always inconclusive (the Gaussian mixture is asymptotic).
Floor judgeFloor(const Checked& c, double min, double alpha, double displayConfidence, double minSamples) {
  Floor f;
  f.samples = c.trials;
  f.value = c.successes / c.trials;
  const Interval wilson = wilsonInterval(c.successes, c.trials, normalQuantile(displayConfidence));
  f.wilsonLower = wilson.lower;
  f.wilsonUpper = wilson.upper;
  const double perTrialVariance = std::max(min * (1.0 - min), 1e-6);
  // Tuned to be tightest over the first few multiples of minSamples, where decisions are expected
  // (declared quantities only; never below the default scale).
  const double tau = mixtureScaleFor(perTrialVariance, alpha, kFloorTunedAtMinSamplesTimes * minSamples);
  const FloorResult test = testFloor({c.successes, c.trials, min, 1.0 - alpha, tau});
  f.validLower = test.lowerBound;
  f.validUpper = test.upperBound;
  if (c.trials < minSamples) {
    f.warmUp = true;
    const auto atEstimate = samplesToDecide(perTrialVariance, std::abs(f.value - min), alpha, tau);
    // At least minSamples; more when the estimate is close to the floor (the projection is the
    // labels to decide at the current estimate).
    f.samplesNeeded = std::max(minSamples, atEstimate.value_or(minSamples)) - c.trials;
  } else if (test.decision == FloorDecision::Above) {
    f.phase = VerdictPhase::Pass;
  } else if (test.decision == FloorDecision::Below) {
    f.phase = VerdictPhase::Fail;
  } else if (auto n = samplesToDecide(perTrialVariance, std::abs(f.value - min), alpha, tau)) {
    f.samplesNeeded = std::max(0.0, *n - c.trials);
  }
  return f;
}

std::string floorReason(const std::string& subject, const Floor& f, double min, double minSamples) {
  const std::string n = count(f.samples);
  if (f.warmUp) {
    return subject + ": " + n + " labelled samples < minSamples " + count(minSamples) + " (accuracy " +
           num(f.value) + ")";
  }
  switch (f.phase) {
    case VerdictPhase::Pass:
      return subject + " " + num(f.value) + " >= " + num(min) + " (always-valid lower bound " + num(f.validLower) +
             ", Wilson " + num(f.wilsonLower) + ", n=" + n + ")";
    case VerdictPhase::Fail:
      return subject + " upper bound " + num(f.validUpper) + " < " + num(min) + " (always-valid; Wilson " +
             num(f.wilsonUpper) + "), n=" + n;
    default:
      return subject + " " + num(f.value) + " inconclusive against " + num(min) + ": always-valid bounds [" +
             num(f.validLower) + ", " + num(f.validUpper) + "], n=" + n;
  }
}

Comparison compareWithStable(const std::string& subject, const Checked& canary, const Checked& stable, double margin,
                             double alpha, double minSamples) {
  Comparison out;
  StableComparison& c = out.evidence;
  c.margin = margin;
  c.stableSamples = stable.trials;
  if (stable.state != CountsState::Ok) {
    c.reason = subject + ": stable " + stable.problem;
    return out;
  }
  const NonInferiorityResult r = testNonInferiority({canary.successes, canary.trials, stable.successes,
                                                     stable.trials, margin, 1.0 - alpha, kDefaultMixtureScale});
  c.difference = r.difference;
  c.lowerBound = r.lowerBound;
  c.upperBound = r.upperBound;
  // Both arms grow in proportion: the variance times the canary trials stays about constant.
  const auto total = samplesToDecide(r.variance * canary.trials, std::abs(r.difference + margin), alpha,
                                     kDefaultMixtureScale);
  if (stable.trials < minSamples || canary.trials < minSamples) {
    out.warmUp = true;
    const double scale = canary.trials / stable.trials;
    const double forMinSamples = std::max(minSamples - canary.trials, (minSamples - stable.trials) * scale);
    if (total) out.samplesNeeded = std::max(forMinSamples, *total - canary.trials);
    c.reason = subject + ": stable " + count(stable.trials) + " labelled samples < minSamples " + count(minSamples);
    return out;
  }
  const std::string head = subject + ": canary " + num(canary.successes / canary.trials) + " vs stable " +
                           num(stable.successes / stable.trials) + ": difference ";
  const std::string n = ", n=" + count(canary.trials) + "/" + count(stable.trials);
  switch (r.decision) {
    case NonInferiority::Inferior:
      c.phase = VerdictPhase::Fail;
      c.reason = head + "upper bound " + num(r.upperBound) + " < -" + num(margin) + n;
      break;
    case NonInferiority::NonInferior:
      c.phase = VerdictPhase::Pass;
      c.reason = head + "lower bound " + num(r.lowerBound) + " > -" + num(margin) + n;
      break;
    case NonInferiority::Undecided:
      c.reason = head + "bounds [" + num(r.lowerBound) + ", " + num(r.upperBound) + "] straddle -" + num(margin) + n;
      if (total) out.samplesNeeded = std::max(0.0, *total - canary.trials);
      // Until the test can tell a canary equal to stable from one at the margin (a half-width of the
      // margin, at least the mixture scale), an estimate that wandered towards the margin is no sign of
      // being stuck: project to that resolution instead, so such looks converge rather than spend
      // inconclusiveLimit (docs/statistics.md section 8).
      if (auto resolution = samplesToDecide(r.variance * canary.trials, std::max(margin, kDefaultMixtureScale), alpha,
                                            kDefaultMixtureScale);
          resolution && *resolution > canary.trials)
        out.samplesNeeded = std::min(out.samplesNeeded.value_or(*resolution), *resolution - canary.trials);
      break;
  }
  return out;
}

void LabelsNeeded::add(std::optional<double> labels) {
  any_ = true;
  if (!labels || !std::isfinite(*labels)) {
    unknown_ = true;
    return;
  }
  most_ = std::max(most_, *labels);
}

std::optional<double> LabelsNeeded::value() const {
  if (!any_ || unknown_) return std::nullopt;
  return std::ceil(most_);
}

}  // namespace modelops::analysis::judge_parts
