// Names of the ModelDeployment API: group, version, kind, the labels the operator puts on the objects it
// owns, the annotations through which humans ask for actions, and the string values of enumerations.
// Enumerated fields are kept as strings in the types (so values written by a newer version survive a
// round trip); compare them with these constants. validate() rejects unknown values in spec.
// Thread-safety: constants only.
#pragma once

#include <string_view>

namespace modelops::api {

inline constexpr std::string_view kGroup = "modelops.dev";
inline constexpr std::string_view kVersion = "v1alpha1";
inline constexpr std::string_view kApiVersion = "modelops.dev/v1alpha1";
inline constexpr std::string_view kKind = "ModelDeployment";
inline constexpr std::string_view kListKind = "ModelDeploymentList";
inline constexpr std::string_view kPlural = "modeldeployments";
inline constexpr std::string_view kSingular = "modeldeployment";

// Labels on every owned object (Deployments, Services): which ModelDeployment, which revision number
// (decimal), and which track ("stable", "canary", or an A/B variant name).
inline constexpr std::string_view kLabelName = "modelops.dev/name";
inline constexpr std::string_view kLabelRevision = "modelops.dev/revision";
inline constexpr std::string_view kLabelTrack = "modelops.dev/track";
// Label carrying computeRevisionHash() of the revision (also the suffix of the Deployment name).
inline constexpr std::string_view kLabelRevisionHash = "modelops.dev/revision-hash";
inline constexpr std::string_view kTrackStable = "stable";
inline constexpr std::string_view kTrackCanary = "canary";

// Human actions that are not a change of desired state are requested through annotations on the
// ModelDeployment (metadata writes do not bump generation, so the spec in git stays the truth):
//   modelops.dev/action:    "<action>" or "<action>:<argument>"
//                           actions: promote | promote-full | abort | retry | pause | resume
//                           argument: the variant name for "promote:<variant>" in an A/B test
//   modelops.dev/action-id: a request id chosen by the requester (kubectl-modelops uses a timestamp plus
//                           random suffix); repeating the same action with a new id is a new request.
// The operator handles a request once and records its id in status.lastHandledActionId; a request whose
// id equals that is already done. See actions.h for the parser.
inline constexpr std::string_view kAnnotationAction = "modelops.dev/action";
inline constexpr std::string_view kAnnotationActionId = "modelops.dev/action-id";
inline constexpr std::string_view kActionPromote = "promote";
inline constexpr std::string_view kActionPromoteFull = "promote-full";
inline constexpr std::string_view kActionAbort = "abort";
inline constexpr std::string_view kActionRetry = "retry";
inline constexpr std::string_view kActionPause = "pause";
inline constexpr std::string_view kActionResume = "resume";
// "retrain" or "retrain:<reason>": start a retraining run now (spec.retraining; the cooldown does not
// apply to a human's request, the single flight does).
inline constexpr std::string_view kActionRetrain = "retrain";

// status.phase (empty/absent while unknown).
namespace phase {
inline constexpr std::string_view kProgressing = "Progressing";
inline constexpr std::string_view kPaused = "Paused";
inline constexpr std::string_view kHealthy = "Healthy";
inline constexpr std::string_view kDegraded = "Degraded";
inline constexpr std::string_view kRolledBack = "RolledBack";
inline constexpr std::string_view kFailed = "Failed";
inline constexpr std::string_view kInvalid = "Invalid";
}  // namespace phase

// status.analysis.runs[].phase and segments[].phase.
namespace run_phase {
inline constexpr std::string_view kSuccessful = "Successful";
inline constexpr std::string_view kFailed = "Failed";
inline constexpr std::string_view kInconclusive = "Inconclusive";
inline constexpr std::string_view kError = "Error";
inline constexpr std::string_view kRunning = "Running";
}  // namespace run_phase

// status.history[].outcome.
namespace outcome {
inline constexpr std::string_view kPromoted = "Promoted";
inline constexpr std::string_view kRolledBack = "RolledBack";
inline constexpr std::string_view kAborted = "Aborted";
inline constexpr std::string_view kDegraded = "Degraded";
inline constexpr std::string_view kSuperseded = "Superseded";
}  // namespace outcome

// status.conditions[].type and .status.
namespace condition {
inline constexpr std::string_view kAvailable = "Available";
inline constexpr std::string_view kProgressing = "Progressing";
inline constexpr std::string_view kAccuracyHealthy = "AccuracyHealthy";
inline constexpr std::string_view kInvalidSpec = "InvalidSpec";
inline constexpr std::string_view kTrafficRoutingReady = "TrafficRoutingReady";  // see traffic/routing_status.h
// Post-promotion monitoring can measure (False: its measurements fail; they are never read as degradation).
inline constexpr std::string_view kMonitoringHealthy = "MonitoringHealthy";
inline constexpr std::string_view kTrue = "True";
inline constexpr std::string_view kFalse = "False";
inline constexpr std::string_view kUnknown = "Unknown";
}  // namespace condition

// Spec enumerations.
inline constexpr std::string_view kWinnerAuto = "Auto";
inline constexpr std::string_view kWinnerManual = "Manual";
inline constexpr std::string_view kOnTimeoutRollback = "Rollback";
inline constexpr std::string_view kOnTimeoutHold = "Hold";
inline constexpr std::string_view kOnTimeoutPromote = "Promote";
inline constexpr std::string_view kOnDegradedRollback = "Rollback";
inline constexpr std::string_view kOnDegradedAlert = "Alert";
inline constexpr std::string_view kOnErrorHold = "Hold";
inline constexpr std::string_view kOnErrorIgnore = "Ignore";
inline constexpr std::string_view kMethodGet = "GET";
inline constexpr std::string_view kMethodPost = "POST";
inline constexpr std::string_view kRetrainingRolloutManual = "Manual";
inline constexpr std::string_view kRetrainingRolloutAutomatic = "Automatic";

// status.retraining runs: what started them and how they ended.
namespace retraining_trigger {
inline constexpr std::string_view kDegraded = "Degraded";  // monitoring: a labelled metric failed
inline constexpr std::string_view kDrift = "Drift";        // monitoring: a label-free metric failed
inline constexpr std::string_view kSchedule = "Schedule";
inline constexpr std::string_view kManual = "Manual";
}  // namespace retraining_trigger
namespace retraining_outcome {
inline constexpr std::string_view kRunning = "Running";
inline constexpr std::string_view kSucceeded = "Succeeded";
inline constexpr std::string_view kFailed = "Failed";
inline constexpr std::string_view kDispatched = "Dispatched";  // webhook: handed to the delivery queue
}  // namespace retraining_outcome
// Labels on objects a retraining run creates (besides kLabelName): the run's name.
inline constexpr std::string_view kLabelRetrainingRun = "modelops.dev/retraining-run";

}  // namespace modelops::api
