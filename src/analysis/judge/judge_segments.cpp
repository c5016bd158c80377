// Segments of an accuracy metric: each series of the segments.by label judged on its own always-valid
// floor and, with segments.maxDropVsStable, against stable's same segment (see judge_parts.h and
// docs/statistics.md, "Segments").
// Thread-safety: pure functions.
#include <algorithm>

#include "judge_parts.h"

namespace modelops::analysis::judge_parts {
namespace {

// The combined phase of one segment: a failing part fails it, passing needs every part passing.
VerdictPhase segmentPhase(VerdictPhase floor, const std::optional<StableComparison>& vsStable) {
  if (floor == VerdictPhase::Fail || (vsStable && vsStable->phase == VerdictPhase::Fail)) return VerdictPhase::Fail;
  if (floor == VerdictPhase::Pass && (!vsStable || vsStable->phase == VerdictPhase::Pass)) return VerdictPhase::Pass;
  return VerdictPhase::Inconclusive;
}

// Converts a projection in a segment's own trials to total canary labels by the segment's share.
std::optional<double> inCanaryLabels(std::optional<double> segmentLabels, double segmentTrials, double canaryTrials) {
  if (!segmentLabels || !(segmentTrials > 0) || !(canaryTrials > 0)) return std::nullopt;
  return *segmentLabels * canaryTrials / segmentTrials;
}

}  // namespace

std::vector<SegmentVerdict> judgeSegments(const std::string& metric, const SegmentCriteria& criteria,
                                          double alphaEach, double displayConfidence,
                                          const AccuracyObservation& obs, double canaryTrials, LabelsNeeded& needed,
                                          bool& warmUp) {
  std::vector<SegmentVerdict> out;
  for (const auto& [key, counts] : obs.canarySegments) {
    SegmentVerdict s;
    s.segment = criteria.by + "=" + key;
    const std::string subject = "segment " + s.segment + ": " + metric;
    const Checked c = check(counts);
    if (c.state != CountsState::Ok) {
      const bool invalid = c.state == CountsState::Invalid;
      s.phase = invalid ? VerdictPhase::Error : VerdictPhase::Inconclusive;
      s.reason = invalid ? "segment " + s.segment + ": " + c.problem : subject + " " + c.problem;
      needed.add(std::nullopt);  // a segment without data cannot be projected
      out.push_back(std::move(s));
      continue;
    }
    const Floor f = judgeFloor(c, criteria.min, alphaEach, displayConfidence, criteria.minSamples);
    s.value = f.value;
    s.lowerBound = f.wilsonLower;
    s.upperBound = f.wilsonUpper;
    s.samples = f.samples;
    s.reason = floorReason(subject, f, criteria.min, criteria.minSamples);
    warmUp = warmUp || f.warmUp;
    if (f.phase == VerdictPhase::Inconclusive) needed.add(inCanaryLabels(f.samplesNeeded, c.trials, canaryTrials));
    if (criteria.maxDropVsStable) {
      auto it = obs.stableSegments.find(key);
      Checked stable;
      if (it != obs.stableSegments.end()) {
        stable = check(it->second);
      } else {
        stable.problem = "no data (no series for this segment)";
      }
      if (stable.state == CountsState::Invalid) {
        s.phase = VerdictPhase::Error;
        s.reason = "segment " + s.segment + ": stable " + stable.problem;
        out.push_back(std::move(s));
        continue;
      }
      Comparison cmp = compareWithStable(subject, c, stable, *criteria.maxDropVsStable, alphaEach, criteria.minSamples);
      warmUp = warmUp || cmp.warmUp;
      if (cmp.evidence.phase == VerdictPhase::Inconclusive) {
        needed.add(inCanaryLabels(cmp.samplesNeeded, c.trials, canaryTrials));
      }
      s.vsStable = std::move(cmp.evidence);
    }
    s.phase = segmentPhase(f.phase, s.vsStable);
    // The reason names the deciding part: the comparison when it fails and the floor does not, or
    // when the floor passed and the comparison did not.
    if (s.vsStable && s.vsStable->phase != VerdictPhase::Pass &&
        (f.phase == VerdictPhase::Pass || (s.vsStable->phase == VerdictPhase::Fail && f.phase != VerdictPhase::Fail))) {
      s.reason = s.vsStable->reason;
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace modelops::analysis::judge_parts
