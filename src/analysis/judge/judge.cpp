// The judge (see judge.h; the rules and their reasons are in docs/statistics.md).
// Thread-safety: pure functions.
#include "modelops/analysis/judge.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "modelops/analysis/sequential.h"
#include "modelops/analysis/statistics.h"

namespace modelops::analysis {
namespace {

// Accuracy-style numbers: three decimals, trailing zeros trimmed ("0.810" -> "0.81", "1.000" -> "1").
std::string num(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", x);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s == "-0" ? "0" : s;
}
// Counts: whole numbers.
std::string count(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", x);
  return buf;
}
// Threshold values (latency, cost, rates): six significant digits.
std::string general(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

enum class CountsState { Ok, NoData, Invalid };
struct Checked {
  CountsState state = CountsState::NoData;
  double successes = 0, trials = 0;  // rounded to whole counts
  std::string problem;               // for NoData / Invalid
};

// Counts from Prometheus increase() are extrapolated, hence fractional: they are rounded to whole
// counts. NaN/Inf anywhere is "no data" (never zero); negatives and successes > trials are errors.
Checked check(const Counts& c) {
  Checked out;
  if (!std::isfinite(c.successes) || !std::isfinite(c.trials)) {
    out.problem = "no data (NaN or Inf counts)";
    return out;
  }
  if (c.successes < 0 || c.trials < 0) {
    out.state = CountsState::Invalid;
    out.problem = "negative counts (" + general(c.successes) + " correct, " + general(c.trials) + " labelled)";
    return out;
  }
  out.successes = std::round(c.successes);
  out.trials = std::round(c.trials);
  if (out.trials <= 0) {
    out.problem = "no data (no labelled predictions)";
    return out;
  }
  if (out.successes > out.trials) {
    out.state = CountsState::Invalid;
    out.problem = count(out.successes) + " correct > " + count(out.trials) + " labelled";
    return out;
  }
  out.state = CountsState::Ok;
  return out;
}

struct Floor {
  VerdictPhase phase = VerdictPhase::Inconclusive;
  double value = 0, lower = 0, upper = 1, samples = 0;
};

// lower bound >= min passes; upper bound < min fails; fewer than minSamples is always inconclusive.
Floor judgeFloor(const Checked& c, double min, double confidence, double minSamples) {
  Floor f;
  f.samples = c.trials;
  f.value = c.successes / c.trials;
  const Interval bounds = wilsonInterval(c.successes, c.trials, normalQuantile(confidence));
  f.lower = bounds.lower;
  f.upper = bounds.upper;
  if (c.trials < minSamples) {
    f.phase = VerdictPhase::Inconclusive;
  } else if (f.lower >= min) {
    f.phase = VerdictPhase::Pass;
  } else if (f.upper < min) {
    f.phase = VerdictPhase::Fail;
  }
  return f;
}

// "accuracy 0.941 >= 0.92 (lower bound 0.928, n=812)" and friends; `subject` is the metric name.
std::string floorReason(const std::string& subject, const Floor& f, double min, double minSamples) {
  const std::string n = count(f.samples);
  if (f.samples < minSamples) {
    return subject + ": " + n + " labelled samples < minSamples " + count(minSamples) + " (accuracy " +
           num(f.value) + ")";
  }
  switch (f.phase) {
    case VerdictPhase::Pass:
      return subject + " " + num(f.value) + " >= " + num(min) + " (lower bound " + num(f.lower) + ", n=" + n + ")";
    case VerdictPhase::Fail:
      return subject + " upper bound " + num(f.upper) + " < " + num(min) + ", n=" + n;
    default:
      return subject + " " + num(f.value) + " inconclusive against " + num(min) + ": bounds [" + num(f.lower) +
             ", " + num(f.upper) + "], n=" + n;
  }
}

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

StableComparison compareWithStable(const std::string& metric, const Checked& canary, const Checked& stable,
                                   double margin, double confidence, double minSamples) {
  StableComparison c;
  c.margin = margin;
  c.stableSamples = stable.trials;
  if (stable.state != CountsState::Ok) {
    c.reason = metric + ": stable " + stable.problem;
    return c;
  }
  const NonInferiorityResult r = testNonInferiority({canary.successes, canary.trials, stable.successes,
                                                     stable.trials, margin, confidence, kDefaultMixtureScale});
  c.difference = r.difference;
  c.lowerBound = r.lowerBound;
  c.upperBound = r.upperBound;
  const std::string head = metric + ": canary " + num(canary.successes / canary.trials) + " vs stable " +
                           num(stable.successes / stable.trials) + ": difference ";
  const std::string n = ", n=" + count(canary.trials) + "/" + count(stable.trials);
  if (stable.trials < minSamples) {
    c.reason = metric + ": stable " + count(stable.trials) + " labelled samples < minSamples " + count(minSamples);
    return c;
  }
  switch (r.decision) {
    case NonInferiority::Inferior:
      c.phase = VerdictPhase::Fail;
      c.reason = head + "upper bound " + num(r.upperBound) + " < -" + num(margin) + n;
      break;
    case NonInferiority::NonInferior:
      c.phase = VerdictPhase::Pass;
      c.reason = head + "lower bound " + num(r.lowerBound) + " > -" + num(margin) + n;
      break;
    case NonInferiority::Undecided:
      c.reason = head + "bounds [" + num(r.lowerBound) + ", " + num(r.upperBound) + "] straddle -" + num(margin) + n;
      break;
  }
  return c;
}

std::vector<SegmentVerdict> judgeSegments(const std::string& metric, const SegmentCriteria& criteria,
                                          double familyConfidence, const std::map<std::string, Counts>& observed) {
  std::vector<SegmentVerdict> out;
  const double confidence = sidakConfidence(familyConfidence, static_cast<int>(observed.size()));
  for (const auto& [key, counts] : observed) {
    SegmentVerdict s;
    s.segment = criteria.by + "=" + key;
    const std::string subject = "segment " + s.segment + ": " + metric;
    const Checked c = check(counts);
    if (c.state != CountsState::Ok) {
      const bool invalid = c.state == CountsState::Invalid;
      s.phase = invalid ? VerdictPhase::Error : VerdictPhase::Inconclusive;
      s.reason = invalid ? "segment " + s.segment + ": " + c.problem : subject + " " + c.problem;
    } else {
      const Floor f = judgeFloor(c, criteria.min, confidence, criteria.minSamples);
      s.phase = f.phase;
      s.value = f.value;
      s.lowerBound = f.lower;
      s.upperBound = f.upper;
      s.samples = f.samples;
      s.reason = floorReason(subject, f, criteria.min, criteria.minSamples);
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

Verdict judgeAccuracy(const std::string& metric, const AccuracyCriteria& criteria,
                      const std::optional<SegmentCriteria>& segmentCriteria, const AccuracyObservation& obs) {
  Verdict v;
  v.metric = metric;
  if (auto problem = criteriaProblem(criteria, segmentCriteria)) {
    return errorVerdict(metric, metric + ": invalid criteria: " + *problem);
  }
  const Checked canary = check(obs.canary);
  const bool compare = criteria.maxDropVsStable && obs.stable;
  const Checked stable = obs.stable ? check(*obs.stable) : Checked{};
  if (canary.state == CountsState::Invalid) return errorVerdict(metric, metric + ": invalid canary counts: " + canary.problem);
  if (obs.stable && stable.state == CountsState::Invalid) {
    return errorVerdict(metric, metric + ": invalid stable counts: " + stable.problem);
  }
  if (segmentCriteria) {
    v.segments = judgeSegments(metric, *segmentCriteria, segmentCriteria->confidence.value_or(criteria.confidence),
                               obs.canarySegments);
    for (const auto& s : v.segments) {
      if (s.phase == VerdictPhase::Error) return errorVerdict(metric, metric + ": invalid counts for " + s.reason);
    }
  }
  if (stable.state == CountsState::Ok) v.stableValue = stable.successes / stable.trials;
  if (canary.state != CountsState::Ok) {
    v.reason = metric + ": canary " + canary.problem;
    return v;  // Inconclusive, with whatever segment evidence there is
  }

  const Floor floor = judgeFloor(canary, criteria.min, criteria.confidence, criteria.minSamples);
  v.value = floor.value;
  v.lowerBound = floor.lower;
  v.upperBound = floor.upper;
  v.samples = floor.samples;
  const std::string floorLine = floorReason(metric, floor, criteria.min, criteria.minSamples);
  if (compare) {
    v.vsStable = compareWithStable(metric, canary, stable, *criteria.maxDropVsStable, criteria.confidence,
                                   criteria.minSamples);
  }
  if (obs.canary.predictions && std::isfinite(*obs.canary.predictions) && *obs.canary.predictions > 0) {
    v.labelCoverage = canary.trials / *obs.canary.predictions;
  }
  std::optional<std::string> coverage;
  if (criteria.minLabelCoverage) {
    coverage = coverageProblem(metric, "canary", obs.canary, canary.trials, *criteria.minLabelCoverage);
    if (!coverage && obs.stable && stable.state == CountsState::Ok) {
      coverage = coverageProblem(metric, "stable", *obs.stable, stable.trials, *criteria.minLabelCoverage);
    }
  }

  // 1. Too few samples: always inconclusive. 2. Unrepresentative labels: inconclusive.
  if (canary.trials < criteria.minSamples) {
    v.reason = floorLine;
    return v;
  }
  if (coverage) {
    v.reason = *coverage;
    return v;
  }
  // 3. Any confident failure fails the metric.
  const SegmentVerdict* worst = nullptr;
  int failing = 0, segmentsInconclusive = 0;
  for (const auto& s : v.segments) {
    if (s.phase == VerdictPhase::Fail) {
      ++failing;
      if (!worst || s.upperBound < worst->upperBound) worst = &s;
    } else if (s.phase != VerdictPhase::Pass) {
      ++segmentsInconclusive;
    }
  }
  if (floor.phase == VerdictPhase::Fail || (v.vsStable && v.vsStable->phase == VerdictPhase::Fail) || worst) {
    v.phase = VerdictPhase::Fail;
    if (floor.phase == VerdictPhase::Fail) {
      v.reason = floorLine;
    } else if (v.vsStable && v.vsStable->phase == VerdictPhase::Fail) {
      v.reason = v.vsStable->reason;
    } else {
      v.reason = worst->reason;
      if (failing > 1) v.reason += " (and " + std::to_string(failing - 1) + " more failing segments)";
    }
    return v;
  }
  // 4. Any part undecided: inconclusive, naming the first.
  if (floor.phase != VerdictPhase::Pass) {
    v.reason = floorLine;
    return v;
  }
  if (v.vsStable && v.vsStable->phase != VerdictPhase::Pass) {
    v.reason = v.vsStable->reason;
    return v;
  }
  if (segmentCriteria && v.segments.empty()) {
    v.reason = metric + ": no series with label " + segmentCriteria->by + " (segments cannot be judged)";
    return v;
  }
  if (segmentsInconclusive > 0) {
    for (const auto& s : v.segments) {
      if (s.phase != VerdictPhase::Pass) {
        v.reason = s.reason;
        break;
      }
    }
    if (segmentsInconclusive > 1) v.reason += " (and " + std::to_string(segmentsInconclusive - 1) + " more)";
    return v;
  }
  // 5. Everything configured passed.
  v.phase = VerdictPhase::Pass;
  v.reason = floorLine;
  if (v.vsStable) {
    v.reason += "; not worse than stable by " + num(v.vsStable->margin) + " (difference lower bound " +
                num(v.vsStable->lowerBound) + ")";
  }
  if (!v.segments.empty()) v.reason += "; all " + std::to_string(v.segments.size()) + " segments pass";
  return v;
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
