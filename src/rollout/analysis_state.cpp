// Analysis progress between reconciles: kept in status.analysis (runs for people, the judge's progress
// for the limits), the policy derived from spec.analysis, and measurementDue().
#include <algorithm>
#include <cstdio>

#include "modelops/api/revision.h"
#include "pass.h"

namespace modelops::rollout::detail {
namespace {

// status.analysis.progress: the judge's AnalysisProgress as its own JSON (limits.h). Declared in the CRD.
constexpr const char* kProgressKey = "progress";

std::string fixed3(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

api::AnalysisRun runFrom(const analysis::Verdict& v, WallTime now) {
  api::AnalysisRun run;
  run.metric = v.metric;
  run.phase = std::string(analysis::to_string(v.phase));
  run.value = v.value;
  run.lowerBound = v.lowerBound;
  run.upperBound = v.upperBound;
  if (v.samples > 0) run.samples = static_cast<std::int64_t>(v.samples);
  run.message = v.reason;
  run.at = formatRfc3339(now);
  if (!v.query.empty()) run.query = v.query;
  for (const auto& s : v.segments) {
    api::SegmentResult seg;
    seg.segment = s.segment;
    seg.phase = std::string(analysis::to_string(s.phase));
    seg.value = s.value;
    seg.lowerBound = s.lowerBound;
    seg.upperBound = s.upperBound;
    seg.samples = static_cast<std::int64_t>(s.samples);
    seg.message = s.reason;
    run.segments.push_back(std::move(seg));
  }
  return run;
}

}  // namespace

analysis::AnalysisProgress loadProgress(const api::ModelDeploymentStatus& status) {
  if (!status.analysis) return {};
  const auto& extra = status.analysis->extra;
  if (!extra.is_object() || !extra.contains(kProgressKey)) return {};
  auto parsed = analysis::progressFromJson(extra[kProgressKey]);
  // Unreadable progress (written by another version) restarts the analysis rather than guessing.
  return parsed ? *parsed : analysis::AnalysisProgress{};
}

void storeProgress(api::ModelDeploymentStatus& status, const analysis::AnalysisProgress& progress, WallTime now) {
  if (!status.analysis) status.analysis.emplace();
  auto& a = *status.analysis;
  a.extra[kProgressKey] = analysis::toJson(progress);
  if (progress.startedAt) a.startedAt = formatRfc3339(*progress.startedAt);
  std::int64_t failures = 0, inconclusives = 0, consecutive = 0;
  std::vector<api::AnalysisRun> runs;
  for (const auto& m : progress.metrics) {
    failures += m.failures;
    inconclusives += m.inconclusives;
    consecutive = std::max<std::int64_t>(consecutive, m.consecutiveErrors);
    if (!m.latest) continue;
    runs.push_back(runFrom(*m.latest, now));  // called only when this interval was measured
  }
  a.runs = std::move(runs);
  a.failures = failures;
  a.inconclusives = inconclusives;
  a.consecutiveErrors = consecutive;
}

void resetAnalysis(api::ModelDeploymentStatus& status) { status.analysis.reset(); }

analysis::AnalysisPolicy policyFor(const api::AnalysisSpec& spec) {
  analysis::AnalysisPolicy policy;
  for (const auto& m : spec.metrics) {
    analysis::MetricPolicy mp;
    mp.metric = m.name.value_or("");
    mp.limits.failureLimit = static_cast<int>(m.failureLimit.value_or(0));
    mp.limits.inconclusiveLimit = static_cast<int>(m.inconclusiveLimit.value_or(10));
    mp.limits.consecutiveErrorLimit = static_cast<int>(m.consecutiveErrorLimit.value_or(4));
    policy.metrics.push_back(std::move(mp));
  }
  if (spec.maxDuration && spec.maxDuration->value) policy.maxDuration = *spec.maxDuration->value;
  auto onTimeout = spec.onTimeout.value_or(std::string(api::kOnTimeoutRollback));
  policy.onTimeout = onTimeout == api::kOnTimeoutHold      ? analysis::OnTimeout::Hold
                     : onTimeout == api::kOnTimeoutPromote ? analysis::OnTimeout::Promote
                                                           : analysis::OnTimeout::Rollback;
  return policy;
}

std::string summarizeVerdicts(const analysis::AnalysisProgress& progress) {
  std::string out;
  for (const auto& m : progress.metrics) {
    if (!m.latest) continue;
    if (!out.empty()) out += "; ";
    const auto& v = *m.latest;
    if (v.lowerBound && v.value)
      out += m.metric + " " + fixed3(*v.value) + ", lower bound " + fixed3(*v.lowerBound) + ", n=" +
             std::to_string(static_cast<long long>(v.samples));
    else
      out += v.reason.empty() ? m.metric + " " + std::string(analysis::to_string(v.phase)) : v.reason;
  }
  return out.empty() ? "waiting for the first measurement" : out;
}

}  // namespace modelops::rollout::detail

namespace modelops::rollout {

std::optional<MeasurementRequest> measurementDue(const api::ModelDeployment& md, WallTime now) {
  const auto& spec = md.spec;
  const auto& st = md.status;
  if (!spec.analysis || spec.analysis->metrics.empty() || spec.paused.value_or(false)) return std::nullopt;
  auto interval = spec.analysis->interval && spec.analysis->interval->value ? *spec.analysis->interval->value
                                                                            : std::chrono::milliseconds(30000);
  MeasurementRequest req;
  bool atAnalysisStep = false;
  if (st.canary && st.canary->hash && spec.strategy && spec.strategy->canary && st.currentStepIndex) {
    const auto& steps = spec.strategy->canary->steps;
    auto idx = *st.currentStepIndex;
    atAnalysisStep = idx >= 0 && idx < static_cast<std::int64_t>(steps.size()) && steps[idx].analysis.has_value() &&
                     st.phase != api::phase::kPaused;
  }
  if (atAnalysisStep) {
    req.track = std::string(api::kTrackCanary);
    req.revision = st.canary->revision.value_or(0);
    req.hash = *st.canary->hash;
    req.version = st.canary->version.value_or("");
    req.stable = st.stable;
  } else if (spec.monitoring && spec.monitoring->enabled.value_or(false) && !st.canary && st.stable &&
             st.stable->hash && st.phase == api::phase::kHealthy) {
    if (spec.monitoring->interval && spec.monitoring->interval->value) interval = *spec.monitoring->interval->value;
    req.track = std::string(api::kTrackStable);
    req.revision = st.stable->revision.value_or(0);
    req.hash = *st.stable->hash;
    req.version = st.stable->version.value_or("");
  } else {
    return std::nullopt;
  }
  // Due when no run was recorded yet, or the newest run is an interval old.
  std::optional<WallTime> newest;
  if (st.analysis)
    for (const auto& r : st.analysis->runs)
      if (auto t = r.at ? parseRfc3339(*r.at) : std::nullopt; t && (!newest || *t > *newest)) newest = t;
  if (newest && now - *newest < interval) return std::nullopt;
  return req;
}

}  // namespace modelops::rollout
