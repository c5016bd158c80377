// Tests of the normal distribution and Wilson score intervals against values computed independently
// (the arithmetic is in the comments; quantiles cross-checked with Python's statistics.NormalDist).
// Thread-safety: single-threaded tests.
#include "modelops/analysis/statistics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace modelops::analysis {
namespace {

TEST(NormalQuantile, MatchesReferenceValues) {
  EXPECT_NEAR(normalQuantile(0.5), 0.0, 1e-15);
  EXPECT_NEAR(normalQuantile(0.95), 1.6448536269514722, 1e-12);
  EXPECT_NEAR(normalQuantile(0.975), 1.9599639845400540, 1e-12);
  EXPECT_NEAR(normalQuantile(0.999), 3.0902323061678132, 1e-11);
  EXPECT_NEAR(normalQuantile(0.05), -1.6448536269514722, 1e-12);
  EXPECT_NEAR(normalQuantile(1e-10), -6.3613409024040560, 1e-9);   // lower tail region of Acklam
  EXPECT_NEAR(normalQuantile(0.8413447460685429), 1.0, 1e-12);     // Phi(1)
}

TEST(NormalQuantile, InvertsTheCdfAcrossTheRange) {
  for (double p : {1e-300, 1e-12, 1e-6, 0.001, 0.02425, 0.1, 0.3, 0.5, 0.7, 0.9, 0.97575, 0.999, 1 - 1e-9}) {
    const double x = normalQuantile(p);
    const double back = p > 0.5 ? 1.0 - normalCdf(-x) : normalCdf(x);
    EXPECT_NEAR(back / p, 1.0, 1e-11) << "p=" << p;
  }
}

TEST(NormalQuantile, EdgesAndInvalidInput) {
  EXPECT_EQ(normalQuantile(0.0), -INFINITY);
  EXPECT_EQ(normalQuantile(1.0), INFINITY);
  EXPECT_TRUE(std::isnan(normalQuantile(-0.1)));
  EXPECT_TRUE(std::isnan(normalQuantile(1.1)));
  EXPECT_TRUE(std::isnan(normalQuantile(NAN)));
}

TEST(NormalCdf, TailsAndLog) {
  EXPECT_NEAR(normalCdf(0.0), 0.5, 1e-15);
  EXPECT_NEAR(normalCdf(-1.6448536269514722), 0.05, 1e-15);
  // log Phi(-40) = -800 - log(sqrt(2 pi)) - log(40) + log(1 - 1/40^2 + 3/40^4 - 15/40^6)
  //             = -800 - 0.9189385 - 3.6888795 - 0.0006252 = -804.6084420137697 (next term ~1e-11)
  EXPECT_NEAR(logNormalCdf(-40.0), -804.6084420137697, 1e-9);
  // Continuity where the implementation switches to the asymptotic series.
  EXPECT_NEAR(logNormalCdf(-30.0 + 1e-9), logNormalCdf(-30.0 - 1e-9), 1e-6);
  EXPECT_NEAR(logNormalCdf(3.0), std::log(0.9986501019683699), 1e-14);
}

// Issue acceptance: two-sided 95% Wilson for 81 of 263.
// p = 0.307985, z = 1.959964, z^2 = 3.841459, z^2/n = 0.014606
// centre = (0.307985 + 3.841459/526) / 1.014606 = 0.315288 / 1.014606 = 0.310749
// half   = 1.959964/1.014606 * sqrt(0.307985*0.692015/263 + 3.841459/(4*263^2))
//        = 1.931748 * sqrt(0.000810398 + 0.000013884) = 1.931748 * 0.0287103 = 0.055461
// lower  = 0.255288, upper = 0.366210
TEST(Wilson, TwoSidedReference81Of263) {
  const Interval i = wilsonTwoSided(81, 263, 0.95);
  EXPECT_NEAR(i.lower, 0.2553, 5e-5);
  EXPECT_NEAR(i.upper, 0.3662, 5e-5);
}

// Issue acceptance: one-sided 95% lower bounds at p = 0.95, z = 1.644854, z^2 = 2.705543.
// n=100:  centre = (0.95 + 0.013528) / 1.027055 = 0.938146
//         half   = 1.644854/1.027055 * sqrt(0.000475 + 0.0000676) = 1.601524 * 0.023295 = 0.037309
//         lower  = 0.900837
// n=1000: centre = (0.95 + 0.0013528) / 1.0027055 = 0.948786
//         half   = 1.640415 * sqrt(0.0000475 + 0.000000676) = 1.640415 * 0.0069409 = 0.011386
//         lower  = 0.937400
TEST(Wilson, OneSidedReferenceValues) {
  EXPECT_NEAR(wilsonLowerBound(95, 100, 0.95), 0.901, 5e-4);
  EXPECT_NEAR(wilsonLowerBound(95, 100, 0.95), 0.900837, 2e-6);
  EXPECT_NEAR(wilsonLowerBound(950, 1000, 0.95), 0.937, 5e-4);
  EXPECT_NEAR(wilsonLowerBound(950, 1000, 0.95), 0.937400, 2e-6);
  // One-sided is tighter than two-sided at the same confidence (z 1.645 < 1.960).
  EXPECT_GT(wilsonLowerBound(95, 100, 0.95), wilsonTwoSided(95, 100, 0.95).lower);
}

// At p = 0 the interval is [0, (z^2/n) / (1 + z^2/n)]: n=10, z^2 = 3.841459 -> 0.384146/1.384146 = 0.277532.
// At p = 1 it mirrors: lower = 1 - 0.277532 = 0.722468.
TEST(Wilson, ExtremesStayInsideZeroOne) {
  const Interval none = wilsonTwoSided(0, 10, 0.95);
  EXPECT_NEAR(none.lower, 0.0, 1e-12);
  EXPECT_NEAR(none.upper, 0.277532, 1e-6);
  const Interval all = wilsonTwoSided(10, 10, 0.95);
  EXPECT_NEAR(all.lower, 0.722468, 1e-6);
  EXPECT_NEAR(all.upper, 1.0, 1e-12);
  const Interval empty = wilsonTwoSided(0, 0, 0.95);
  EXPECT_EQ(empty.lower, 0.0);
  EXPECT_EQ(empty.upper, 1.0);
}

TEST(Wilson, NarrowsWithSamplesAndWidensWithConfidence) {
  EXPECT_LT(wilsonLowerBound(95, 100, 0.95), wilsonLowerBound(950, 1000, 0.95));
  EXPECT_LT(wilsonLowerBound(950, 1000, 0.99), wilsonLowerBound(950, 1000, 0.95));
  EXPECT_GT(wilsonUpperBound(950, 1000, 0.99), wilsonUpperBound(950, 1000, 0.95));
}

// Sidak: 0.95^(1/4) = exp(ln(0.95)/4) = exp(-0.0512933/4) = exp(-0.0128233) = 0.9872585.
TEST(Sidak, PerTestConfidence) {
  EXPECT_NEAR(sidakConfidence(0.95, 4), 0.9872585, 1e-7);
  EXPECT_NEAR(sidakConfidence(0.95, 1), 0.95, 1e-15);
  EXPECT_NEAR(sidakConfidence(0.95, 0), 0.95, 1e-15);
  // Family-wise: 1 - (1 - (1 - c_k))^k ... i.e. c_k^k = c.
  EXPECT_NEAR(std::pow(sidakConfidence(0.9, 7), 7), 0.9, 1e-12);
}

}  // namespace
}  // namespace modelops::analysis
