// Label-free guards on proportions (guards.h): shadow agreement against a minimum (the always-valid
// floor), error and slow-request rates and the estimated accuracy versus stable (the always-valid
// non-inferiority test). The class-distribution guard is in guards_distribution.cpp.
// Thread-safety: pure functions.
#include "modelops/analysis/guards.h"

#include <algorithm>
#include <cmath>

#include "judge_parts.h"

namespace modelops::analysis {
namespace {

using judge_parts::count;
using judge_parts::num;

// A guard's counts: finite, non-negative, part <= total (within the 1% + 1 a scrape between two
// queries can add). Empty `problem`: usable; `noData`: nothing to judge yet (inconclusive, not an error).
struct GuardCounts {
  judge_parts::Checked checked;
  bool invalid = false;
};

GuardCounts checkGuardCounts(double part, double total, const char* partName, const char* totalName) {
  GuardCounts out;
  auto& c = out.checked;
  if (!std::isfinite(part) || !std::isfinite(total)) {
    c.problem = "no data (NaN or Inf counts)";
    return out;
  }
  if (part < 0 || total < 0) {
    out.invalid = true;
    c.problem = std::string("negative counts (") + partName + " " + count(part) + ", " + totalName + " " +
                count(total) + ")";
    return out;
  }
  c.trials = std::round(total);
  c.successes = std::min(std::round(part), c.trials);
  if (c.trials <= 0) {
    c.problem = std::string("no data (no ") + totalName + ")";
    return out;
  }
  if (part > total * 1.01 + 1) {
    out.invalid = true;
    c.problem = std::string(partName) + " " + count(part) + " > " + totalName + " " + count(total) + " (queries swapped?)";
    return out;
  }
  c.state = judge_parts::CountsState::Ok;
  return out;
}

Verdict problemVerdict(const std::string& metric, const GuardCounts& g, const std::string& side) {
  Verdict v;
  v.metric = metric;
  v.phase = g.invalid ? VerdictPhase::Error : VerdictPhase::Inconclusive;
  v.reason = side + ": " + g.checked.problem;
  return v;
}

std::string waitingFor(std::optional<double> more, const std::string& unit) {
  if (!more) return "";
  return "; waiting for about " + count(std::max(1.0, *more)) + " more " + unit;
}

// Canary versus stable on "good" proportions (1 - event rate, or the estimated accuracy): the
// always-valid non-inferiority test at the guard's alpha, both arms warmed up to minSamples first.
struct VersusStable {
  judge_parts::Comparison cmp;
  double canaryRate = 0, stableRate = 0;
};

VersusStable versusStable(const judge_parts::Checked& canary, const judge_parts::Checked& stable, double margin,
                          const GuardCommon& common) {
  VersusStable out;
  out.cmp = judge_parts::compareWithStable("guard", canary, stable, margin, common.alpha, common.minSamples);
  out.canaryRate = canary.successes / canary.trials;
  out.stableRate = stable.successes / stable.trials;
  return out;
}

void applyComparison(Verdict& v, const VersusStable& vs, double margin) {
  const auto& e = vs.cmp.evidence;
  v.vsStable = e;
  v.vsStable->reason.clear();
  v.vsStable->margin = margin;
  v.phase = vs.cmp.warmUp ? VerdictPhase::Inconclusive : e.phase;
  v.warmUp = vs.cmp.warmUp;
  if (v.phase == VerdictPhase::Inconclusive) v.labelsNeeded = vs.cmp.samplesNeeded;
}

}  // namespace

Verdict judgeAgreement(const AgreementCriteria& criteria, double agreements, double total) {
  const auto g = checkGuardCounts(agreements, total, "agreements", "shadowed requests");
  if (g.checked.state != judge_parts::CountsState::Ok) return problemVerdict(kGuardAgreement, g, "canary");
  const auto& c = g.checked;
  const auto& common = criteria.common;
  const judge_parts::Floor f = judge_parts::judgeFloor(c, criteria.min, common.alpha, 1.0 - common.alpha,
                                                       common.minSamples);
  Verdict v;
  v.metric = kGuardAgreement;
  v.phase = f.phase;
  v.value = f.value;
  v.lowerBound = f.validLower;
  v.upperBound = f.validUpper;
  v.samples = c.trials;
  v.warmUp = f.warmUp;
  if (f.phase == VerdictPhase::Inconclusive) v.labelsNeeded = f.samplesNeeded;
  const std::string n = ", n=" + count(c.trials);
  if (f.warmUp) {
    v.reason = "shadow agreement " + num(f.value) + ": " + count(c.trials) + " shadowed requests < minSamples " +
               count(common.minSamples) + waitingFor(v.labelsNeeded, "shadowed requests");
  } else if (f.phase == VerdictPhase::Pass) {
    v.reason = "shadow agreement " + num(f.value) + " >= " + num(criteria.min) + " (always-valid lower bound " +
               num(f.validLower) + n + ")";
  } else if (f.phase == VerdictPhase::Fail) {
    v.reason = "shadow agreement upper bound " + num(f.validUpper) + " < " + num(criteria.min) + " (value " +
               num(f.value) + n + ")";
  } else {
    v.reason = "shadow agreement " + num(f.value) + " inconclusive against " + num(criteria.min) +
               ": always-valid bounds [" + num(f.validLower) + ", " + num(f.validUpper) + "]" + n +
               waitingFor(v.labelsNeeded, "shadowed requests");
  }
  return v;
}

Verdict judgeRateIncrease(const std::string& metric, const std::string& what, const RateIncreaseCriteria& criteria,
                          const EventCounts& canary, const std::optional<EventCounts>& stable) {
  // Non-inferiority on the good rate 1 - r: an increase of r by more than maxIncrease is a drop of the
  // good rate by more than the margin.
  const auto ge = checkGuardCounts(canary.events, canary.total, "events", "requests");
  if (ge.checked.state != judge_parts::CountsState::Ok) return problemVerdict(metric, ge, "canary " + what);
  GuardCounts gc = ge;
  gc.checked.successes = gc.checked.trials - gc.checked.successes;
  if (!stable) {
    Verdict v;
    v.metric = metric;
    v.reason = what + ": no stable revision to compare with";
    return v;
  }
  const auto gs = checkGuardCounts(stable->events, stable->total, "events", "requests");
  if (gs.checked.state != judge_parts::CountsState::Ok) return problemVerdict(metric, gs, "stable " + what);
  judge_parts::Checked stableGood = gs.checked;
  stableGood.successes = stableGood.trials - stableGood.successes;
  const VersusStable vs = versusStable(gc.checked, stableGood, criteria.maxIncrease, criteria.common);
  Verdict v;
  v.metric = metric;
  v.value = vs.stableRate - vs.canaryRate;  // the increase canary - stable of the event rate
  v.stableValue = 1.0 - vs.stableRate;
  v.samples = gc.checked.trials;
  applyComparison(v, vs, criteria.maxIncrease);
  // Bounds on the increase canary - stable of the event rate (the negated bounds on the good rate).
  const double lower = -vs.cmp.evidence.upperBound, upper = -vs.cmp.evidence.lowerBound;
  v.lowerBound = lower;
  v.upperBound = upper;
  const std::string head = what + " canary " + num(1.0 - vs.canaryRate) + " vs stable " + num(*v.stableValue) +
                           ": increase ";
  const std::string n = ", n=" + count(gc.checked.trials) + "/" + count(gs.checked.trials);
  if (v.warmUp) {
    v.reason = what + ": fewer than minSamples " + count(criteria.common.minSamples) + " requests (canary " +
               count(gc.checked.trials) + ", stable " + count(gs.checked.trials) + ")" +
               waitingFor(v.labelsNeeded, "canary requests");
  } else if (v.phase == VerdictPhase::Fail) {
    v.reason = head + "lower bound " + num(lower) + " > " + num(criteria.maxIncrease) + n;
  } else if (v.phase == VerdictPhase::Pass) {
    v.reason = head + "upper bound " + num(upper) + " <= " + num(criteria.maxIncrease) + n;
  } else {
    v.reason = head + "bounds [" + num(lower) + ", " + num(upper) + "] straddle " + num(criteria.maxIncrease) + n +
               waitingFor(v.labelsNeeded, "canary requests");
  }
  return v;
}

Verdict judgeEstimatedAccuracy(const EstimatedAccuracyCriteria& criteria, const ProbabilityCounts& canary,
                               const std::optional<ProbabilityCounts>& stable) {
  const auto gc = checkGuardCounts(canary.probabilitySum, canary.count, "probability sum", "predictions");
  if (gc.checked.state != judge_parts::CountsState::Ok) return problemVerdict(kGuardEstimatedAccuracy, gc, "canary");
  if (!stable) {
    Verdict v;
    v.metric = kGuardEstimatedAccuracy;
    v.reason = "estimated accuracy: no stable revision to compare with";
    return v;
  }
  const auto gs = checkGuardCounts(stable->probabilitySum, stable->count, "probability sum", "predictions");
  if (gs.checked.state != judge_parts::CountsState::Ok) return problemVerdict(kGuardEstimatedAccuracy, gs, "stable");
  // A mean of values in [0, 1] has at most the Bernoulli variance of its mean, so the test on
  // proportions stays valid (conservative) for the mean predicted-class probability.
  const VersusStable vs = versusStable(gc.checked, gs.checked, criteria.maxDropVsStable, criteria.common);
  Verdict v;
  v.metric = kGuardEstimatedAccuracy;
  v.value = vs.canaryRate - vs.stableRate;  // the difference the bounds are on
  v.stableValue = vs.stableRate;
  v.samples = gc.checked.trials;
  applyComparison(v, vs, criteria.maxDropVsStable);
  v.lowerBound = vs.cmp.evidence.lowerBound;  // bounds on the difference canary - stable
  v.upperBound = vs.cmp.evidence.upperBound;
  const std::string head = "estimated accuracy canary " + num(vs.canaryRate) + " vs stable " + num(vs.stableRate) +
                           ": difference ";
  const std::string n = ", n=" + count(gc.checked.trials) + "/" + count(gs.checked.trials);
  const std::string margin = num(-criteria.maxDropVsStable);
  if (v.warmUp) {
    v.reason = "estimated accuracy: fewer than minSamples " + count(criteria.common.minSamples) +
               " predictions (canary " + count(gc.checked.trials) + ", stable " + count(gs.checked.trials) + ")" +
               waitingFor(v.labelsNeeded, "canary predictions");
  } else if (v.phase == VerdictPhase::Fail) {
    v.reason = head + "upper bound " + num(*v.upperBound) + " < " + margin + n;
  } else if (v.phase == VerdictPhase::Pass) {
    v.reason = head + "lower bound " + num(*v.lowerBound) + " > " + margin + n;
  } else {
    v.reason = head + "bounds [" + num(*v.lowerBound) + ", " + num(*v.upperBound) + "] straddle " + margin + n +
               waitingFor(v.labelsNeeded, "canary predictions");
  }
  return v;
}

}  // namespace modelops::analysis
