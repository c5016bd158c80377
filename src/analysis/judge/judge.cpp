// The judge (see judge.h; the rules and their reasons are in docs/statistics.md).
// Thread-safety: pure functions.
#include "modelops/analysis/judge.h"

#include <algorithm>
#include <cmath>

#include "judge_parts.h"

namespace modelops::analysis {
namespace {

using namespace judge_parts;

bool isProbability(double x) { return x >= 0.0 && x <= 1.0; }
bool isConfidence(double x) { return x > 0.0 && x < 1.0; }

std::optional<std::string> criteriaProblem(const AccuracyCriteria& c, const std::optional<SegmentCriteria>& s) {
  if (!isConfidence(c.confidence)) return "confidence " + general(c.confidence) + " must be in (0, 1)";
  if (!isProbability(c.min)) return "min " + general(c.min) + " must be in [0, 1]";
  if (!(c.minSamples >= 0) || !std::isfinite(c.minSamples)) return "minSamples must be >= 0";
  if (c.maxDropVsStable && !isProbability(*c.maxDropVsStable)) return "maxDropVsStable must be in [0, 1]";
  if (c.minLabelCoverage && !isProbability(*c.minLabelCoverage)) return "minLabelCoverage must be in [0, 1]";
  if (s) {
    if (s->by.empty()) return std::string("segments.by must name a label");
    if (!isProbability(s->min)) return "segments.min " + general(s->min) + " must be in [0, 1]";
    if (!(s->minSamples >= 0) || !std::isfinite(s->minSamples)) return std::string("segments.minSamples must be >= 0");
    if (s->confidence && !isConfidence(*s->confidence)) return std::string("segments.confidence must be in (0, 1)");
    if (s->maxDropVsStable && !isProbability(*s->maxDropVsStable)) {
      return std::string("segments.maxDropVsStable must be in [0, 1]");
    }
    if (s->expectedSegments && *s->expectedSegments < 0) return std::string("segments.expectedSegments must be >= 0");
  }
  return std::nullopt;
}

// Label coverage of one revision; a problem line when it is below the minimum or unknown.
std::optional<std::string> coverageProblem(const std::string& metric, const char* who, const Counts& c,
                                           double trials, double minCoverage) {
  if (!c.predictions) return std::nullopt;
  const double predictions = *c.predictions;
  if (!std::isfinite(predictions) || predictions <= 0) {
    return metric + ": no data for " + who + " predictions (label coverage unknown)";
  }
  const double coverage = trials / predictions;
  if (coverage < minCoverage) {
    return metric + ": " + who + " label coverage " + num(coverage) + " < " + num(minCoverage) + " (" +
           count(trials) + " labelled of " + count(predictions) + " predictions)";
  }
  return std::nullopt;
}

// Step 3 of the combination: any confident failure fails the metric, naming the part (floor first).
bool failIfAnyPartFails(Verdict& v, const Floor& floor, const std::string& floorLine) {
  const SegmentVerdict* worst = nullptr;
  int failing = 0;
  for (const auto& s : v.segments) {
    if (s.phase != VerdictPhase::Fail) continue;
    ++failing;
    if (!worst || s.upperBound < worst->upperBound) worst = &s;
  }
  const bool stableFails = v.vsStable && v.vsStable->phase == VerdictPhase::Fail;
  if (floor.phase != VerdictPhase::Fail && !stableFails && !worst) return false;
  v.phase = VerdictPhase::Fail;
  if (floor.phase == VerdictPhase::Fail) {
    v.reason = floorLine;
  } else if (stableFails) {
    v.reason = v.vsStable->reason;
  } else {
    v.reason = worst->reason;
    if (failing > 1) v.reason += " (and " + std::to_string(failing - 1) + " more failing segments)";
  }
  return true;
}

// Step 4: any part undecided leaves the metric inconclusive, naming the first (floor, stable, segments).
bool inconclusiveIfAnyPartUndecided(Verdict& v, const Floor& floor, const std::string& floorLine,
                                    const std::optional<SegmentCriteria>& segmentCriteria) {
  if (floor.phase != VerdictPhase::Pass) {
    v.reason = floorLine;
    return true;
  }
  if (v.vsStable && v.vsStable->phase != VerdictPhase::Pass) {
    v.reason = v.vsStable->reason;
    return true;
  }
  if (segmentCriteria && v.segments.empty()) {
    v.reason = v.metric + ": no series with label " + segmentCriteria->by + " (segments cannot be judged)";
    return true;
  }
  int undecided = 0;
  for (const auto& s : v.segments) {
    if (s.phase == VerdictPhase::Pass) continue;
    if (undecided++ == 0) v.reason = s.reason;
  }
  if (undecided > 1) v.reason += " (and " + std::to_string(undecided - 1) + " more)";
  return undecided > 0;
}

// Records the canary's label coverage on the verdict; a problem line when it (or stable's) is below
// minLabelCoverage or unknown.
std::optional<std::string> labelCoverage(Verdict& v, const AccuracyCriteria& criteria, const AccuracyObservation& obs,
                                         const Checked& canary, const Checked& stable) {
  if (obs.canary.predictions && std::isfinite(*obs.canary.predictions) && *obs.canary.predictions > 0) {
    v.labelCoverage = canary.trials / *obs.canary.predictions;
  }
  if (!criteria.minLabelCoverage) return std::nullopt;
  auto problem = coverageProblem(v.metric, "canary", obs.canary, canary.trials, *criteria.minLabelCoverage);
  if (!problem && obs.stable && stable.state == CountsState::Ok) {
    problem = coverageProblem(v.metric, "stable", *obs.stable, stable.trials, *criteria.minLabelCoverage);
  }
  return problem;
}

std::string passReason(const Verdict& v, const std::string& floorLine) {
  std::string reason = floorLine;
  if (v.vsStable) {
    reason += "; not worse than stable by " + num(v.vsStable->margin) + " (difference lower bound " +
              num(v.vsStable->lowerBound) + ")";
  }
  if (!v.segments.empty()) reason += "; all " + std::to_string(v.segments.size()) + " segments pass";
  return reason;
}

// The segments this look knows of: canary's and stable's series together, so that a segment the canary
// has no series for yet still takes its share of the budget.
int segmentsSeen(const AccuracyObservation& obs) {
  std::size_t count = obs.canarySegments.size();
  for (const auto& entry : obs.stableSegments) count += obs.canarySegments.count(entry.first) ? 0 : 1;
  return static_cast<int>(count);
}

}  // namespace

ErrorBudget splitErrorBudget(const AccuracyCriteria& criteria, const std::optional<SegmentCriteria>& segments,
                             int observedSegments) {
  ErrorBudget b;
  const double alpha = 1.0 - criteria.confidence;
  const int families = 1 + (criteria.maxDropVsStable ? 1 : 0) + (segments ? 1 : 0) + std::max(criteria.guardTests, 0);
  const double share = alpha / families;
  b.floor = share;
  if (criteria.maxDropVsStable) b.vsStable = share;
  if (segments) {
    const double family = segments->confidence ? std::min(share, 1.0 - *segments->confidence) : share;
    b.segmentsCountedAs = std::max({segments->expectedSegments.value_or(0), observedSegments, 1});
    const int testsPerSegment = segments->maxDropVsStable ? 2 : 1;
    b.segmentEach = family / (b.segmentsCountedAs * testsPerSegment);
  }
  return b;
}

namespace {

// What an inconclusive verdict reports besides its reason (judge.h: warmUp, labelsNeeded).
struct Progress {
  LabelsNeeded needed;
  bool warmUp = false;
};

// The floor, the comparison with stable and label coverage on valid canary counts, then the combination
// of every part (docs/statistics.md, section 6) into `v`, which already carries the segments.
Verdict judgeParts(Verdict v, const AccuracyCriteria& criteria, const std::optional<SegmentCriteria>& segmentCriteria,
                   const AccuracyObservation& obs, const Checked& canary, const Checked& stable,
                   const ErrorBudget& budget, Progress progress) {
  const Floor floor = judgeFloor(canary, criteria.min, budget.floor, criteria.confidence, criteria.minSamples);
  v.value = floor.value;
  v.lowerBound = floor.wilsonLower;
  v.upperBound = floor.wilsonUpper;
  v.samples = floor.samples;
  progress.warmUp = progress.warmUp || floor.warmUp;
  if (floor.phase == VerdictPhase::Inconclusive) progress.needed.add(floor.samplesNeeded);
  const std::string floorLine = floorReason(v.metric, floor, criteria.min, criteria.minSamples);
  if (criteria.maxDropVsStable && obs.stable) {
    Comparison cmp = compareWithStable(v.metric, canary, stable, *criteria.maxDropVsStable, budget.vsStable,
                                       criteria.minSamples);
    progress.warmUp = progress.warmUp || cmp.warmUp;
    if (cmp.evidence.phase == VerdictPhase::Inconclusive) progress.needed.add(cmp.samplesNeeded);
    v.vsStable = std::move(cmp.evidence);
  }
  const std::optional<std::string> coverage = labelCoverage(v, criteria, obs, canary, stable);

  // 1. Too few samples: always inconclusive (warm-up). 2. Unrepresentative labels: inconclusive.
  if (canary.trials < criteria.minSamples) {
    v.reason = floorLine;
    v.warmUp = true;
    v.labelsNeeded = progress.needed.value();
    return v;
  }
  if (coverage) {
    v.reason = *coverage;
    return v;  // more labels of the same kind do not help: no projection, spends the budget
  }
  // 3. Any confident failure fails the metric. 4. Any part undecided: inconclusive, naming the first.
  if (failIfAnyPartFails(v, floor, floorLine)) return v;
  if (inconclusiveIfAnyPartUndecided(v, floor, floorLine, segmentCriteria)) {
    v.warmUp = progress.warmUp;
    v.labelsNeeded = progress.needed.value();
    return v;
  }
  // 5. Segments known from earlier looks are missing from this answer: they cannot be said to pass.
  if (segmentCriteria && budget.segmentsCountedAs > segmentsSeen(obs)) {
    v.reason = v.metric + ": " + std::to_string(budget.segmentsCountedAs - segmentsSeen(obs)) + " of " +
               std::to_string(budget.segmentsCountedAs) + " segments returned no series this look (" + floorLine + ")";
    return v;  // no projection: more labels do not bring a series back; spends inconclusiveLimit
  }
  // 6. Everything configured passed.
  v.phase = VerdictPhase::Pass;
  v.reason = passReason(v, floorLine);
  return v;
}

}  // namespace

Verdict judgeAccuracy(const std::string& metric, const AccuracyCriteria& criteria,
                      const std::optional<SegmentCriteria>& segmentCriteria, const AccuracyObservation& obs) {
  Verdict v;
  v.metric = metric;
  if (auto problem = criteriaProblem(criteria, segmentCriteria)) {
    return errorVerdict(metric, metric + ": invalid criteria: " + *problem);
  }
  const ErrorBudget budget =
      splitErrorBudget(criteria, segmentCriteria, segmentsSeen(obs));
  const Checked canary = check(obs.canary);
  const Checked stable = obs.stable ? check(*obs.stable) : Checked{};
  if (canary.state == CountsState::Invalid) return errorVerdict(metric, metric + ": invalid canary counts: " + canary.problem);
  if (obs.stable && stable.state == CountsState::Invalid) {
    return errorVerdict(metric, metric + ": invalid stable counts: " + stable.problem);
  }
  Progress progress;
  if (segmentCriteria) {
    const double canaryTrials = canary.state == CountsState::Ok ? canary.trials : 0.0;
    v.segments = judgeSegments(metric, *segmentCriteria, budget.segmentEach, criteria.confidence, obs, canaryTrials,
                               progress.needed, progress.warmUp);
    for (const auto& s : v.segments) {
      if (s.phase == VerdictPhase::Error) return errorVerdict(metric, metric + ": invalid counts for " + s.reason);
    }
  }
  if (stable.state == CountsState::Ok) v.stableValue = stable.successes / stable.trials;
  if (canary.state != CountsState::Ok) {
    v.reason = metric + ": canary " + canary.problem;
    return v;  // Inconclusive, with whatever segment evidence there is
  }
  return judgeParts(std::move(v), criteria, segmentCriteria, obs, canary, stable, budget, std::move(progress));
}

Verdict judgeThreshold(const std::string& metric, const ThresholdCriteria& criteria, std::optional<double> value) {
  Verdict v;
  v.metric = metric;
  if (!criteria.min && !criteria.max) return errorVerdict(metric, metric + ": threshold has neither min nor max");
  if (!value || !std::isfinite(*value)) {
    v.reason = metric + ": no data";
    return v;
  }
  v.value = *value;
  v.samples = 1;
  if (criteria.min && *value < *criteria.min) {
    v.phase = VerdictPhase::Fail;
    v.reason = metric + " " + general(*value) + " < min " + general(*criteria.min);
  } else if (criteria.max && *value > *criteria.max) {
    v.phase = VerdictPhase::Fail;
    v.reason = metric + " " + general(*value) + " > max " + general(*criteria.max);
  } else {
    v.phase = VerdictPhase::Pass;
    std::string within;
    if (criteria.min) within += " >= " + general(*criteria.min);
    if (criteria.max) within += std::string(criteria.min ? " and" : "") + " <= " + general(*criteria.max);
    v.reason = metric + " " + general(*value) + within;
  }
  return v;
}

}  // namespace modelops::analysis
