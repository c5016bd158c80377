// Normal distribution and Wilson score intervals (see statistics.h and docs/statistics.md).
// Thread-safety: pure functions.
#include "modelops/analysis/statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace modelops::analysis {

double normalCdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

double logNormalCdf(double x) {
  if (x > -30.0) return std::log(normalCdf(x));
  // Mills ratio expansion: Phi(x) = phi(x)/|x| * (1 - 1/x^2 + 3/x^4 - 15/x^6 + ...), x -> -inf.
  const double x2 = x * x;
  const double series = 1.0 - 1.0 / x2 + 3.0 / (x2 * x2) - 15.0 / (x2 * x2 * x2);
  return -0.5 * x2 - 0.5 * std::log(2.0 * std::numbers::pi) - std::log(-x) + std::log(series);
}

double normalQuantile(double p) {
  if (std::isnan(p) || p < 0.0 || p > 1.0) return std::numeric_limits<double>::quiet_NaN();
  if (p == 0.0) return -std::numeric_limits<double>::infinity();
  if (p == 1.0) return std::numeric_limits<double>::infinity();
  // Peter J. Acklam's rational approximations (relative error < 1.15e-9), central region and tails.
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                 1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                 6.680131188771972e+01,  -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00};
  constexpr double pLow = 0.02425;
  double x;
  if (p < pLow) {
    const double q = std::sqrt(-2.0 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  } else if (p <= 1.0 - pLow) {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
  } else {
    const double q = std::sqrt(-2.0 * std::log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  }
  // One Halley step on Phi(x) - p brings the error to about machine precision. In the upper tail the
  // residual is computed as (1-p) - Phi(-x) to avoid cancellation.
  const double e = p > 0.5 ? (1.0 - p) - normalCdf(-x) : normalCdf(x) - p;
  const double u = e * std::sqrt(2.0 * std::numbers::pi) * std::exp(0.5 * x * x);
  return x - u / (1.0 + 0.5 * x * u);
}

Interval wilsonInterval(double successes, double trials, double z) {
  if (!(trials > 0.0)) return {0.0, 1.0};
  const double n = trials;
  const double p = std::clamp(successes / n, 0.0, 1.0);
  const double z2 = z * z;
  const double denom = 1.0 + z2 / n;
  const double centre = (p + z2 / (2.0 * n)) / denom;
  const double half = z / denom * std::sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n));
  return {std::clamp(centre - half, 0.0, 1.0), std::clamp(centre + half, 0.0, 1.0)};
}

Interval wilsonTwoSided(double successes, double trials, double confidence) {
  return wilsonInterval(successes, trials, normalQuantile(1.0 - (1.0 - confidence) / 2.0));
}

double wilsonLowerBound(double successes, double trials, double confidence) {
  return wilsonInterval(successes, trials, normalQuantile(confidence)).lower;
}

double wilsonUpperBound(double successes, double trials, double confidence) {
  return wilsonInterval(successes, trials, normalQuantile(confidence)).upper;
}

double sidakConfidence(double familyConfidence, int tests) {
  if (tests <= 1) return familyConfidence;
  return std::pow(familyConfidence, 1.0 / static_cast<double>(tests));
}

}  // namespace modelops::analysis
