// Statistics for the judge: the standard normal distribution (CDF and quantile, implemented here) and
// the Wilson score interval for a binomial proportion, one- and two-sided.
// Thread-safety: pure functions.
#pragma once

namespace modelops::analysis {

// Phi(x), the standard normal CDF (via std::erfc; accurate in both tails).
double normalCdf(double x);
// log Phi(x), finite far into the lower tail (asymptotic series below x = -30).
double logNormalCdf(double x);
// Phi^-1(p) for 0 < p < 1 (Acklam's rational approximation refined by one Halley step: relative error
// below 1e-12). Returns -inf / +inf at 0 / 1 and NaN outside [0, 1].
double normalQuantile(double p);

struct Interval {
  double lower = 0;
  double upper = 1;
};

// Wilson score interval for `successes` of `trials` with critical value z:
//   centre = (p + z^2/2n) / (1 + z^2/n),  half = z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/4n^2).
// trials <= 0 gives [0, 1]. Bounds are clamped to [0, 1].
Interval wilsonInterval(double successes, double trials, double z);
// Two-sided at confidence c: z = Phi^-1(1 - (1-c)/2)  (95% -> 1.95996).
Interval wilsonTwoSided(double successes, double trials, double confidence);
// One-sided bounds at confidence c: z = Phi^-1(c) (95% -> 1.64485). The lower bound alone has
// coverage c, and so does the upper bound alone.
double wilsonLowerBound(double successes, double trials, double confidence);
double wilsonUpperBound(double successes, double trials, double confidence);

// Sidak correction: the per-test confidence that gives family-wise confidence c over k tests,
// c^(1/k). k <= 1 returns c.
double sidakConfidence(double familyConfidence, int tests);

}  // namespace modelops::analysis
