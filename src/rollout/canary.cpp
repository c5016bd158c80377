// The canary state machine: first deploy, steady state, and a rollout through setWeight / pause /
// analysis steps to promotion, with rollback on analysis failure, progress deadline or abort.
// Pure: everything it decides goes into the Pass (status, desired replicas, weight, events, requeue).
#include <algorithm>
#include <limits>
#include <utility>

#include "modelops/analysis/limits.h"
#include "modelops/api/revision.h"
#include "pass.h"

namespace modelops::rollout::detail {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
namespace phase = api::phase;
namespace cond = api::condition;

std::string versionOf(const api::TrackStatus& t) { return t.version.value_or("?"); }
std::string revisionOf(const api::TrackStatus& t) { return std::to_string(t.revision.value_or(0)); }

const std::vector<api::CanaryStep>& stepsOf(const Pass& p) {
  static const std::vector<api::CanaryStep> none;
  return p.spec.strategy && p.spec.strategy->canary ? p.spec.strategy->canary->steps : none;
}

// True when `since` is older than the progress deadline; otherwise asks to be woken at the deadline.
bool deadlinePassed(Pass& p, const std::optional<WallTime>& since) {
  if (!since) return false;
  auto left = *since + p.resolved.progressDeadline - p.in.now;
  if (left <= milliseconds(0)) return true;
  p.requeue(std::chrono::duration_cast<milliseconds>(left));
  return false;
}

// Traffic back to stable, canary scaled to zero, history and a Warning Event.
void rollback(Pass& p, std::string_view outcome, const std::string& reason) {
  auto canary = *p.st.canary;
  if (outcome == api::outcome::kRolledBack && !p.resolved.automaticRollback) {
    // Automatic rollback is off: hold the current weights and say so; a human aborts or promotes.
    p.setPhase(phase::kDegraded, "analysis failed for version " + versionOf(canary) + ": " + reason +
                                     "; automatic rollback is off: run `kubectl modelops abort` or `promote`");
    p.setCondition(cond::kProgressing, cond::kFalse, "RollbackRequired", reason);
    if (p.phaseBefore != phase::kDegraded) p.event(EventType::Warning, "AnalysisFailed", reason);
    return;
  }
  p.addHistory(canary, outcome, reason);
  p.canaryWeight = 0;
  p.canaryReplicas = 0;
  clearCanary(p.st);  // the analysis record stays: it shows why
  bool aborted = outcome == api::outcome::kAborted;
  std::string what = aborted ? "aborted" : "rolled back";
  p.setPhase(phase::kRolledBack, "version " + versionOf(canary) + " (revision " + revisionOf(canary) + ") " + what +
                                     ": " + reason);
  p.setCondition(cond::kProgressing, cond::kFalse, aborted ? "RolloutAborted" : "RolledBack", reason);
  p.event(EventType::Warning, aborted ? "RolloutAborted" : "RolledBack",
          "version " + versionOf(canary) + " (revision " + revisionOf(canary) + ") " + what + ": " + reason);
}

void promote(Pass& p) {
  auto canary = *p.st.canary;
  if (p.st.stable) p.st.lastGoodRevision = p.st.stable->revision;
  p.addHistory(canary, api::outcome::kPromoted, "");
  canary.weight = 100;
  p.st.stable = canary;
  clearCanary(p.st);
  p.st.rolloutStartedAt.reset();
  resetAnalysis(p.st);
  p.stableReplicas = p.replicas;
  p.canaryReplicas = 0;
  p.canaryWeight = 0;
  p.setPhase(phase::kHealthy, "version " + versionOf(canary) + " (revision " + revisionOf(canary) + ") promoted");
  p.setCondition(cond::kProgressing, cond::kTrue, "RolloutCompleted", "revision " + revisionOf(canary) + " promoted");
  p.event(EventType::Normal, "Promoted", "version " + versionOf(canary) + " (revision " + revisionOf(canary) + ") is stable at 100%");
}

// The track of the declared revision `hash`, starting now with `weight`.
api::TrackStatus declaredTrack(const Pass& p, const std::string& hash, std::int64_t weight) {
  api::TrackStatus track;
  track.revision = p.revisionFor(hash);
  track.version = p.spec.model.version;
  track.hash = hash;
  track.weight = weight;
  return track;
}

void startCanary(Pass& p, const std::string& hash) {
  if (p.st.canary) {
    p.addHistory(*p.st.canary, api::outcome::kSuperseded, "a newer version was declared before this one finished");
    p.event(EventType::Normal, "RolloutSuperseded",
            "version " + versionOf(*p.st.canary) + " (revision " + revisionOf(*p.st.canary) + ") superseded");
  }
  auto canary = declaredTrack(p, hash, 0);
  p.st.canary = canary;
  p.st.pendingAction.reset();  // a promote waiting for the superseded canary is not for this one
  p.st.currentStepIndex = 0;
  p.st.stepStartedAt = formatRfc3339Micro(p.in.now);
  p.st.rolloutStartedAt = formatRfc3339Micro(p.in.now);
  p.st.pauseStartedAt.reset();
  resetAnalysis(p.st);
  p.canaryWeight = 0;
  p.event(EventType::Normal, "RolloutStarted",
          "rolling out version " + versionOf(canary) + " (revision " + revisionOf(canary) + ") in " +
              std::to_string(stepsOf(p).size()) + " steps");
}

void advance(Pass& p, std::int64_t& index) {
  ++index;
  p.st.currentStepIndex = index;
  p.st.stepStartedAt = formatRfc3339Micro(p.in.now);
  p.st.pauseStartedAt.reset();
}

// Waits until the canary has `need` available replicas; false (and a message) while it has not.
bool canaryReady(Pass& p, std::int64_t need, const std::string& what) {
  auto have = p.available(*p.st.canary->hash);
  p.canaryReplicas = std::max(p.canaryReplicas, need);
  if (have >= need) return true;
  if (deadlinePassed(p, p.parseTime(p.st.stepStartedAt))) {
    rollback(p, api::outcome::kRolledBack,
             "canary not available within progressDeadlineSeconds (" +
                 std::to_string(p.resolved.progressDeadline.count()) + "s): " + std::to_string(have) + "/" +
                 std::to_string(need) + " replicas available");
    return false;
  }
  p.setPhase(phase::kProgressing, what + ": waiting for canary replicas (" + std::to_string(have) + "/" +
                                      std::to_string(need) + " available)");
  return false;
}

enum class StepResult { Advance, Wait, Stop };

StepResult runAnalysisStep(Pass& p, std::int64_t index, bool promoteRequested) {
  const std::string label = p.stepLabel(index);
  if (promoteRequested) {
    p.event(EventType::Normal, "AnalysisSkipped", label + ": analysis skipped by promote");
    resetAnalysis(p.st);
    return StepResult::Advance;
  }
  auto progress = loadProgress(p.st);
  auto policy = policyFor(*p.spec.analysis);
  if (p.spec.analysis->guards)  // label-free guards (api/guards.h) must pass too; most fail the analysis
    for (const auto& g : api::guardPolicies(*p.spec.analysis->guards))
      policy.metrics.push_back({g.name, {g.failureFailsAnalysis ? 0 : std::numeric_limits<int>::max()}});
  analysis::AnalysisOutcome outcome = progress.outcome;
  std::string reason = progress.reason;
  if (p.in.measurement && p.in.measurement->hash == p.st.canary->hash) {
    auto decision = analysis::decide(progress, p.in.measurement->verdicts, policy, p.in.now);
    reportMeasurement(p, progress, decision.progress, p.in.measurement->verdicts,
                      label + ": version " + p.st.canary->version.value_or("?"),
                      "weights unchanged; consecutiveErrorLimit errors in a row abort the analysis",
                      p.resolved.analysis->interval);
    progress = decision.progress;
    outcome = decision.outcome;
    reason = decision.reason;
    storeProgress(p.st, progress, p.in.now);
  }
  switch (outcome) {
    case analysis::AnalysisOutcome::Passed:
      p.setCondition(cond::kAccuracyHealthy, cond::kTrue, "AnalysisPassed", summarizeVerdicts(progress));
      p.event(EventType::Normal, "AnalysisPassed", label + ": " + summarizeVerdicts(progress));
      resetAnalysis(p.st);
      return StepResult::Advance;
    case analysis::AnalysisOutcome::Failed:
    case analysis::AnalysisOutcome::Aborted:
      p.setCondition(cond::kAccuracyHealthy, cond::kFalse,
                     outcome == analysis::AnalysisOutcome::Failed ? "AnalysisFailed" : "AnalysisAborted", reason);
      rollback(p, api::outcome::kRolledBack, reason);
      return StepResult::Stop;
    case analysis::AnalysisOutcome::Paused:
      p.setCondition(cond::kAccuracyHealthy, cond::kUnknown, "AnalysisInconclusive", reason);
      p.setPhase(phase::kPaused, label + ": analysis inconclusive, paused: " + reason +
                                     " (promote to continue, abort to roll back)");
      if (p.phaseBefore != phase::kPaused) p.event(EventType::Warning, "AnalysisInconclusive", reason);
      return StepResult::Stop;
    case analysis::AnalysisOutcome::Running:
      break;
  }
  p.setCondition(cond::kAccuracyHealthy, cond::kUnknown, "AnalysisRunning", summarizeVerdicts(progress));
  p.setPhase(phase::kProgressing, label + ": analysis running (" + summarizeVerdicts(progress) + ")");
  p.requeue(p.resolved.analysis->interval);
  return StepResult::Wait;
}

StepResult runStep(Pass& p, std::int64_t index, bool promoteRequested) {
  const auto& step = stepsOf(p)[static_cast<std::size_t>(index)];
  const std::string label = p.stepLabel(index);
  if (step.setWeight) {
    auto weight = *step.setWeight;
    if (!canaryReady(p, canaryReplicasFor(p.replicas, weight), label + " (weight " + std::to_string(weight) + "%)"))
      return p.st.canary ? StepResult::Wait : StepResult::Stop;
    if (p.canaryWeight != weight)
      p.event(EventType::Normal, "WeightChanged", label + ": canary weight " + std::to_string(weight) + "%");
    p.canaryWeight = weight;
    return StepResult::Advance;
  }
  if (step.pause) {
    if (promoteRequested) return StepResult::Advance;
    if (!step.pause->duration) {
      if (!p.st.pauseStartedAt) p.st.pauseStartedAt = formatRfc3339Micro(p.in.now);
      p.setPhase(phase::kPaused, label + ": paused until promoted (kubectl modelops promote " + p.name + ")");
      return StepResult::Stop;
    }
    auto started = p.parseTime(p.st.stepStartedAt).value_or(p.in.now);
    auto left = started + step.pause->duration->get() - p.in.now;
    if (left <= milliseconds(0)) return StepResult::Advance;
    auto leftMs = std::chrono::duration_cast<milliseconds>(left);
    p.setPhase(phase::kProgressing, label + ": pause (" + roundedUp(leftMs) + " left)");
    p.requeue(leftMs);
    return StepResult::Wait;
  }
  return runAnalysisStep(p, index, promoteRequested);
}

// Records a promote that found no pause or analysis step to skip yet (the canary is still scaling up);
// `carried` is the one already pending from an earlier pass, if any.
void keepPromotePending(Pass& p, const std::optional<api::PendingAction>& carried) {
  if (!p.action && carried) {
    p.st.pendingAction = carried;
    return;
  }
  api::PendingAction pending;
  pending.action = std::string(api::kActionPromote);
  if (p.action) pending.id = p.action->id;
  pending.requestedAt = formatRfc3339Micro(p.in.now);
  p.st.pendingAction = pending;
}

void runCanary(Pass& p, const std::optional<std::string>& action) {
  const auto& steps = stepsOf(p);
  const auto total = static_cast<std::int64_t>(steps.size());
  auto index = std::clamp<std::int64_t>(p.st.currentStepIndex.value_or(0), 0, total);
  p.canaryWeight = p.st.canary->weight.value_or(0);
  // One canary pod from the start (a first analysis or pause step has something to measure), none when
  // the spec asks for no pods at all.
  p.canaryReplicas = p.replicas > 0 ? std::max<std::int64_t>(1, canaryReplicasFor(p.replicas, p.canaryWeight)) : 0;
  p.stableReplicas = p.replicas;
  p.setCondition(cond::kProgressing, cond::kTrue, "RolloutInProgress",
                 "rolling out revision " + revisionOf(*p.st.canary));

  if (action == api::kActionAbort) {
    rollback(p, api::outcome::kAborted, "aborted by request");
    return;
  }
  if (p.userPaused()) {
    p.setPhase(phase::kPaused, p.stepLabel(index) + ": paused by " +
                                   std::string(p.pausedBy()) +
                                   " (kubectl modelops resume)");
    return;
  }
  bool promoteFull = action == api::kActionPromoteFull;
  // A promote skips the first pause or analysis step it meets. One that arrives while a setWeight step
  // waits for canary pods is kept in status.pendingAction until such a step is reached, not dropped.
  auto carried = std::exchange(p.st.pendingAction, std::nullopt);
  bool promoteOne = action == api::kActionPromote ||
                    (!action && carried && carried->action == api::kActionPromote);
  if (promoteFull) {
    p.event(EventType::Normal, "PromoteFull", "remaining steps skipped by request");
    index = total;
    p.st.currentStepIndex = index;
    p.st.stepStartedAt = formatRfc3339Micro(p.in.now);
  }
  while (index < total) {
    bool skippable = !steps[static_cast<std::size_t>(index)].setWeight;
    auto result = runStep(p, index, promoteOne && skippable);
    if (skippable) promoteOne = false;
    if (result != StepResult::Advance) {
      if (promoteOne) keepPromotePending(p, carried);
      return;
    }
    advance(p, index);
  }
  if (!canaryReady(p, p.replicas, "promotion")) return;
  p.canaryWeight = 100;
  promote(p);
}

}  // namespace

void planFirstDeploy(Pass& p, const std::string& hash) {
  auto stable = declaredTrack(p, hash, 100);
  p.st.stable = stable;
  p.st.rolloutStartedAt = formatRfc3339Micro(p.in.now);
  p.stableReplicas = p.replicas;
  p.event(EventType::Normal, "Deploying", "deploying version " + versionOf(stable) + " (revision " + revisionOf(stable) + ")");
  planSteady(p);
}

void planSteady(Pass& p) {
  const auto& stable = *p.st.stable;
  p.stableReplicas = p.replicas;
  if (p.st.canary) {  // the spec went back to the stable version mid-rollout
    auto canary = *p.st.canary;
    p.addHistory(canary, api::outcome::kAborted, "spec returned to the stable version " + versionOf(stable));
    p.event(EventType::Normal, "RolloutAborted", "version " + versionOf(canary) + " abandoned: spec returned to " + versionOf(stable));
    clearCanary(p.st);
    resetAnalysis(p.st);
  }
  auto have = p.available(*stable.hash);
  bool firstTime = p.st.history.empty();
  if (have >= p.replicas) {
    if (firstTime) p.addHistory(stable, api::outcome::kPromoted, "first revision");
    p.st.rolloutStartedAt.reset();
    p.setCondition(cond::kAvailable, cond::kTrue, "MinimumReplicasAvailable",
                   std::to_string(have) + "/" + std::to_string(p.replicas) + " replicas available");
    p.setCondition(cond::kProgressing, cond::kTrue, "NewRevisionAvailable", "revision " + revisionOf(stable) + " is stable");
    if (planMonitoring(p)) return;  // post-promotion monitoring found it degraded and said so
    if (p.phaseBefore != phase::kHealthy) p.event(EventType::Normal, "Healthy", "version " + versionOf(stable) + " serving at 100%");
    p.setPhase(phase::kHealthy, "version " + versionOf(stable) + " (revision " + revisionOf(stable) + ") serving at 100%");
    return;
  }
  p.setCondition(cond::kAvailable, have > 0 ? cond::kTrue : cond::kFalse, "MinimumReplicasUnavailable",
                 std::to_string(have) + "/" + std::to_string(p.replicas) + " replicas available");
  if (firstTime && deadlinePassed(p, p.parseTime(p.st.rolloutStartedAt))) {
    auto reason = "revision " + revisionOf(stable) + " not available within progressDeadlineSeconds (" +
                  std::to_string(p.resolved.progressDeadline.count()) + "s)";
    p.setCondition(cond::kProgressing, cond::kFalse, "ProgressDeadlineExceeded", reason);
    if (p.phaseBefore != phase::kFailed) p.event(EventType::Warning, "ProgressDeadlineExceeded", reason);
    p.setPhase(phase::kFailed, reason);
    return;
  }
  p.setPhase(phase::kProgressing, "waiting for version " + versionOf(stable) + " (" + std::to_string(have) + "/" +
                                      std::to_string(p.replicas) + " replicas available)");
}

void planRollout(Pass& p, const std::string& hash, const std::optional<std::string>& action) {
  bool active = p.st.canary && p.st.canary->hash == hash;
  auto last = lastOutcomeFor(p.st, hash);
  bool failedBefore = isFailedOutcome(last);
  p.stableReplicas = p.replicas;
  if (!active && failedBefore && action != api::kActionRetry) {
    // The declared version failed before: hold on stable until the spec changes or a retry is requested.
    if (p.st.canary) {  // another version was in flight: it is superseded by the declared (failed) one
      p.addHistory(*p.st.canary, api::outcome::kSuperseded, "spec changed to a version that failed before");
      clearCanary(p.st);
      resetAnalysis(p.st);
    }
    const auto* entry = newestEntry(p.st, hash);
    std::string reason = entry ? entry->reason.value_or("") : "";
    p.setPhase(heldPhase(p.st), "version " + p.spec.model.version.value_or("?") + " was " +
                       (last == api::outcome::kAborted    ? "aborted"
                        : last == api::outcome::kDegraded ? "degraded after promotion and rolled back"
                                                          : "rolled back") +
                       (reason.empty() ? "" : ": " + reason) +
                       "; stable " + versionOf(*p.st.stable) + " serves 100% (change the spec or run `kubectl modelops retry " +
                       p.name + "`)");
    p.canaryWeight = 0;
    p.canaryReplicas = 0;
    return;
  }
  if (!active) startCanary(p, hash);
  runCanary(p, action);
}

}  // namespace modelops::rollout::detail
