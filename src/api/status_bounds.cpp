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

// The analysis bookkeeping is the judge's JSON (limits.h): bound its texts and segment lists wherever
// they are (verdicts nest: metrics[].latest.{reason, query, segments[].reason, vsStable.reason}).
void boundProgressJson(Json& j) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it->is_string()) {
        auto& text = it->get_ref<std::string&>();
        truncateInPlace(text, it.key() == "query" ? text_limits::kQuery : text_limits::kVerdictReason);
      } else if (it.key() == "segments" && it->is_array() && it->size() > status_limits::kSegmentsPerRun) {
        it->erase(it->begin() + static_cast<std::ptrdiff_t>(status_limits::kSegmentsPerRun), it->end());
      }
      boundProgressJson(*it);
    }
  } else if (j.is_array()) {
    for (auto& item : j) boundProgressJson(item);
  }
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
    for (const char* key : {"progress", "progressByVariant"})
      if (s.analysis->extra.is_object() && s.analysis->extra.contains(key)) boundProgressJson(s.analysis->extra[key]);
  }
  if (s.pendingAction) boundOptional(s.pendingAction->argument, text_limits::kVerdictReason);
}

// Drops the nested verdict segments of the analysis bookkeeping.
void stripSegments(Json& j) {
  if (j.is_object()) j.erase("segments");
  if (j.is_object() || j.is_array())
    for (auto& v : j) stripSegments(v);
}

std::size_t encodedSize(const ModelDeploymentStatus& s) { return detail::encodeStatusUnbounded(s).dump().size(); }

}  // namespace

void boundStatus(ModelDeploymentStatus& s) {
  boundFields(s);
  if (encodedSize(s) <= text_limits::kStatusBudget) return;
  // Over budget: drop detail, least useful first, checking after each step.
  if (s.analysis) {
    for (auto& run : s.analysis->runs) run.segments.clear();
    for (const char* key : {"progress", "progressByVariant"})
      if (s.analysis->extra.is_object() && s.analysis->extra.contains(key)) {
        stripSegments(s.analysis->extra[key]);  // the counts stay
      }
  }
  if (encodedSize(s) <= text_limits::kStatusBudget) return;
  if (s.history.size() > 5) s.history.resize(5);
  if (encodedSize(s) <= text_limits::kStatusBudget) return;
  if (s.analysis && s.analysis->extra.is_object()) {
    s.analysis->extra.erase("progress");
    s.analysis->extra.erase("progressByVariant");
  }
  if (encodedSize(s) <= text_limits::kStatusBudget) return;
  if (s.analysis) s.analysis->runs.clear();
}

}  // namespace modelops::api
