// Winner selection of an A/B test; see abtest.h for the rule and docs/rollout.md for the reasoning.
// Thread-safety: pure functions.
#include <cstdio>

#include "abtest.h"
#include "pass.h"

namespace modelops::rollout::detail {
namespace {

const analysis::Verdict* latestOf(const analysis::AnalysisProgress& progress, const std::string& metric) {
  for (const auto& m : progress.metrics)
    if (m.metric == metric && m.latest) return &*m.latest;
  return nullptr;
}

bool allPassed(const ArmEvidence& arm, const api::AnalysisSpec& spec) {
  for (const auto& m : spec.metrics) {
    const auto* v = latestOf(arm.progress, m.name.value_or(""));
    if (!v || v->phase != analysis::VerdictPhase::Pass) return false;
  }
  return !spec.metrics.empty();
}

std::string describe(const ArmEvidence& arm, const analysis::Verdict* v) {
  if (!v || !v->value) return arm.name + " not measured";
  std::string out = arm.name + " " + fixed3(*v->value);
  if (v->lowerBound && v->upperBound) out += " [" + fixed3(*v->lowerBound) + ", " + fixed3(*v->upperBound) + "]";
  out += " n=" + std::to_string(static_cast<long long>(v->samples));
  if (v->phase != analysis::VerdictPhase::Pass) out += " (" + std::string(analysis::to_string(v->phase)) + ")";
  return out;
}

// Is `best` confidently more accurate than `other`? Sets `why` to the evidence used.
bool confidentlyBetter(const ArmEvidence& best, const analysis::Verdict& bv, const ArmEvidence& other,
                       const analysis::Verdict* ov, std::string& why) {
  if (other.control && bv.vsStable) {  // best was measured against the control: the sequential bound
    why = best.name + " - " + other.name + " lower bound " + fixed3(bv.vsStable->lowerBound);
    return bv.vsStable->lowerBound > 0;
  }
  if (best.control && ov && ov->vsStable) {  // the other was measured against best (the control)
    why = other.name + " - " + best.name + " upper bound " + fixed3(ov->vsStable->upperBound);
    return ov->vsStable->upperBound < 0;
  }
  if (!ov || !ov->upperBound || !bv.lowerBound) {
    why = other.name + " has no accuracy bounds";
    return false;
  }
  why = best.name + " lower bound " + fixed3(*bv.lowerBound) + (*bv.lowerBound > *ov->upperBound ? " > " : " <= ") +
        other.name + " upper bound " + fixed3(*ov->upperBound);
  return *bv.lowerBound > *ov->upperBound;
}

}  // namespace

WinnerChoice chooseWinner(const std::vector<ArmEvidence>& arms, const api::AnalysisSpec& spec) {
  WinnerChoice out;
  const api::Metric* primary = nullptr;
  for (const auto& m : spec.metrics)
    if (m.isAccuracy()) {
      primary = &m;
      break;
    }
  if (!primary) {
    out.reason = "no accuracy metric in spec.analysis to rank the variants";
    return out;
  }
  const std::string metric = primary->name.value_or("");
  std::string evidence;
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < arms.size(); ++i) {
    if (arms[i].failed) continue;
    const auto* v = latestOf(arms[i].progress, metric);
    evidence += (evidence.empty() ? "" : "; ") + describe(arms[i], v);
    if (!v || !v->lowerBound || !allPassed(arms[i], spec)) continue;
    if (!best || *v->lowerBound > *latestOf(arms[*best].progress, metric)->lowerBound) best = i;
  }
  evidence = metric + ": " + evidence;
  if (!best) {
    out.reason = evidence + "; no variant passed its analysis";
    return out;
  }
  const auto& bv = *latestOf(arms[*best].progress, metric);
  std::string comparisons;
  for (std::size_t i = 0; i < arms.size(); ++i) {
    if (i == *best || arms[i].failed) continue;
    std::string why;
    bool better = confidentlyBetter(arms[*best], bv, arms[i], latestOf(arms[i].progress, metric), why);
    comparisons += (comparisons.empty() ? "" : ", ") + why;
    if (!better) {
      out.reason = evidence + "; " + arms[*best].name + " is not confidently better than " + arms[i].name + " (" +
                   why + ")";
      return out;
    }
  }
  out.winner = best;
  out.reason = evidence + "; " + arms[*best].name + " wins (" + comparisons + ")";
  return out;
}

}  // namespace modelops::rollout::detail
