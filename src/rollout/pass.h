// Internal to the planner: the state of one planning pass (inputs, the status being built, the plan
// being filled) and the helpers the step logic shares. Not a public header.
// Thread-safety: one Pass per plan() call, on one thread.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "modelops/analysis/limits.h"
#include "modelops/api/actions.h"
#include "modelops/api/defaults.h"
#include "modelops/rollout/planner.h"
#include "step_helpers.h"

namespace modelops::rollout::detail {

struct Pass {
  explicit Pass(const PlanInput& input);

  const PlanInput& in;
  const api::ModelDeploymentSpec& spec;
  // The spec's values with every default applied: read these, never a spec field with a fallback.
  const api::ResolvedSpec resolved;
  api::ModelDeploymentStatus st;  // the new status
  Plan out;
  std::int64_t replicas = 0;  // resolved.replicas
  std::string name;
  std::string phaseBefore;

  // Desired replicas and weight of the two live tracks, settled by the step logic.
  std::int64_t stableReplicas = 0;
  std::int64_t canaryReplicas = 0;
  std::int64_t canaryWeight = 0;

  // The human action requested in this pass (already marked handled), if any.
  std::optional<api::ActionRequest> action;
  bool actionIs(std::string_view name) const { return action && action->action == name; }
  // Hashes the A/B logic keeps live (variants): planOldRevisions leaves them alone.
  std::set<std::string> liveHashes;
  // Retraining: what monitoring's verdict in this pass asks for (set by degrade()), and a human's
  // "retrain" request (taken out of `action`, which the step logic reads).
  std::optional<api::RetrainingRun> retrainTrigger;
  std::optional<api::ActionRequest> retrainRequest;
  // Post-promotion rollback in progress: the last good revision's hash, scaled back to `replicas`.
  std::string restoreHash;

  void event(EventType type, std::string_view reason, std::string message);
  void requeue(std::chrono::milliseconds after);
  void setPhase(std::string_view phase, std::string message);
  void setCondition(std::string_view type, std::string_view status, std::string_view reason, std::string message);
  void addHistory(const api::TrackStatus& track, std::string_view outcome, std::string reason);
  std::int64_t nextRevision() const;
  // The number for revision `hash` starting now: nextRevision(), unless a Deployment for `hash` already
  // carries a number newer than every one status records (see unrecordedRevision).
  std::int64_t revisionFor(const std::string& hash) const;
  // The revision label of a Deployment for `hash` that a previous pass created but whose status write
  // never happened (the operator was stopped in between): its number is above every one status
  // records and no other Deployment carries it. Reusing it keeps labels, status and Events agreeing
  // with the first attempt, so a restarted operator resumes the start instead of making another.
  std::optional<std::int64_t> unrecordedRevision(const std::string& hash) const;
  std::int64_t available(const std::string& hash) const;
  std::optional<WallTime> parseTime(const std::optional<std::string>& text) const;
  std::string stepLabel(std::int64_t index) const;  // "step 3/5"
  std::string deploymentName(const std::string& hash) const { return name + "-" + hash; }
  bool replicaRatio() const;  // no traffic router: weights are carried by replica counts
  std::string stableHash() const { return st.stable ? st.stable->hash.value_or("") : ""; }  // "" when none
  bool userPaused() const;    // spec.paused or a pause request
  std::string_view pausedBy() const { return resolved.paused ? "spec.paused" : "request"; }  // when userPaused
};

// Start of the reason of a Superseded entry for an A/B loser (retention keeps its pods for the delay).
inline constexpr std::string_view kLostAbTest = "lost the A/B test to ";

// v with three decimals, as messages and reasons print measured values.
std::string fixed3(double v);

// Analysis progress kept in status.analysis (see analysis_state.cpp).
analysis::AnalysisProgress loadProgress(const api::ModelDeploymentStatus& status);
void storeProgress(api::ModelDeploymentStatus& status, const analysis::AnalysisProgress& progress, WallTime now);
void resetAnalysis(api::ModelDeploymentStatus& status);
analysis::AnalysisPolicy policyFor(const api::AnalysisSpec& spec);
std::string summarizeVerdicts(const analysis::AnalysisProgress& progress);

// Events about measuring itself, from this pass's verdicts and the progress before/after folding them
// (so the planner stays pure: the rate limit is derived from the error counts the progress keeps):
// Normal AnalysisStarted when this measurement starts an analysis (`before` had none), Warning
// MeasurementFailed for a metric whose provider failed, on the first error of a run of errors and then
// at most once per kMeasurementFailedEventEvery (measurements are at least `interval` apart).
// `what` names the analysis ("step 3/5: version 2.0", "monitoring of version 2.0"); `consequence` says
// what the failure does to traffic.
inline constexpr std::chrono::minutes kMeasurementFailedEventEvery{5};
void reportMeasurement(Pass& p, const analysis::AnalysisProgress& before, const analysis::AnalysisProgress& after,
                       const std::vector<analysis::Verdict>& verdicts, const std::string& what,
                       const std::string& consequence, std::chrono::milliseconds interval);
// Whether this pass's measurement has a verdict that could not be made (provider error).
bool anyMeasurementError(const std::vector<analysis::Verdict>& verdicts);
// A copy of `m` whose provider-supplied texts and lists are within text_limits (bounded_text.h):
// reasons, queries, segment lists; nullopt when `m` is within them already.
std::optional<Measurement> boundedMeasurement(const Measurement& m);

// Per-variant analysis progress of an A/B test, in status.analysis (runs of every variant, metric named
// "<variant>/<metric>"; progress per variant under status.analysis.progressByVariant).
std::map<std::string, analysis::AnalysisProgress> loadVariantProgress(const api::ModelDeploymentStatus& status);
void storeVariantProgress(api::ModelDeploymentStatus& status,
                          const std::map<std::string, analysis::AnalysisProgress>& progress, WallTime now);

// The A/B test's measurement window (abtest.cpp decides, analysis_state.cpp measures). `duration` counts
// from status.variantsAvailableAt (every live variant first had its replicas available). A live variant
// still without a measured value when the duration is over may be measured for up to
// kAbTestGraceIntervals analysis intervals more before the test is judged: bounded, so a provider that
// keeps failing still ends in the hold; and only unmeasured variants are measured then, so the others'
// evidence stays what was measured up to the horizon (one late look for a variant that had no value, not
// repeated peeking until the bounds separate; docs/rollout.md).
inline constexpr int kAbTestGraceIntervals = 2;
// Whether `variant` has, in this test, a latest verdict with a measured value for every metric of `spec`
// (what the winner rule needs; an error or a missing verdict is not a measurement).
bool measuredInTest(const std::map<std::string, analysis::AnalysisProgress>& progress, const std::string& variant,
                    const api::AnalysisSpec& spec);

// Step logic (canary.cpp).
void planFirstDeploy(Pass& p, const std::string& hash);
void planSteady(Pass& p);
void planRollout(Pass& p, const std::string& hash, const std::optional<std::string>& action);
// Old revisions: scale-down after the delay, deletion beyond revisionHistoryLimit (retention.cpp).
void planOldRevisions(Pass& p);
// Canary strategy: the stable and canary Deployments, Services, backends and weights (traffic.cpp).
void planTraffic(Pass& p);
// A/B test (abtest.cpp): plans everything (children, traffic) for a spec with strategy.abTest.
void planAbTest(Pass& p);
// Post-promotion monitoring (monitoring.cpp), called by planSteady once the stable is available.
// True when it decided the phase (Degraded, or a rollback to the last good revision).
bool planMonitoring(Pass& p);
// Retraining (retraining.cpp): finishes the run in flight, takes this pass's triggers, starts a run.
void planRetraining(Pass& p);
// The retraining trigger of a degradation decided by `decision` (Degraded: a labelled metric; Drift: a
// label-free one: a threshold metric or a guard), nullopt when spec.retraining does not ask for it.
std::optional<api::RetrainingRun> degradationTrigger(const Pass& p, const analysis::AnalysisDecision& decision);
// Where monitoring's counts since the start begin (the stable's promotion, re-anchored every
// kMonitoringCountsPeriod), nullopt when status does not say (monitoring.cpp).
std::optional<WallTime> monitoringCountsStart(const api::ModelDeploymentStatus& st, WallTime now);

}  // namespace modelops::rollout::detail
