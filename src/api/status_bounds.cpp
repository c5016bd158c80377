// boundStatus(): per-field caps, list caps, then the total budget; see status_bounds.h.
// Thread-safety: pure functions.
#include "modelops/api/status_bounds.h"

#include "codec_internal.h"
#include "modelops/common/bounded_text.h"

namespace modelops::api {
namespace {

void boundOptional(std::optional<std::string>& text, std::size_t limit) {
  if (text) truncateInPlace(*text, limit);
}

void boundComparison(std::optional<StableComparisonStatus>& c) {
  if (c) boundOptional(c->reason, text_limits::kVerdictReason);
}

// The analysis bookkeeping (the judge's state): its texts, and the segments of each latest verdict.
void boundProgress(AnalysisProgressStatus& p) {
  boundOptional(p.reason, text_limits::kVerdictReason);
  boundOptional(p.decidedBy, text_limits::kVerdictReason);
  for (auto& m : p.metrics) {
    boundOptional(m.metric, text_limits::kVerdictReason);
    if (!m.latest) continue;
    auto& v = *m.latest;
    boundOptional(v.metric, text_limits::kVerdictReason);
    boundOptional(v.reason, text_limits::kVerdictReason);
    boundOptional(v.query, text_limits::kQuery);
    boundComparison(v.vsStable);
    if (v.segments.size() > status_limits::kSegmentsPerRun) v.segments.resize(status_limits::kSegmentsPerRun);
    for (auto& seg : v.segments) {
      boundOptional(seg.segment, text_limits::kVerdictReason);
      boundOptional(seg.reason, text_limits::kVerdictReason);
      boundComparison(seg.vsStable);
    }
  }
}

// Applies fn to every progress of the analysis (the canary's and each variant's).
template <class Fn>
void forEachProgress(AnalysisStatus& a, Fn fn) {
  if (a.progress) fn(*a.progress);
  if (a.progressByVariant)
    for (auto& [variant, p] : *a.progressByVariant) fn(p);
}

void boundRun(AnalysisRun& run) {
  boundOptional(run.metric, text_limits::kVerdictReason);
  boundOptional(run.message, text_limits::kVerdictReason);
  boundOptional(run.query, text_limits::kQuery);
  if (run.segments.size() > status_limits::kSegmentsPerRun) run.segments.resize(status_limits::kSegmentsPerRun);
  for (auto& seg : run.segments) {
    boundOptional(seg.segment, text_limits::kVerdictReason);
    boundOptional(seg.message, text_limits::kVerdictReason);
  }
}

void boundRetrainingRun(RetrainingRun& run) {
  boundOptional(run.reason, text_limits::kVerdictReason);
  boundOptional(run.message, text_limits::kStatusMessage);
  if (run.evidence) {
    boundOptional(run.evidence->metric, text_limits::kVerdictReason);
    boundOptional(run.evidence->segment, text_limits::kVerdictReason);
  }
}

// status.retraining: the texts of every run, and the history at most status_limits::kRetrainingHistory.
void boundRetraining(RetrainingStatus& r) {
  if (r.current) boundRetrainingRun(*r.current);
  if (r.pending) boundRetrainingRun(*r.pending);
  if (r.history.size() > status_limits::kRetrainingHistory) r.history.resize(status_limits::kRetrainingHistory);
  for (auto& run : r.history) boundRetrainingRun(run);
}

void boundFields(ModelDeploymentStatus& s) {
  boundOptional(s.message, text_limits::kStatusMessage);
  if (s.conditions.size() > status_limits::kConditions) s.conditions.resize(status_limits::kConditions);
  for (auto& c : s.conditions) {
    boundOptional(c.message, text_limits::kStatusMessage);
    boundOptional(c.reason, text_limits::kVerdictReason);
  }
  if (s.history.size() > status_limits::kHistory) s.history.resize(status_limits::kHistory);
  for (auto& h : s.history) boundOptional(h.reason, text_limits::kStatusMessage);
  if (s.analysis) {
    if (s.analysis->runs.size() > status_limits::kRuns) s.analysis->runs.resize(status_limits::kRuns);
    for (auto& run : s.analysis->runs) boundRun(run);
    forEachProgress(*s.analysis, boundProgress);
  }
  if (s.pendingAction) boundOptional(s.pendingAction->argument, text_limits::kVerdictReason);
  if (s.retraining) boundRetraining(*s.retraining);
}

std::size_t encodedSize(const ModelDeploymentStatus& s) { return detail::encodeStatusUnbounded(s).dump().size(); }

}  // namespace

void boundStatus(ModelDeploymentStatus& s) {
  boundFields(s);
  if (encodedSize(s) <= text_limits::kStatusBudget) return;
  // Over budget: drop detail, least useful first, checking after each step.
  if (s.analysis) {
    for (auto& run : s.analysis->runs) run.segments.clear();
    forEachProgress(*s.analysis, [](AnalysisProgressStatus& p) {  // the counts stay
      for (auto& m : p.metrics)
        if (m.latest) m.latest->segments.clear();
    });
  }
  if (encodedSize(s) <= text_limits::kStatusBudget) return;
  if (s.history.size() > 5) s.history.resize(5);
  if (s.retraining && s.retraining->history.size() > 5) s.retraining->history.resize(5);  // the newest: cooldown
  if (encodedSize(s) <= text_limits::kStatusBudget) return;
  if (s.analysis) {
    s.analysis->progress.reset();
    s.analysis->progressByVariant.reset();
  }
  if (encodedSize(s) <= text_limits::kStatusBudget) return;
  if (s.analysis) s.analysis->runs.clear();
}

}  // namespace modelops::api
