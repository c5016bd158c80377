// Always-valid non-inferiority test of canary versus stable accuracy: one-sided normal-mixture
// (mSPRT-style) confidence sequences for the difference of proportions d = p_canary - p_stable, valid
// when checked at every interval on cumulative counts (Johari et al. 2017/2022; Howard et al. 2021;
// Waudby-Smith et al. 2023 for the plug-in variance). Formula and derivation: docs/statistics.md.
// Thread-safety: pure functions.
#pragma once

#include <optional>

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

// Always-valid floor: the one-sample version of the same normal-mixture confidence sequence, for a
// proportion p against a fixed floor `min`. The estimate is successes/trials with the variance the null
// p = min implies, min(1 - min)/n, so the test at the floor is exact in its variance (no plug-in).
// Below when the upper bound < min (confidently below), Above when the lower bound >= min, else Undecided.
// Each one-sided error (failing p >= min, passing p < min) is at most 1 - confidence over all looks at
// a growing sample (Ville's inequality on the mixture martingale; see docs/statistics.md).
struct FloorInput {
  double successes = 0, trials = 0;
  double min = 0;
  double confidence = 0.95;
  double mixtureScale = kDefaultMixtureScale;
};
enum class FloorDecision { Above, Below, Undecided };
struct FloorResult {
  FloorDecision decision = FloorDecision::Undecided;
  double estimate = 0;     // successes / trials (0 without trials)
  double lowerBound = 0;   // estimate - half-width of the always-valid test at `min`
  double upperBound = 1;   // estimate + half-width
};
FloorResult testFloor(const FloorInput& input);

// The mixture scale that makes the always-valid boundary tightest at `targetSamples` (Howard et al. 2021,
// section 3.5: rho^2 = (-2 ln alpha + ln(1 - 2 ln alpha)) / m, in units of the per-sample standard
// deviation): tau = sqrt(variancePerUnit (-2 ln alpha + ln(1 - 2 ln alpha)) / targetSamples). It depends
// only on declared quantities (the floor, the error share, minSamples), never on the data, so the test
// stays valid; it is at least kDefaultMixtureScale. targetSamples < 1 counts as 1.
double mixtureScaleFor(double variancePerUnit, double alpha, double targetSamples);

// Half-width of a one-sided always-valid bound for a Gaussian estimate with variance v at error alpha
// and mixture scale tau: y* sqrt(v (v + tau^2)) / tau with h(y*) = ln(1/(2 alpha)) + ln(1 + tau^2/v)/2.
// v <= 0 gives 0; alpha outside (0, 1) gives +inf.
double alwaysValidHalfWidth(double variance, double alpha, double mixtureScale);

// The smallest sample size n (in the units `variancePerUnit` is given in: variance = variancePerUnit / n)
// at which the always-valid half-width drops to `gap`, i.e. at which an estimate `gap` away from the
// limit would decide. nullopt when gap <= 0 or the answer exceeds 1e9 (it cannot decide in practice).
std::optional<double> samplesToDecide(double variancePerUnit, double gap, double alpha, double mixtureScale);

// log of the one-sided mixture likelihood ratio against H0: d = d0, for a difference estimate with
// variance v. direction -1 mixes over d < d0 (evidence that d < d0), +1 over d > d0. Exposed for tests.
double logMixtureRatio(double estimate, double variance, double d0, int direction, double mixtureScale);

}  // namespace modelops::analysis
