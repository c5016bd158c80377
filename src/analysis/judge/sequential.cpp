// Always-valid non-inferiority test (see sequential.h; derivation in docs/statistics.md).
// Thread-safety: pure functions.
#include "modelops/analysis/sequential.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "modelops/analysis/statistics.h"

namespace modelops::analysis {
namespace {

// h(y) = y^2/2 + log Phi(y): the y-dependent part of the one-sided mixture's log likelihood ratio.
// Strictly increasing (h'(y) = y + phi(y)/Phi(y) > 0), so h(y) = target has one root.
double mixtureExponent(double y) { return 0.5 * y * y + logNormalCdf(y); }

// h is increasing and convex (h'' is the variance of a truncated normal, in (0, 1)), so Newton's method
// started right of the root converges monotonically. y0 = sqrt(2 max(target, 0)) + 1 is right of it:
// h(y0) >= y0^2/2 + ln Phi(1) >= target + 0.5 - 0.173.
double solveMixtureExponent(double target) {
  double y = std::sqrt(2.0 * std::max(target, 0.0)) + 1.0;
  for (int i = 0; i < 100; ++i) {
    const double slope = y + std::exp(-0.5 * y * y - logNormalCdf(y)) / std::sqrt(2.0 * std::numbers::pi);
    const double step = (mixtureExponent(y) - target) / slope;
    y -= step;
    if (std::abs(step) < 1e-13) break;
  }
  return y;
}

// Shrunk proportion (s+1)/(n+2): keeps the plug-in variance positive at 0 or n successes.
double shrunk(double successes, double trials) { return (successes + 1.0) / (trials + 2.0); }

}  // namespace

double alwaysValidHalfWidth(double variance, double alpha, double mixtureScale) {
  if (!(variance > 0.0)) return 0.0;
  if (!(alpha > 0.0 && alpha < 1.0)) return std::numeric_limits<double>::infinity();
  const double tau = mixtureScale > 0.0 ? mixtureScale : kDefaultMixtureScale;
  const double tau2 = tau * tau;
  const double target = std::log(1.0 / (2.0 * alpha)) + 0.5 * std::log1p(tau2 / variance);
  return solveMixtureExponent(target) * std::sqrt(variance * (variance + tau2)) / tau;
}

double mixtureScaleFor(double variancePerUnit, double alpha, double targetSamples) {
  if (!(alpha > 0.0 && alpha < 1.0) || !(variancePerUnit > 0.0)) return kDefaultMixtureScale;
  const double twiceLogInverse = -2.0 * std::log(alpha);
  const double rho2 = (twiceLogInverse + std::log1p(twiceLogInverse)) / std::max(targetSamples, 1.0);
  return std::max(kDefaultMixtureScale, std::sqrt(variancePerUnit * rho2));
}

std::optional<double> samplesToDecide(double variancePerUnit, double gap, double alpha, double mixtureScale) {
  constexpr double kNever = 1e9;
  if (!(gap > 0.0) || !(variancePerUnit > 0.0) || !(alpha > 0.0 && alpha < 1.0)) return std::nullopt;
  // hw(n) sqrt(n) = y*(n) sigma sqrt(1 + sigma^2 / (n tau^2)) varies only logarithmically in n, so the
  // fixed point of n = (hw(n) sqrt(n) / gap)^2 is reached in a few steps (a contraction in log n).
  double n = variancePerUnit * 6.0 / (gap * gap);
  for (int i = 0; i < 60; ++i) {
    const double scaled = alwaysValidHalfWidth(variancePerUnit / n, alpha, mixtureScale) * std::sqrt(n) / gap;
    const double next = scaled * scaled;
    const bool settled = std::abs(next - n) <= 1e-9 * n;
    n = next;
    if (settled || n > kNever) break;
  }
  if (!(n <= kNever)) return std::nullopt;
  return std::ceil(n);
}

FloorResult testFloor(const FloorInput& in) {
  FloorResult out;
  if (!(in.trials > 0.0)) return out;
  out.estimate = in.successes / in.trials;
  // The variance under the null p = min; a floor of 0 or 1 keeps a tiny positive variance so that the
  // bound stays defined (with min 0 everything passes, with min 1 any error fails).
  const double perTrial = std::max(in.min * (1.0 - in.min), 1e-6);
  const double half = alwaysValidHalfWidth(perTrial / in.trials, 1.0 - in.confidence, in.mixtureScale);
  out.lowerBound = std::max(0.0, out.estimate - half);
  out.upperBound = std::min(1.0, out.estimate + half);
  if (out.estimate - half >= in.min) {
    out.decision = FloorDecision::Above;
  } else if (out.estimate + half < in.min) {
    out.decision = FloorDecision::Below;
  }
  return out;
}

double logMixtureRatio(double estimate, double variance, double d0, int direction, double mixtureScale) {
  const double tau2 = mixtureScale * mixtureScale;
  const double y = direction * (estimate - d0) * mixtureScale / std::sqrt(variance * (variance + tau2));
  return std::numbers::ln2 - 0.5 * std::log1p(tau2 / variance) + mixtureExponent(y);
}

NonInferiorityResult testNonInferiority(const NonInferiorityInput& in) {
  NonInferiorityResult out;
  if (!(in.canaryTrials > 0.0) || !(in.stableTrials > 0.0)) return out;
  out.difference = in.canarySuccesses / in.canaryTrials - in.stableSuccesses / in.stableTrials;
  const double pc = shrunk(in.canarySuccesses, in.canaryTrials);
  const double ps = shrunk(in.stableSuccesses, in.stableTrials);
  const double v = pc * (1.0 - pc) / in.canaryTrials + ps * (1.0 - ps) / in.stableTrials;
  out.variance = v;
  const double tau = in.mixtureScale > 0.0 ? in.mixtureScale : kDefaultMixtureScale;
  const double tau2 = tau * tau;
  const double alpha = 1.0 - in.confidence;
  // The one-sided test of H0: d = d0 rejects when logMixtureRatio >= log(1/alpha), i.e. when
  // h(y) >= log(1/(2 alpha)) + log(1 + tau^2/v)/2 with y = +-(D - d0) tau / sqrt(v (v + tau^2)).
  // The bound is the d0 where that holds with equality: D -+ y* sqrt(v (v + tau^2)) / tau.
  const double target = std::log(1.0 / (2.0 * alpha)) + 0.5 * std::log1p(tau2 / v);
  const double halfWidth = solveMixtureExponent(target) * std::sqrt(v * (v + tau2)) / tau;
  out.lowerBound = std::max(-1.0, out.difference - halfWidth);
  out.upperBound = std::min(1.0, out.difference + halfWidth);
  const double limit = -in.margin;
  if (out.upperBound < limit) {
    out.decision = NonInferiority::Inferior;
  } else if (out.lowerBound > limit) {
    out.decision = NonInferiority::NonInferior;
  }
  return out;
}

}  // namespace modelops::analysis
