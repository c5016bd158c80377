// Retraining (spec.retraining, issue 17): the planner's inputs and outputs for retraining runs, and the
// pure helpers the reconciler shares with it (the evidence a run receives, the candidate a Job reports).
// The planner (src/rollout/retraining.cpp) decides when a run starts (triggers, single flight, cooldown,
// retries), records runs in status.retraining and returns a RetrainingLaunch; the reconciler
// (reconciler/retraining.h) creates the Job or object, or sends the CloudEvent, and observes the run.
// Thread-safety: plain values and pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "modelops/api/model_deployment.h"
#include "modelops/common/result.h"
#include "modelops/common/time.h"

namespace modelops::rollout {

// The run in flight as the reconciler sees it (Job status and its Pod's termination message, or a
// custom object's status).
enum class RetrainingRunState { Missing, Running, Succeeded, Failed };
struct ObservedRetrainingRun {
  std::string name;
  RetrainingRunState state = RetrainingRunState::Missing;
  std::string message;  // Succeeded: the termination message (the candidate); Failed: why
};

enum class RetrainingActionKind { Job, Object, Webhook };

// A run to start now: the reconciler creates `name` (Job / object) or sends the CloudEvent.
struct RetrainingLaunch {
  RetrainingActionKind kind = RetrainingActionKind::Job;
  api::RetrainingRun run;  // as recorded in status (name, number, trigger, reason, evidence, ...)
  std::vector<std::pair<std::string, std::string>> env;  // retrainingEnv(md, run)
};

// A Job or object that is gone this long after its start is a failed run (the cache may lag a create).
inline constexpr std::chrono::minutes kRetrainingMissingGrace{2};
// Runs in flight are looked at again at least this often (objects of custom kinds are not watched).
inline constexpr std::chrono::seconds kRetrainingPollInterval{15};
// Bounds on what a Job reports: the termination message, and the candidate's fields.
inline constexpr std::size_t kMaxTerminationMessage = 4096;
inline constexpr std::size_t kMaxCandidateVersion = 128;
inline constexpr std::size_t kMaxCandidateUri = 2048;
inline constexpr std::size_t kMaxRetrainReason = 256;

// The run's name: "<md>-retrain-<number>".
std::string retrainingRunName(const std::string& modelDeployment, std::int64_t number);

// What a run receives, as environment variables (a Job: added to every container) and CloudEvent data:
// MODELOPS_NAMESPACE, MODELOPS_MODELDEPLOYMENT, MODELOPS_MODEL, MODELOPS_VERSION, MODELOPS_REVISION,
// MODELOPS_URI, MODELOPS_RUN, MODELOPS_TRIGGER, MODELOPS_REASON, MODELOPS_ATTEMPT, and for a
// degradation or drift MODELOPS_EVIDENCE_METRIC, _VALUE, _BOUND, _SAMPLES, _SEGMENT (absent ones empty).
std::vector<std::pair<std::string, std::string>> retrainingEnv(const api::ModelDeployment& md,
                                                               const api::RetrainingRun& run);

// The candidate in a Job's termination message: a JSON object {"version": "...", "uri": "..."}; version
// required (at most 128 characters, no whitespace or control characters), uri optional (at most 2048,
// no whitespace or control characters). The error says what is wrong.
Result<api::RetrainingCandidate, std::string> parseRetrainingCandidate(std::string_view message);

// The exact change that adopts a candidate: a `kubectl patch` command line (for people and GitOps).
std::string candidatePatchCommand(const std::string& ns, const std::string& name, const api::RetrainingCandidate& c);

}  // namespace modelops::rollout
