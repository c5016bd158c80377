// Analysis progress between reconciles: kept in status.analysis (runs for people, the judge's progress
// for the limits; per variant during an A/B test), the policy derived from spec.analysis, and
// measurementDue() / measureEach().
#include <algorithm>
#include <cstdio>

#include "modelops/api/codec.h"
#include "modelops/api/revision.h"
#include "modelops/common/bounded_text.h"
#include "pass.h"

namespace modelops::rollout::detail {
namespace {

// status.analysis.progress (and progressByVariant during an A/B test): the judge's AnalysisProgress in
// its own JSON shape (limits.h), typed by the api (AnalysisProgressStatus). Declared in the CRD. The
// judge's JSON always has that shape; were it not to, the analysis would restart (as for unreadable).
api::AnalysisProgressStatus typedProgress(const analysis::AnalysisProgress& progress) {
  auto typed = api::decodeAnalysisProgress(analysis::toJson(progress));
  return typed ? std::move(typed).value() : api::AnalysisProgressStatus{};
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

// Segments kept per verdict (the failing ones first): a provider answering with thousands of series
// must not grow status.
constexpr std::size_t kMaxSegmentsPerVerdict = 20;

bool boundVerdict(analysis::Verdict& v) {
  bool cut = truncateInPlace(v.reason, text_limits::kVerdictReason);
  cut = truncateInPlace(v.query, text_limits::kQuery) || cut;
  cut = truncateInPlace(v.metric, text_limits::kVerdictReason) || cut;
  if (v.vsStable) cut = truncateInPlace(v.vsStable->reason, text_limits::kVerdictReason) || cut;
  if (v.segments.size() > kMaxSegmentsPerVerdict) {
    std::stable_partition(v.segments.begin(), v.segments.end(),
                          [](const analysis::SegmentVerdict& s) { return s.phase == analysis::VerdictPhase::Fail; });
    v.segments.resize(kMaxSegmentsPerVerdict);
    cut = true;
  }
  for (auto& s : v.segments) {
    cut = truncateInPlace(s.reason, text_limits::kVerdictReason) || cut;
    cut = truncateInPlace(s.segment, text_limits::kVerdictReason) || cut;
  }
  return cut;
}

bool boundInPlace(Measurement& m) {
  bool cut = false;
  for (auto& v : m.verdicts) cut = boundVerdict(v) || cut;
  for (auto& variant : m.variants) cut = boundInPlace(variant) || cut;
  return cut;
}

const analysis::MetricProgress* progressOf(const analysis::AnalysisProgress& progress, const std::string& metric) {
  for (const auto& m : progress.metrics)
    if (m.metric == metric) return &m;
  return nullptr;
}

}  // namespace

std::optional<Measurement> boundedMeasurement(const Measurement& m) {
  Measurement copy = m;
  if (!boundInPlace(copy)) return std::nullopt;
  return copy;
}

bool anyMeasurementError(const std::vector<analysis::Verdict>& verdicts) {
  return std::any_of(verdicts.begin(), verdicts.end(),
                     [](const analysis::Verdict& v) { return v.phase == analysis::VerdictPhase::Error; });
}

void reportMeasurement(Pass& p, const analysis::AnalysisProgress& before, const analysis::AnalysisProgress& after,
                       const std::vector<analysis::Verdict>& verdicts, const std::string& what,
                       const std::string& consequence, std::chrono::milliseconds interval) {
  if (!before.startedAt && after.startedAt) {
    std::string metrics;
    for (const auto& m : after.metrics) metrics += (metrics.empty() ? "" : ", ") + m.metric;
    p.event(EventType::Normal, "AnalysisStarted",
            what + ": analysis started (metrics " + metrics + "; a measurement every " + formatDuration(interval) + ")");
  }
  // Errors in a row between two events: the first of a run is reported at once, then every `every`-th.
  auto spacing = std::chrono::duration_cast<std::chrono::milliseconds>(kMeasurementFailedEventEvery);
  const std::int64_t every =
      interval.count() > 0 ? std::max<std::int64_t>(1, (spacing.count() + interval.count() - 1) / interval.count()) : 1;
  for (const auto& v : verdicts) {
    if (v.phase != analysis::VerdictPhase::Error) continue;
    const auto* progress = progressOf(after, v.metric);
    const std::int64_t inARow = progress ? std::max(1, progress->consecutiveErrors) : 1;
    if ((inARow - 1) % every != 0) continue;
    p.event(EventType::Warning, "MeasurementFailed",
            what + ": metric " + v.metric + " could not be measured (" + std::to_string(inARow) + " in a row; " +
                consequence + "): " + (v.reason.empty() ? "no reason given" : v.reason));
  }
}

analysis::AnalysisProgress loadProgress(const api::ModelDeploymentStatus& status) {
  if (!status.analysis || !status.analysis->progress) return {};
  auto parsed = analysis::progressFromJson(api::encodeAnalysisProgress(*status.analysis->progress));
  // Unreadable progress (written by another version) restarts the analysis rather than guessing.
  return parsed ? *parsed : analysis::AnalysisProgress{};
}

void storeProgress(api::ModelDeploymentStatus& status, const analysis::AnalysisProgress& progress, WallTime now) {
  if (!status.analysis) status.analysis.emplace();
  auto& a = *status.analysis;
  a.progress = typedProgress(progress);
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

std::map<std::string, analysis::AnalysisProgress> loadVariantProgress(const api::ModelDeploymentStatus& status) {
  std::map<std::string, analysis::AnalysisProgress> out;
  if (!status.analysis) return out;
  if (!status.analysis->progressByVariant) {
    // Progress pruned (an API server whose CRD does not keep it): the latest verdicts are still in the
    // declared runs ("<variant>/<metric>"), enough for the winner rule; the limit counters start afresh.
    for (const auto& run : status.analysis->runs) {
      auto slash = run.metric ? run.metric->find('/') : std::string::npos;
      auto phase = run.phase ? analysis::parseVerdictPhase(*run.phase) : std::nullopt;
      if (slash == std::string::npos || !phase) continue;
      analysis::Verdict v;
      v.metric = run.metric->substr(slash + 1);
      v.phase = *phase;
      v.value = run.value;
      v.lowerBound = run.lowerBound;
      v.upperBound = run.upperBound;
      v.samples = static_cast<double>(run.samples.value_or(0));
      v.reason = run.message.value_or("");
      analysis::MetricProgress m;
      m.metric = v.metric;
      m.measurements = 1;
      m.latest = v;
      out[run.metric->substr(0, slash)].metrics.push_back(std::move(m));
    }
    return out;
  }
  for (const auto& [name, typed] : *status.analysis->progressByVariant)
    if (auto parsed = analysis::progressFromJson(api::encodeAnalysisProgress(typed)))
      out[name] = *parsed;  // unreadable: that variant restarts
  return out;
}

void storeVariantProgress(api::ModelDeploymentStatus& status,
                          const std::map<std::string, analysis::AnalysisProgress>& progress, WallTime now) {
  if (!status.analysis) status.analysis.emplace();
  auto& a = *status.analysis;
  std::map<std::string, api::AnalysisProgressStatus> byVariant;
  std::vector<api::AnalysisRun> runs;
  std::int64_t failures = 0, inconclusives = 0, consecutive = 0;
  std::optional<WallTime> started;
  for (const auto& [name, p] : progress) {
    byVariant[name] = typedProgress(p);
    if (p.startedAt && (!started || *p.startedAt < *started)) started = p.startedAt;
    for (const auto& m : p.metrics) {
      failures += m.failures;
      inconclusives += m.inconclusives;
      consecutive = std::max<std::int64_t>(consecutive, m.consecutiveErrors);
      if (!m.latest) continue;
      auto run = runFrom(*m.latest, now);
      run.metric = name + "/" + m.metric;  // one run per variant and metric
      runs.push_back(std::move(run));
    }
  }
  a.progressByVariant = std::move(byVariant);
  if (started) a.startedAt = formatRfc3339(*started);
  a.runs = std::move(runs);
  a.failures = failures;
  a.inconclusives = inconclusives;
  a.consecutiveErrors = consecutive;
}

bool measuredInTest(const std::map<std::string, analysis::AnalysisProgress>& progress, const std::string& variant,
                    const api::AnalysisSpec& spec) {
  auto it = progress.find(variant);
  if (it == progress.end()) return false;
  for (const auto& metric : spec.metrics) {
    bool valued = false;
    for (const auto& m : it->second.metrics)
      valued = valued || (m.metric == metric.name.value_or("") && m.latest && m.latest->value);
    if (!valued) return false;
  }
  return true;
}

analysis::AnalysisPolicy policyFor(const api::AnalysisSpec& spec) {
  const auto resolved = api::resolve(spec);
  analysis::AnalysisPolicy policy;
  for (const auto& m : resolved.metrics) {
    analysis::MetricPolicy mp;
    mp.metric = m.metric;
    mp.limits.failureLimit = static_cast<int>(m.failureLimit);
    mp.limits.inconclusiveLimit = static_cast<int>(m.inconclusiveLimit);
    mp.limits.consecutiveErrorLimit = static_cast<int>(m.consecutiveErrorLimit);
    policy.metrics.push_back(std::move(mp));
  }
  policy.maxDuration = resolved.maxDuration;
  const auto& onTimeout = resolved.onTimeout;
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
namespace {

// Due when no run was recorded yet, or the newest run is an interval old.
bool dueByRuns(const api::ModelDeploymentStatus& st, WallTime now, std::chrono::milliseconds interval) {
  std::optional<WallTime> newest;
  if (st.analysis)
    for (const auto& r : st.analysis->runs)
      if (auto t = r.at ? parseRfc3339(*r.at) : std::nullopt; t && (!newest || *t > *newest)) newest = t;
  return !newest || now - *newest >= interval;
}

// A/B test in progress: one request per variant still in the test, while the test runs: from its start
// until `duration` after status.variantsAvailableAt (the bounds are fixed-horizon, so the decision uses
// what was measured up to the horizon), then, for at most kAbTestGraceIntervals intervals, only the
// variants without a measured value yet (pass.h). Not while a winner is being promoted, not while paused.
// The control (the variant serving the stable revision, else the first) is the comparison for every
// other variant.
std::optional<MeasurementRequest> abTestMeasurement(const api::ModelDeployment& md, WallTime now,
                                                    std::chrono::milliseconds interval) {
  const auto& st = md.status;
  const auto& ab = *md.spec.strategy->abTest;
  if (st.variants.empty() || st.canary || st.phase == api::phase::kPaused) return std::nullopt;
  auto started = st.rolloutStartedAt ? parseRfc3339(*st.rolloutStartedAt) : std::nullopt;
  auto available = st.variantsAvailableAt ? parseRfc3339(*st.variantsAvailableAt) : std::nullopt;
  const bool windowOver = ab.duration && ab.duration->value && available && now >= *available + *ab.duration->value;
  if (windowOver && now >= *available + *ab.duration->value + detail::kAbTestGraceIntervals * interval)
    return std::nullopt;
  std::map<std::string, analysis::AnalysisProgress> progress;
  if (windowOver) progress = detail::loadVariantProgress(st);
  const api::VariantStatus* control = &st.variants.front();
  for (const auto& v : st.variants)
    if (st.stable && v.hash == st.stable->hash) control = &v;
  api::TrackStatus controlTrack;
  controlTrack.revision = control->revision;
  controlTrack.version = control->version;
  controlTrack.hash = control->hash;
  controlTrack.weight = control->weight;
  MeasurementRequest req;
  for (const auto& v : st.variants) {
    if (!v.hash || !v.name) continue;
    bool failed = false;  // rolled back during this test (history newer than its start)
    for (const auto& h : st.history)
      if (h.hash == v.hash) {
        auto at = h.at ? parseRfc3339(*h.at) : std::nullopt;
        failed = h.outcome == api::outcome::kRolledBack && at && started && *at >= *started;
        break;
      }
    if (failed) continue;
    if (windowOver && detail::measuredInTest(progress, *v.name, *md.spec.analysis)) continue;  // its horizon passed
    MeasurementRequest one;
    one.track = *v.name;
    one.revision = v.revision.value_or(0);
    one.hash = *v.hash;
    one.version = v.version.value_or("");
    if (&v != control) one.stable = controlTrack;
    if (auto start = available ? available : started)
      one.sinceCountsStart = std::chrono::duration_cast<std::chrono::milliseconds>(now - *start);
    req.variants.push_back(std::move(one));
  }
  if (req.variants.empty()) return std::nullopt;
  auto first = req.variants.front();
  req.track = first.track;
  req.revision = first.revision;
  req.hash = first.hash;
  req.version = first.version;
  req.stable = first.stable;
  req.sinceCountsStart = first.sinceCountsStart;
  return req;
}

}  // namespace

std::optional<MeasurementRequest> measurementDue(const api::ModelDeployment& md, WallTime now) {
  const auto& spec = md.spec;
  const auto& st = md.status;
  const auto resolved = api::resolve(spec);
  if (!resolved.analysis || spec.analysis->metrics.empty() || resolved.paused) return std::nullopt;
  auto interval = resolved.analysis->interval;
  if (spec.strategy && spec.strategy->abTest && !st.variants.empty()) {  // a test runs: measure its variants
    auto req = abTestMeasurement(md, now, interval);
    if (!req || !dueByRuns(st, now, interval)) return std::nullopt;
    return req;
  }
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
    for (const auto& m : detail::loadProgress(st).metrics)
      if (m.segmentsSeen > 0) req.expectedSegments[m.metric] = m.segmentsSeen;
    if (auto start = st.stepStartedAt ? parseRfc3339(*st.stepStartedAt) : std::nullopt)
      req.sinceCountsStart = std::chrono::duration_cast<std::chrono::milliseconds>(now - *start);
  } else if (resolved.monitoring.enabled && !st.canary && st.stable && st.stable->hash &&
             st.phase == api::phase::kHealthy) {
    interval = resolved.monitoring.interval;
    req.track = std::string(api::kTrackStable);
    req.revision = st.stable->revision.value_or(0);
    req.hash = *st.stable->hash;
    req.version = st.stable->version.value_or("");
    if (auto start = detail::monitoringCountsStart(st, now))
      req.sinceCountsStart = std::chrono::duration_cast<std::chrono::milliseconds>(now - *start);
  } else {
    return std::nullopt;
  }
  if (!dueByRuns(st, now, interval)) return std::nullopt;
  return req;
}

Measurement measureEach(const MeasurementRequest& request,
                        const std::function<Measurement(const MeasurementRequest&)>& measureOne) {
  if (request.variants.empty()) return measureOne(request);
  Measurement out;
  for (const auto& v : request.variants) {
    auto m = measureOne(v);
    m.hash = v.hash;
    m.variant = v.track;
    out.variants.push_back(std::move(m));
  }
  return out;
}

}  // namespace modelops::rollout
