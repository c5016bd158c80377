// Always-valid non-inferiority test (see sequential.h; derivation in docs/statistics.md).
// Thread-safety: pure functions.
#include "modelops/analysis/sequential.h"

#include <algorithm>
#include <cmath>
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
