// The label-free guards' statistics: fixed-seed Monte Carlo runs that look after every interval until a
// verdict (or the last look) and count both errors, plus the edge cases (warm-up, no data, bad counts).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include "modelops/analysis/guards.h"

namespace modelops::analysis {
namespace {

constexpr int kRuns = 400;
constexpr int kLooks = 50;
// alpha plus three Monte Carlo standard errors at kRuns.
const double kErrorTolerance = 0.05 + 3 * std::sqrt(0.05 * 0.95 / kRuns);

struct Outcomes {
  double passed = 0, failed = 0;  // shares of runs that ended with that verdict
};

// Runs `kRuns` analyses of `kLooks` looks each; `look(rng, i)` returns the verdict of look i (on cumulative
// counts it keeps itself, reset by `start`). The first Pass or Fail ends a run.
Outcomes simulate(std::uint64_t seed, const std::function<void()>& start,
                  const std::function<Verdict(std::mt19937_64&)>& look) {
  std::mt19937_64 rng(seed);
  Outcomes out;
  for (int run = 0; run < kRuns; ++run) {
    start();
    for (int i = 0; i < kLooks; ++i) {
      const Verdict v = look(rng);
      EXPECT_NE(v.phase, VerdictPhase::Error) << v.reason;
      if (v.phase == VerdictPhase::Pass) { out.passed += 1.0 / kRuns; break; }
      if (v.phase == VerdictPhase::Fail) { out.failed += 1.0 / kRuns; break; }
    }
  }
  return out;
}

// ---------------------------------------------------------------- class distribution

Outcomes classDistributionRuns(std::uint64_t seed, const std::vector<double>& canaryShares,
                               const std::vector<double>& stableShares, double perLook) {
  ClassDistributionCriteria criteria;
  criteria.maxDistance = 0.1;
  criteria.common.alpha = 0.05;
  std::map<std::string, double> canary, stable;
  const std::vector<std::string> names{"cat", "dog", "fox"};
  auto start = [&] { canary.clear(), stable.clear(); };
  auto look = [&](std::mt19937_64& rng) {
    std::discrete_distribution<int> c(canaryShares.begin(), canaryShares.end());
    std::discrete_distribution<int> s(stableShares.begin(), stableShares.end());
    std::vector<double> addC(3), addS(3);
    for (int i = 0; i < perLook; ++i) addC[static_cast<std::size_t>(c(rng))] += 1, addS[static_cast<std::size_t>(s(rng))] += 1;
    for (std::size_t k = 0; k < 3; ++k) canary[names[k]] += addC[k], stable[names[k]] += addS[k];
    return judgeClassDistribution(criteria, canary, stable);
  };
  return simulate(seed, start, look);
}

TEST(ClassDistributionGuard, SameDistributionIsNeverFailed) {
  auto r = classDistributionRuns(11, {0.5, 0.3, 0.2}, {0.5, 0.3, 0.2}, 1000);
  EXPECT_LE(r.failed, kErrorTolerance);
  EXPECT_GE(r.passed, 0.95);
}

TEST(ClassDistributionGuard, TinyShiftBelowTheFloorPassesAtLargeN) {
  // Jensen-Shannon distance 0.054 < maxDistance 0.1: a harmless shift, detectable at this n, never fails.
  auto r = classDistributionRuns(12, {0.45, 0.3, 0.25}, {0.5, 0.3, 0.2}, 1000);
  EXPECT_LE(r.failed, kErrorTolerance);
  EXPECT_GE(r.passed, 0.95);
}

TEST(ClassDistributionGuard, ShiftJustAboveTheFloorIsRarelyPassed) {
  // Distance 0.106 > 0.1: passing it is the error the guard bounds.
  auto r = classDistributionRuns(13, {0.4, 0.3, 0.3}, {0.5, 0.3, 0.2}, 1000);
  EXPECT_LE(r.passed, kErrorTolerance);
}

TEST(ClassDistributionGuard, LargeShiftFailsEarly) {
  // Distance 0.207: caught within the first few looks of 200 predictions.
  auto r = classDistributionRuns(14, {0.3, 0.3, 0.4}, {0.5, 0.3, 0.2}, 200);
  EXPECT_GE(r.failed, 0.95);
  EXPECT_LE(r.passed, kErrorTolerance);
}

TEST(ClassDistributionGuard, VerdictCarriesBoundsClassesAndWaitingFor) {
  ClassDistributionCriteria criteria;
  criteria.common.minSamples = 500;
  auto warm = judgeClassDistribution(criteria, {{"cat", 100}, {"dog", 100}}, {{"cat", 300}, {"dog", 300}});
  EXPECT_EQ(warm.phase, VerdictPhase::Inconclusive);
  EXPECT_TRUE(warm.warmUp);
  ASSERT_TRUE(warm.labelsNeeded);
  EXPECT_DOUBLE_EQ(*warm.labelsNeeded, 300);
  EXPECT_NE(warm.reason.find("waiting for about 300 more canary predictions"), std::string::npos) << warm.reason;

  auto shifted = judgeClassDistribution(criteria, {{"cat", 9000}, {"dog", 1000}}, {{"cat", 5000}, {"dog", 5000}});
  EXPECT_EQ(shifted.phase, VerdictPhase::Fail) << shifted.reason;
  ASSERT_TRUE(shifted.value && shifted.lowerBound && shifted.upperBound);
  EXPECT_LE(*shifted.lowerBound, *shifted.value);
  EXPECT_GE(*shifted.upperBound, *shifted.value);
  EXPECT_GT(*shifted.lowerBound, 0.1);
  EXPECT_EQ(shifted.samples, 10000);
  ASSERT_EQ(shifted.segments.size(), 2u);
  EXPECT_EQ(shifted.segments[0].phase, VerdictPhase::Fail);
  EXPECT_NE(shifted.segments[0].segment.find("class="), std::string::npos);
  EXPECT_NE(shifted.reason.find("lower bound"), std::string::npos) << shifted.reason;
}

TEST(ClassDistributionGuard, NoDataIsInconclusiveAndNegativeCountsAreAnError) {
  ClassDistributionCriteria criteria;
  EXPECT_EQ(judgeClassDistribution(criteria, {}, {{"cat", 10}}).phase, VerdictPhase::Inconclusive);
  EXPECT_EQ(judgeClassDistribution(criteria, {{"cat", NAN}}, {{"cat", 10}}).phase, VerdictPhase::Inconclusive);
  auto bad = judgeClassDistribution(criteria, {{"cat", -5}}, {{"cat", 10}});
  EXPECT_EQ(bad.phase, VerdictPhase::Error);
  EXPECT_NE(bad.reason.find("class cat"), std::string::npos) << bad.reason;
}

TEST(ClassDistributionGuard, JensenShannonDivergenceKnownValues) {
  EXPECT_NEAR(jensenShannonDivergence({{"a", 1}}, {{"b", 1}}), 1.0, 1e-12);
  EXPECT_NEAR(jensenShannonDivergence({{"a", 3}, {"b", 1}}, {{"a", 6}, {"b", 2}}), 0.0, 1e-12);
  // P = (1/2, 1/2), Q = (1, 0): JS = 1 - (3/4) log2(4/3) ... computed directly.
  const double expected = 0.5 * (0.5 * std::log2(0.5 / 0.75) + 0.5 * std::log2(0.5 / 0.25)) + 0.5 * std::log2(1 / 0.75);
  EXPECT_NEAR(jensenShannonDivergence({{"a", 1}, {"b", 1}}, {{"a", 1}}), expected, 1e-12);
}

// ---------------------------------------------------------------- shadow agreement

Outcomes agreementRuns(std::uint64_t seed, double rate) {
  AgreementCriteria criteria;
  criteria.min = 0.9;
  double agree = 0, total = 0;
  auto start = [&] { agree = 0, total = 0; };
  auto look = [&](std::mt19937_64& rng) {
    std::binomial_distribution<int> b(200, rate);
    agree += b(rng);
    total += 200;
    return judgeAgreement(criteria, agree, total);
  };
  return simulate(seed, start, look);
}

TEST(AgreementGuard, AtTheMinimumIsRarelyFailed) { EXPECT_LE(agreementRuns(21, 0.9).failed, kErrorTolerance); }
TEST(AgreementGuard, BelowTheMinimumIsRarelyPassed) { EXPECT_LE(agreementRuns(22, 0.88).passed, kErrorTolerance); }
TEST(AgreementGuard, WellAboveTheMinimumPasses) {
  auto r = agreementRuns(23, 0.95);
  EXPECT_GE(r.passed, 0.95);
  EXPECT_LE(r.failed, kErrorTolerance);
}

TEST(AgreementGuard, EvidenceAndBadCounts) {
  AgreementCriteria criteria;
  criteria.min = 0.9;
  auto v = judgeAgreement(criteria, 700, 1000);
  EXPECT_EQ(v.phase, VerdictPhase::Fail) << v.reason;
  EXPECT_DOUBLE_EQ(*v.value, 0.7);
  EXPECT_LT(*v.upperBound, 0.9);
  EXPECT_EQ(v.samples, 1000);
  EXPECT_EQ(judgeAgreement(criteria, 2000, 1000).phase, VerdictPhase::Error);
  EXPECT_EQ(judgeAgreement(criteria, 0, 0).phase, VerdictPhase::Inconclusive);
  auto warm = judgeAgreement(criteria, 40, 50);
  EXPECT_TRUE(warm.warmUp);
  EXPECT_NE(warm.reason.find("minSamples"), std::string::npos);
}

// ---------------------------------------------------------------- error rate versus stable

Outcomes errorRateRuns(std::uint64_t seed, double canaryRate, double stableRate) {
  RateIncreaseCriteria criteria;
  criteria.maxIncrease = 0.01;
  EventCounts canary, stable;
  auto start = [&] { canary = {}, stable = {}; };
  auto look = [&](std::mt19937_64& rng) {
    std::binomial_distribution<int> c(1000, canaryRate), s(1000, stableRate);
    canary.events += c(rng), canary.total += 1000;
    stable.events += s(rng), stable.total += 1000;
    return judgeRateIncrease(kGuardErrorRate, "error rate", criteria, canary, stable);
  };
  return simulate(seed, start, look);
}

TEST(ErrorRateGuard, EqualToStableIsRarelyFailedAndPasses) {
  auto r = errorRateRuns(31, 0.02, 0.02);
  EXPECT_LE(r.failed, kErrorTolerance);
  EXPECT_GE(r.passed, 0.95);
}
TEST(ErrorRateGuard, IncreaseAtTheMarginIsRarelyPassed) { EXPECT_LE(errorRateRuns(32, 0.03, 0.02).passed, kErrorTolerance); }
TEST(ErrorRateGuard, LargeIncreaseFails) { EXPECT_GE(errorRateRuns(33, 0.06, 0.02).failed, 0.95); }

TEST(ErrorRateGuard, ValueIsTheIncreaseWithItsBounds) {
  RateIncreaseCriteria criteria;
  auto v = judgeRateIncrease(kGuardLatency, "slow-request rate", criteria, {500, 5000}, EventCounts{100, 5000});
  EXPECT_EQ(v.metric, kGuardLatency);
  EXPECT_EQ(v.phase, VerdictPhase::Fail) << v.reason;
  EXPECT_NEAR(*v.value, 0.08, 1e-12);
  EXPECT_NEAR(*v.stableValue, 0.02, 1e-12);
  EXPECT_GT(*v.lowerBound, 0.01);
  EXPECT_NE(v.reason.find("slow-request rate canary 0.1 vs stable 0.02"), std::string::npos) << v.reason;
  EXPECT_EQ(judgeRateIncrease(kGuardErrorRate, "error rate", criteria, {5, 10}, std::nullopt).phase,
            VerdictPhase::Inconclusive);
  EXPECT_EQ(judgeRateIncrease(kGuardErrorRate, "error rate", criteria, {50, 10}, EventCounts{1, 10}).phase,
            VerdictPhase::Error);
}

// ---------------------------------------------------------------- estimated accuracy

Outcomes estimatedAccuracyRuns(std::uint64_t seed, double canaryMean, double stableMean) {
  EstimatedAccuracyCriteria criteria;
  criteria.maxDropVsStable = 0.02;
  ProbabilityCounts canary, stable;
  auto start = [&] { canary = {}, stable = {}; };
  auto look = [&](std::mt19937_64& rng) {
    // Predicted-class probabilities spread +-0.1 around the mean.
    std::uniform_real_distribution<double> c(canaryMean - 0.1, canaryMean + 0.1), s(stableMean - 0.1, stableMean + 0.1);
    for (int i = 0; i < 500; ++i) canary.probabilitySum += c(rng), stable.probabilitySum += s(rng);
    canary.count += 500, stable.count += 500;
    return judgeEstimatedAccuracy(criteria, canary, stable);
  };
  return simulate(seed, start, look);
}

TEST(EstimatedAccuracyGuard, EqualToStableIsRarelyFailed) {
  auto r = estimatedAccuracyRuns(41, 0.85, 0.85);
  EXPECT_LE(r.failed, kErrorTolerance);
  EXPECT_GE(r.passed, 0.95);
}
TEST(EstimatedAccuracyGuard, DropAtTheMarginIsRarelyPassed) {
  EXPECT_LE(estimatedAccuracyRuns(42, 0.83, 0.85).passed, kErrorTolerance);
}
TEST(EstimatedAccuracyGuard, LargeDropFails) { EXPECT_GE(estimatedAccuracyRuns(43, 0.78, 0.85).failed, 0.95); }

}  // namespace
}  // namespace modelops::analysis
