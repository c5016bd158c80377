// Post-promotion monitoring: with spec.monitoring.enabled the stable revision keeps being judged
// (measurementDue asks for it while Healthy). An accuracy metric is judged by change detection, not by
// counting failed windows (which add up over overlapping windows: a model above `min` was declared
// degraded in every simulated month): a Bernoulli CUSUM on the labels new since the previous look
// (analysis/change_detection.h), its threshold from spec.monitoring.expectedTimeToFalseAlarm, its state
// in status.analysis.changeDetection; an alarm is a failure at once. Other metrics (thresholds) fold
// with the same limits as a canary analysis. For both, a pass is not terminal (monitoring never ends)
// and maxDuration does not apply. On Failed/Aborted the stable revision is Degraded: with onDegraded
// Rollback, the last good revision (status.lastGoodRevision, kept at zero replicas by retention.cpp) is
// scaled back up and, once available, becomes stable at 100%; with Alert, or without a last good revision, traffic stays and the
// phase says so. `retry` re-accepts a degraded stable (monitoring restarts).
// A measurement that could not be made (provider unreachable, bad answer) is never degradation: errors
// do not count towards consecutiveErrorLimit here (a metrics outage would otherwise roll production
// back); spec.monitoring.onError decides what they do: Hold (default) keeps traffic and reports them
// (condition MonitoringHealthy=False reason MeasurementFailed, a rate-limited Warning MeasurementFailed),
// Ignore keeps traffic silently.
// Pure: everything goes into the Pass. Thread-safety: one Pass per call.
#include <algorithm>
#include <limits>
#include <set>

#include "modelops/analysis/change_detection.h"
#include "modelops/analysis/limits.h"
#include "modelops/api/analysis_warnings.h"
#include "modelops/api/change_detection.h"
#include "pass.h"

namespace modelops::rollout::detail {
namespace {

using std::chrono::milliseconds;
namespace phase = api::phase;
namespace cond = api::condition;

constexpr std::string_view kReasonDegraded = "StableDegraded";

std::string rev(std::optional<std::int64_t> r) { return std::to_string(r.value_or(0)); }

// The version of `revision` as history recorded it (the Promoted entry first).
std::optional<std::string> versionOfRevision(const api::ModelDeploymentStatus& st, std::int64_t revision) {
  std::optional<std::string> any;
  for (const auto& h : st.history) {
    if (h.revision != revision) continue;
    if (h.outcome == api::outcome::kPromoted) return h.version;
    if (!any) any = h.version;
  }
  return any;
}

// The newest promoted revision older than `below` whose revision was not degraded or rolled back since:
// the next rollback target once the current last good one is stable again.
std::optional<std::int64_t> olderGoodRevision(const api::ModelDeploymentStatus& st, std::int64_t below) {
  for (const auto& h : st.history) {
    if (!h.revision || *h.revision >= below || h.outcome != api::outcome::kPromoted || !h.hash) continue;
    if (lastOutcomeFor(st, *h.hash) == api::outcome::kPromoted) return h.revision;
  }
  return std::nullopt;
}

milliseconds intervalOf(const Pass& p) { return p.resolved.monitoring.interval; }

bool rollbackMode(const Pass& p) {
  return p.resolved.monitoring.onDegraded == api::kOnDegradedRollback;
}

// The Deployment of the last good revision, when one is recorded and still kept (not the stable itself).
const ObservedDeployment* rollbackTarget(const Pass& p) {
  if (!p.st.lastGoodRevision || !p.st.stable) return nullptr;
  for (const auto& d : p.in.observed.deployments)
    if (d.revision == *p.st.lastGoodRevision && d.hash != p.st.stable->hash) return &d;
  return nullptr;
}

// What the Degraded Event says happens next; it must agree with what holdDegraded does.
std::string degradedConsequence(const Pass& p) {
  if (!rollbackMode(p)) return "alert only, traffic unchanged";
  if (!rollbackTarget(p))
    return "no last good revision to return to" +
           (p.st.lastGoodRevision ? " (revision " + rev(p.st.lastGoodRevision) + " is no longer kept)" : std::string()) +
           ", traffic unchanged";
  return "returning to the last good revision " + rev(p.st.lastGoodRevision);
}

// The stable revision failed monitoring: history, condition, Warning event. Traffic is decided by
// holdDegraded on this and the following passes.
void degrade(Pass& p, const std::string& reason) {
  const auto stable = *p.st.stable;
  p.addHistory(stable, api::outcome::kDegraded, reason);
  p.setCondition(cond::kAccuracyHealthy, cond::kFalse, kReasonDegraded, reason);
  const std::string what = degradedConsequence(p);
  p.event(EventType::Warning, "Degraded",
          "version " + stable.version.value_or("?") + " (revision " + rev(stable.revision) +
              ") degraded after promotion: " + reason + " (" + what + ")");
  resetAnalysis(p.st);
}

// The stable revision is Degraded: return to the last good revision when asked to and possible, else
// hold and say why. Always decides the phase.
void holdDegraded(Pass& p) {
  const auto stable = *p.st.stable;
  const auto* entry = newestEntry(p.st, stable.hash.value_or(""));
  std::string reason = entry && entry->reason ? *entry->reason : "monitoring failed";
  std::string head = "version " + stable.version.value_or("?") + " (revision " + rev(stable.revision) +
                     ") degraded after promotion: " + reason;
  p.setCondition(cond::kAccuracyHealthy, cond::kFalse, kReasonDegraded, reason);
  if (!rollbackMode(p)) {
    p.setPhase(phase::kDegraded, head + "; onDegraded is Alert: traffic unchanged (`kubectl modelops retry " +
                                     p.name + "` accepts it again, or change the spec)");
    return;
  }
  const ObservedDeployment* target = rollbackTarget(p);
  if (!target) {
    p.setPhase(phase::kDegraded,
               head + "; no last good revision to return to" +
                   (p.st.lastGoodRevision ? " (revision " + rev(p.st.lastGoodRevision) + " is no longer kept)"
                                          : std::string()) +
                   ": traffic unchanged (change the spec, or `kubectl modelops retry " + p.name + "` to accept it)");
    return;
  }
  p.restoreHash = target->hash;  // retention.cpp scales it back to `replicas`
  auto have = p.available(target->hash);
  if (have < p.replicas) {
    p.setPhase(phase::kDegraded, head + "; returning to revision " + rev(p.st.lastGoodRevision) +
                                     ": waiting for its replicas (" + std::to_string(have) + "/" +
                                     std::to_string(p.replicas) + " available)");
    return;
  }
  api::TrackStatus good;
  good.revision = target->revision;
  good.version = versionOfRevision(p.st, target->revision);
  good.hash = target->hash;
  good.weight = 100;
  p.st.stable = good;
  p.st.lastGoodRevision = olderGoodRevision(p.st, target->revision);
  p.restoreHash.clear();
  p.event(EventType::Warning, "RolledBackToLastGood",
          "traffic returned to version " + good.version.value_or("?") + " (revision " + rev(good.revision) +
              ") from degraded version " + stable.version.value_or("?") + ": " + reason);
  p.setPhase(phase::kDegraded, head + "; traffic returned to version " + good.version.value_or("?") + " (revision " +
                                   rev(good.revision) + ")");
}

bool onErrorIgnore(const Pass& p) {
  return p.spec.monitoring && p.spec.monitoring->onError == api::kOnErrorIgnore;
}

void forgetMonitoringCondition(Pass& p) {
  std::erase_if(p.st.conditions, [](const api::Condition& c) { return c.type == cond::kMonitoringHealthy; });
}

// MonitoringHealthy says whether monitoring can measure; with onError Hold a failed measurement sets it
// False and is reported (rate-limited); any answered measurement sets it True again. With Ignore it is
// absent.
void reportMonitoringMeasurement(Pass& p, const analysis::AnalysisProgress& before,
                                 const analysis::AnalysisProgress& after) {
  const auto& verdicts = p.in.measurement->verdicts;
  const auto& stable = *p.st.stable;
  const std::string what =
      "monitoring of version " + stable.version.value_or("?") + " (revision " + rev(stable.revision) + ")";
  if (onErrorIgnore(p)) {
    // Nothing is said about errors, so no condition either: a True left from an earlier success would
    // claim monitoring works while it fails.
    forgetMonitoringCondition(p);
    reportMeasurement(p, before, after, {}, what, "", intervalOf(p));  // AnalysisStarted only
    return;
  }
  if (!anyMeasurementError(verdicts)) {
    reportMeasurement(p, before, after, verdicts, what, "", intervalOf(p));
    p.setCondition(cond::kMonitoringHealthy, cond::kTrue, "MeasurementSucceeded", "every metric was measured");
    return;
  }
  reportMeasurement(p, before, after, verdicts, what, "onError Hold: traffic unchanged, not read as degradation",
                    intervalOf(p));
  std::string failed;
  for (const auto& v : verdicts)
    if (v.phase == analysis::VerdictPhase::Error)
      failed += (failed.empty() ? "" : "; ") + v.metric + ": " + (v.reason.empty() ? "no reason given" : v.reason);
  p.setCondition(cond::kMonitoringHealthy, cond::kFalse, "MeasurementFailed",
                 "measurements failed (traffic unchanged, onError Hold): " + failed);
}

// The CUSUM of an accuracy metric with floor `min`: its threshold from the declared expected time to a
// false alarm in looks of the monitoring interval.
analysis::ChangeDetectorConfig detectorFor(const Pass& p, double min) {
  const double interval = std::max<double>(1.0, static_cast<double>(intervalOf(p).count()));
  const auto expected = p.resolved.monitoring.expectedTimeToFalseAlarm;
  return analysis::changeDetectorForLooks(min, static_cast<double>(expected.count()) / interval);
}

// Replaces the verdict of every accuracy metric with the change detector's judgement of it and advances
// the detectors in `detection`. Returns the names of the metrics so judged.
std::set<std::string> judgeByChange(const Pass& p, std::vector<analysis::Verdict>& verdicts,
                                    api::ChangeDetectionStatus& detection) {
  std::set<std::string> judged;
  for (const auto& metric : p.spec.analysis->metrics) {
    if (!metric.name || !metric.accuracy || !metric.accuracy->min) continue;
    auto verdict = std::find_if(verdicts.begin(), verdicts.end(),
                                [&](const analysis::Verdict& v) { return v.metric == *metric.name; });
    if (verdict == verdicts.end()) continue;
    analysis::ChangeDetectorState state;
    if (auto kept = detection.find(*metric.name); kept != detection.end()) {
      state.statistic = kept->second.statistic;
      state.labelsSeen = kept->second.labels;
      if (kept->second.hasReading)
        state.lastReading = analysis::Counts{kept->second.successes, kept->second.trials, {}};
    }
    auto judgement = analysis::judgeChange(*verdict, state, detectorFor(p, *metric.accuracy->min));
    *verdict = std::move(judgement.verdict);
    // A spec from before {{analysis.elapsed}}: the differences of two fixed windows are not new labels,
    // so the detector sees little; say so where people look (the admission webhook warns too).
    if (metric.provider && metric.provider->prometheus) {
      auto ranges = api::fixedRanges(metric.successes.value_or(""));
      if (ranges.empty()) ranges = api::fixedRanges(metric.trials.value_or(""));
      if (!ranges.empty())
        verdict->reason += "; the counts use the fixed range " + ranges.front() +
                           ": change detection needs counts since the start, increase(...[{{analysis.elapsed}}])";
    }
    api::ChangeDetectionState& out = detection[*metric.name];
    out.statistic = judgement.state.statistic;
    out.labels = judgement.state.labelsSeen;
    out.hasReading = judgement.state.lastReading.has_value();
    if (out.hasReading) {
      out.successes = judgement.state.lastReading->successes;
      out.trials = judgement.state.lastReading->trials;
    }
    judged.insert(*metric.name);
  }
  return judged;
}

// Folds this look's verdicts (accuracy ones judged by change detection, advancing `detection`) with
// monitoring's policy: maxDuration does not apply, errors never end monitoring (onError decides what
// they do), and an alarm degrades at once.
analysis::AnalysisDecision decideLook(const Pass& p, const analysis::AnalysisProgress& progress,
                                      api::ChangeDetectionStatus& detection) {
  auto policy = policyFor(*p.spec.analysis);
  policy.maxDuration.reset();
  for (auto& m : policy.metrics) m.limits.consecutiveErrorLimit = std::numeric_limits<int>::max();
  auto verdicts = p.in.measurement->verdicts;
  const auto byChange = judgeByChange(p, verdicts, detection);
  // An alarm already carries the evidence of many looks: failureLimit does not delay it.
  for (auto& m : policy.metrics)
    if (byChange.count(m.metric)) m.limits.failureLimit = 0;
  return analysis::decide(progress, verdicts, policy, p.in.now);
}

}  // namespace

std::optional<WallTime> monitoringCountsStart(const api::ModelDeploymentStatus& st, WallTime now) {
  if (!st.stable || !st.stable->hash) return std::nullopt;
  for (const auto& h : st.history) {  // newest first
    if (h.hash != st.stable->hash || h.outcome != api::outcome::kPromoted) continue;
    auto promoted = h.at ? parseRfc3339(*h.at) : std::nullopt;
    if (!promoted || now < *promoted) return promoted;
    const auto period = std::chrono::duration_cast<WallTime::duration>(kMonitoringCountsPeriod);
    return *promoted + ((now - *promoted) / period) * period;
  }
  return std::nullopt;
}

bool planMonitoring(Pass& p) {
  const auto& stable = *p.st.stable;
  const auto hash = stable.hash.value_or("");
  bool degraded = lastOutcomeFor(p.st, hash) == api::outcome::kDegraded;
  if (degraded && p.actionIs(api::kActionRetry)) {
    // A human accepts the degraded revision again: it is the promoted stable, monitoring starts afresh.
    p.addHistory(stable, api::outcome::kPromoted, "accepted again by retry after degradation");
    p.setCondition(cond::kAccuracyHealthy, cond::kUnknown, "MonitoringRestarted", "accepted again by retry");
    p.event(EventType::Normal, "MonitoringRestarted", "revision " + rev(stable.revision) + " accepted again by retry");
    resetAnalysis(p.st);
    return false;
  }
  if (degraded) {
    holdDegraded(p);
    return true;
  }
  bool enabled = p.resolved.monitoring.enabled && p.spec.analysis && !p.spec.analysis->metrics.empty();
  if (!enabled) {
    forgetMonitoringCondition(p);  // nothing monitors: a condition from earlier would mislead
    return false;
  }
  p.requeue(intervalOf(p));  // come back when the next measurement is due
  if (!p.in.measurement || p.in.measurement->hash != hash) return false;

  auto progress = loadProgress(p.st);
  // Monitoring never ends: a pass is not terminal (later failures must still count), and maxDuration
  // (meant for a rollout's analysis) does not apply.
  if (progress.outcome == analysis::AnalysisOutcome::Passed) progress.outcome = analysis::AnalysisOutcome::Running;
  auto detection = p.st.analysis ? api::changeDetectionOf(*p.st.analysis) : api::ChangeDetectionStatus{};
  auto decision = decideLook(p, progress, detection);
  reportMonitoringMeasurement(p, progress, decision.progress);
  switch (decision.outcome) {
    case analysis::AnalysisOutcome::Failed:
    case analysis::AnalysisOutcome::Aborted:
      p.retrainTrigger = degradationTrigger(p, decision);  // before holdDegraded moves the stable
      degrade(p, decision.reason);
      holdDegraded(p);
      return true;
    case analysis::AnalysisOutcome::Paused:
      // Too many inconclusive intervals: say so and start counting afresh (no action on missing data).
      p.setCondition(cond::kAccuracyHealthy, cond::kUnknown, "MonitoringInconclusive", decision.reason);
      p.event(EventType::Warning, "MonitoringInconclusive", decision.reason);
      storeProgress(p.st, decision.progress, p.in.now);
      if (p.st.analysis) p.st.analysis->progress.reset();
      api::setChangeDetection(*p.st.analysis, detection);  // the detectors keep their evidence
      return false;
    case analysis::AnalysisOutcome::Passed:
      p.setCondition(cond::kAccuracyHealthy, cond::kTrue, "MonitoringPassed", summarizeVerdicts(decision.progress));
      break;
    case analysis::AnalysisOutcome::Running:
      break;
  }
  storeProgress(p.st, decision.progress, p.in.now);
  api::setChangeDetection(*p.st.analysis, detection);
  return false;
}

}  // namespace modelops::rollout::detail
