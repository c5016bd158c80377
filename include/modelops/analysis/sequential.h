// Always-valid non-inferiority test of canary versus stable accuracy: one-sided normal-mixture
// (mSPRT-style) confidence sequences for the difference of proportions d = p_canary - p_stable, valid
// when checked at every interval on cumulative counts (Johari et al. 2017/2022; Howard et al. 2021;
// Waudby-Smith et al. 2023 for the plug-in variance). Formula and derivation: docs/statistics.md.
// Thread-safety: pure functions.
#pragma once

namespace modelops::analysis {

// Mixing scale tau of the normal mixture over the drift, in accuracy units (0.02 = two points):
// the test is most powerful for differences of about this size beyond the margin.
inline constexpr double kDefaultMixtureScale = 0.02;

struct NonInferiorityInput {
  double canarySuccesses = 0, canaryTrials = 0;
  double stableSuccesses = 0, stableTrials = 0;
  double margin = 0;         // maxDropVsStable (>= 0): non-inferior means d > -margin
  double confidence = 0.95;  // each one-sided decision errs with probability <= 1 - confidence
  double mixtureScale = kDefaultMixtureScale;
};

enum class NonInferiority { NonInferior, Inferior, Undecided };

struct NonInferiorityResult {
  NonInferiority decision = NonInferiority::Undecided;
  double difference = 0;  // p_canary - p_stable (point estimates; 0 when an arm has no trials)
  double lowerBound = -1;  // always-valid one-sided lower bound on d at `confidence`
  double upperBound = 1;   // always-valid one-sided upper bound on d at `confidence`
  double variance = 0;     // plug-in variance of the difference (shrunk proportions, see docs)
};

// Inferior when the upper bound < -margin (canary confidently worse by more than the margin),
// NonInferior when the lower bound > -margin, else Undecided. Either arm without trials: Undecided.
// Inputs must be valid counts (0 <= successes <= trials); the judge checks that first.
NonInferiorityResult testNonInferiority(const NonInferiorityInput& input);

// log of the one-sided mixture likelihood ratio against H0: d = d0, for a difference estimate with
// variance v. direction -1 mixes over d < d0 (evidence that d < d0), +1 over d > d0. Exposed for tests.
double logMixtureRatio(double estimate, double variance, double d0, int direction, double mixtureScale);

}  // namespace modelops::analysis
