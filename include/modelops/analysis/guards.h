// Label-free guards: what the analysis can judge before any label arrives, from counts the gateway (or
// any provider) exports for the canary and the stable revision:
//   - class distribution: are the canary's predicted classes distributed like stable's? Always-valid
//     per-class confidence sequences bound the Jensen-Shannon distance; the guard fails only when the
//     distance is confidently above maxDistance (an effect-size floor, so a tiny harmless shift never
//     fails however many predictions there are) and passes when it is confidently below;
//   - shadow agreement: the canary's agreement rate with stable on shadowed requests, always-valid
//     lower bound against a minimum (the floor's confidence sequence, sequential.h);
//   - error rate and slow-request rate: non-inferiority versus stable (the vs-stable test, sequential.h)
//     with an absolute margin maxIncrease;
//   - estimated accuracy: the mean probability of the predicted class (sum over count), canary versus
//     stable, non-inferiority with maxDropVsStable; an early warning that labels confirm or overrule.
// Every guard yields a Verdict like accuracy does (value, always-valid bounds, n, segments for classes,
// warmUp and the further predictions needed). Each guard's `alpha` is its share of the analysis' error
// budget (docs/statistics.md, "Label-free guards"). No I/O, no clock.
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "modelops/analysis/verdict.h"

namespace modelops::analysis {

// The metric names guard verdicts carry in status and in the limits' progress.
inline constexpr const char* kGuardClassDistribution = "guard:classDistribution";
inline constexpr const char* kGuardAgreement = "guard:agreement";
inline constexpr const char* kGuardErrorRate = "guard:errorRate";
inline constexpr const char* kGuardLatency = "guard:latency";
inline constexpr const char* kGuardEstimatedAccuracy = "guard:estimatedAccuracy";

// What every guard shares: its error (each one-sided decision errs with probability <= alpha over all
// looks) and the per-arm sample below which it is always inconclusive (warm-up).
struct GuardCommon {
  double alpha = 0.05;
  double minSamples = 100;
};

// (a) Predicted-class distribution. Counts per class (the class label's value -> predictions).
struct ClassDistributionCriteria {
  GuardCommon common;
  double maxDistance = 0.1;  // Jensen-Shannon distance (base 2, in [0, 1]) above which the guard fails
  int expectedClasses = 0;   // the budget is split over max(expectedClasses, observed classes, 2)
};
Verdict judgeClassDistribution(const ClassDistributionCriteria& criteria, const std::map<std::string, double>& canary,
                               const std::map<std::string, double>& stable);

// Jensen-Shannon divergence (base 2, in [0, 1]) of two count vectors normalised to distributions;
// classes missing on one side count as zero. Exposed for tests.
double jensenShannonDivergence(const std::map<std::string, double>& p, const std::map<std::string, double>& q);

// (b) Shadow agreement: `agreements` of `total` shadowed requests where canary and stable agreed.
struct AgreementCriteria {
  GuardCommon common;
  double min = 0.9;
};
Verdict judgeAgreement(const AgreementCriteria& criteria, double agreements, double total);

// A count of events (errors, slow requests) out of a total, for one revision.
struct EventCounts {
  double events = 0;
  double total = 0;
};

// (c) Error rate or slow-request rate versus stable: fails when the canary's rate is confidently more
// than maxIncrease above stable's, passes when confidently not. `metric` is kGuardErrorRate or
// kGuardLatency; `what` names the rate in reasons ("error rate", "slow-request rate").
struct RateIncreaseCriteria {
  GuardCommon common;
  double maxIncrease = 0.01;
};
Verdict judgeRateIncrease(const std::string& metric, const std::string& what, const RateIncreaseCriteria& criteria,
                          const EventCounts& canary, const std::optional<EventCounts>& stable);

// (d) Estimated accuracy: probabilitySum (the sum over predictions of the predicted class's probability,
// each in [0, 1]) over count, canary versus stable.
struct ProbabilityCounts {
  double probabilitySum = 0;
  double count = 0;
};
struct EstimatedAccuracyCriteria {
  GuardCommon common;
  double maxDropVsStable = 0.02;
};
Verdict judgeEstimatedAccuracy(const EstimatedAccuracyCriteria& criteria, const ProbabilityCounts& canary,
                               const std::optional<ProbabilityCounts>& stable);

}  // namespace modelops::analysis
