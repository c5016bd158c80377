// Internal to the planner: the state of one planning pass (inputs, the status being built, the plan
// being filled) and the helpers the step logic shares. Not a public header.
// Thread-safety: one Pass per plan() call, on one thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "modelops/analysis/limits.h"
#include "modelops/rollout/planner.h"

namespace modelops::rollout::detail {

struct Pass {
  explicit Pass(const PlanInput& input);

  const PlanInput& in;
  const api::ModelDeploymentSpec& spec;
  api::ModelDeploymentStatus st;  // the new status
  Plan out;
  std::int64_t replicas = 1;
  std::string name;
  std::string phaseBefore;

  // Desired replicas and weight of the two live tracks, settled by the step logic.
  std::int64_t stableReplicas = 0;
  std::int64_t canaryReplicas = 0;
  std::int64_t canaryWeight = 0;

  void event(std::string_view type, std::string_view reason, std::string message);
  void requeue(std::chrono::milliseconds after);
  void setPhase(std::string_view phase, std::string message);
  void setCondition(std::string_view type, std::string_view status, std::string_view reason, std::string message);
  void addHistory(const api::TrackStatus& track, std::string_view outcome, std::string reason);
  std::int64_t nextRevision() const;
  std::int64_t available(const std::string& hash) const;
  std::optional<WallTime> parseTime(const std::optional<std::string>& text) const;
  std::string stepLabel(std::int64_t index) const;  // "step 3/5"
  std::string deploymentName(const std::string& hash) const { return name + "-" + hash; }
};

// The outcome of the newest history entry for `hash`, "" when there is none.
std::string lastOutcomeFor(const api::ModelDeploymentStatus& status, const std::string& hash);

// Analysis progress kept in status.analysis (see analysis_state.cpp).
analysis::AnalysisProgress loadProgress(const api::ModelDeploymentStatus& status);
void storeProgress(api::ModelDeploymentStatus& status, const analysis::AnalysisProgress& progress, WallTime now);
void resetAnalysis(api::ModelDeploymentStatus& status);
analysis::AnalysisPolicy policyFor(const api::AnalysisSpec& spec);
std::string summarizeVerdicts(const analysis::AnalysisProgress& progress);

// Step logic (canary.cpp).
void planFirstDeploy(Pass& p, const std::string& hash);
void planSteady(Pass& p);
void planRollout(Pass& p, const std::string& hash, const std::optional<std::string>& action);
// Old revisions: scale-down after the delay, deletion beyond revisionHistoryLimit (retention.cpp).
void planOldRevisions(Pass& p);
void planTraffic(Pass& p);

}  // namespace modelops::rollout::detail
