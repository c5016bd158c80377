// The status of the ModelDeployment custom resource as C++ values, including the analysis bookkeeping
// (analysis.progress: the judge's counts per metric and the outcome so far, typed here so that every
// field is spelled once, in fields.h). The conventions are in model_deployment.h.
// Thread-safety: plain value types; no shared state.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "modelops/api/model_deployment_spec.h"

namespace modelops::api {

// ---------------------------------------------------------------- status

struct TrackStatus {  // status.stable / status.canary
  std::optional<std::int64_t> revision;
  std::optional<std::string> version;
  std::optional<std::string> hash;
  std::optional<std::int64_t> weight;
  Json extra = Json::object();
  bool operator==(const TrackStatus&) const = default;
};

struct VariantStatus {
  std::optional<std::string> name;
  std::optional<std::int64_t> revision;
  std::optional<std::string> version;
  std::optional<std::string> hash;
  std::optional<std::int64_t> weight;
  Json extra = Json::object();
  bool operator==(const VariantStatus&) const = default;
};

struct SegmentResult {
  std::optional<std::string> segment;  // "region=eu-west"
  std::optional<std::string> phase;    // run_phase::*
  std::optional<double> value;
  std::optional<double> lowerBound;
  std::optional<double> upperBound;
  std::optional<std::int64_t> samples;
  std::optional<std::string> message;
  Json extra = Json::object();
  bool operator==(const SegmentResult&) const = default;
};

struct AnalysisRun {
  std::optional<std::string> metric;
  std::optional<std::string> phase;  // run_phase::*
  std::optional<double> value;
  std::optional<double> lowerBound;
  std::optional<double> upperBound;
  std::optional<std::int64_t> samples;
  std::optional<std::string> message;
  std::optional<std::string> at;     // RFC 3339
  std::optional<std::string> query;  // as sent
  std::vector<SegmentResult> segments;
  Json extra = Json::object();
  bool operator==(const AnalysisRun&) const = default;
};

// The analysis bookkeeping (status.analysis.progress) is the judge's state (analysis/limits.h and
// verdict.h) in the judge's JSON shape: the judge writes it, the codec types it, the planner reads it
// back through the judge (rollout/analysis_state). Numbers the judge keeps as doubles stay doubles.
struct StableComparisonStatus {  // verdict.vsStable
  std::optional<std::string> phase;  // run_phase::*
  std::optional<double> difference;
  std::optional<double> lowerBound;
  std::optional<double> upperBound;
  std::optional<double> margin;
  std::optional<double> stableSamples;
  std::optional<std::string> reason;
  Json extra = Json::object();
  bool operator==(const StableComparisonStatus&) const = default;
};

struct SegmentVerdictStatus {  // verdict.segments[]
  std::optional<std::string> segment;
  std::optional<std::string> phase;
  std::optional<double> value;
  std::optional<double> lowerBound;
  std::optional<double> upperBound;
  std::optional<double> samples;
  std::optional<std::string> reason;
  std::optional<StableComparisonStatus> vsStable;
  Json extra = Json::object();
  bool operator==(const SegmentVerdictStatus&) const = default;
};

struct VerdictStatus {  // progress.metrics[].latest
  std::optional<std::string> metric;
  std::optional<std::string> phase;
  std::optional<double> value;
  std::optional<double> lowerBound;
  std::optional<double> upperBound;
  std::optional<double> samples;
  std::optional<double> stableValue;
  std::optional<double> labelCoverage;
  std::optional<StableComparisonStatus> vsStable;
  std::optional<bool> warmUp;
  std::optional<double> labelsNeeded;
  std::vector<SegmentVerdictStatus> segments;
  std::optional<std::string> query;
  std::optional<std::string> reason;
  Json extra = Json::object();
  bool operator==(const VerdictStatus&) const = default;
};

struct MetricProgressStatus {  // progress.metrics[]
  std::optional<std::string> metric;
  std::optional<std::int64_t> measurements;
  std::optional<std::int64_t> failures;
  std::optional<std::int64_t> inconclusives;
  std::optional<std::int64_t> errors;
  std::optional<std::int64_t> consecutiveErrors;
  std::optional<std::int64_t> accumulating;
  std::optional<std::string> latestAt;  // RFC 3339 with microseconds
  std::optional<double> labelsPerSecond;
  std::optional<VerdictStatus> latest;
  Json extra = Json::object();
  bool operator==(const MetricProgressStatus&) const = default;
};

struct AnalysisProgressStatus {  // status.analysis.progress, and each entry of progressByVariant
  std::optional<std::string> startedAt;  // RFC 3339 with microseconds
  std::optional<std::string> outcome;    // Running, Passed, Failed, Paused, Aborted
  std::optional<bool> timedOut;
  std::optional<std::string> reason;
  std::optional<std::string> decidedBy;
  std::vector<MetricProgressStatus> metrics;
  Json extra = Json::object();
  bool operator==(const AnalysisProgressStatus&) const = default;
};

// status.analysis.changeDetection[metric]: the Bernoulli CUSUM of one accuracy metric during monitoring
// (analysis/change_detection.h), kept so that monitoring survives an operator restart. successes and
// trials (the previous reading of counts since the start) are both present or both absent.
struct ChangeDetectionStateStatus {
  std::optional<double> statistic;  // the CUSUM, >= 0
  std::optional<double> successes;
  std::optional<double> trials;
  std::optional<double> labels;     // labels folded in since monitoring started
  Json extra = Json::object();
  bool operator==(const ChangeDetectionStateStatus&) const = default;
};

struct AnalysisStatus {
  std::vector<AnalysisRun> runs;
  std::optional<std::int64_t> failures;
  std::optional<std::int64_t> inconclusives;
  std::optional<std::int64_t> consecutiveErrors;
  std::optional<std::string> startedAt;  // RFC 3339
  // The judge's state: `progress` for a canary, `progressByVariant` (variant name -> progress) for an
  // A/B test. A progress this version cannot read (a wrong JSON type) is left out here and kept verbatim
  // in `extra`, so the analysis restarts rather than the whole object failing to decode.
  std::optional<AnalysisProgressStatus> progress;
  std::optional<std::map<std::string, AnalysisProgressStatus>> progressByVariant;
  // Monitoring's change detectors by metric name (read and written through change_detection.h); like the
  // progress, a map this version cannot read stays in `extra` and the detectors restart.
  std::optional<std::map<std::string, ChangeDetectionStateStatus>> changeDetection;
  Json extra = Json::object();
  bool operator==(const AnalysisStatus&) const = default;
};

// metav1.Condition.
struct Condition {
  std::optional<std::string> type;
  std::optional<std::string> status;  // condition::kTrue / kFalse / kUnknown
  std::optional<std::string> reason;
  std::optional<std::string> message;
  std::optional<std::string> lastTransitionTime;  // RFC 3339
  std::optional<std::int64_t> observedGeneration;
  Json extra = Json::object();
  bool operator==(const Condition&) const = default;
};

struct HistoryEntry {
  std::optional<std::int64_t> revision;
  std::optional<std::string> version;
  std::optional<std::string> uri;
  std::optional<std::string> hash;
  std::optional<std::string> outcome;  // outcome::*
  std::optional<std::string> reason;
  std::optional<std::string> at;       // RFC 3339
  Json extra = Json::object();
  bool operator==(const HistoryEntry&) const = default;
};

// A human action requested through the status subresource (the annotation route is in names.h).
struct PendingAction {
  std::optional<std::string> action;  // kActionPromote, ...
  std::optional<std::string> id;      // request id
  std::optional<std::string> argument;  // e.g. the variant for promote in an A/B test
  std::optional<std::string> requestedAt;  // RFC 3339
  Json extra = Json::object();
  bool operator==(const PendingAction&) const = default;
};

// ---------------------------------------------------------------- status.retraining (issue 17)

// What the trigger saw: the verdict that degraded the model (absent for schedule and manual runs).
struct RetrainingEvidence {
  std::optional<std::string> metric;
  std::optional<double> value;
  std::optional<double> bound;         // the confidence bound that decided (accuracy: the upper bound)
  std::optional<double> samples;
  std::optional<std::string> segment;  // the first failing segment, when a segment decided
  Json extra = Json::object();
  bool operator==(const RetrainingEvidence&) const = default;
};

// A model a finished run reported ({"version", "uri"} in the Job's termination message).
struct RetrainingCandidate {
  std::optional<std::string> version;
  std::optional<std::string> uri;
  std::optional<std::string> run;      // the run that produced it
  std::optional<std::string> reportedAt;  // RFC 3339
  Json extra = Json::object();
  bool operator==(const RetrainingCandidate&) const = default;
};

struct RetrainingRun {
  std::optional<std::string> name;     // "<md>-retrain-<number>": the Job / object / CloudEvent subject
  std::optional<std::int64_t> number;
  std::optional<std::string> trigger;  // retraining_trigger::*
  std::optional<std::string> reason;
  std::optional<std::int64_t> attempt; // 1 for the first run of a trigger
  std::optional<std::string> version;  // the model version (and revision) the run was started about
  std::optional<std::int64_t> revision;
  std::optional<RetrainingEvidence> evidence;
  std::optional<std::string> startedAt;   // RFC 3339
  std::optional<std::string> finishedAt;  // RFC 3339
  std::optional<std::string> outcome;     // retraining_outcome::*
  std::optional<std::string> message;
  std::optional<RetrainingCandidate> candidate;
  Json extra = Json::object();
  bool operator==(const RetrainingRun&) const = default;
};

struct RetrainingStatus {
  std::optional<RetrainingRun> current;  // the run in flight (at most one)
  std::optional<RetrainingRun> pending;  // a trigger waiting for the cooldown (no name/number yet)
  std::vector<RetrainingRun> history;    // finished runs, newest first, at most spec.retraining.historyLimit
  std::optional<RetrainingCandidate> candidate;  // the latest candidate reported
  std::optional<std::int64_t> runs;      // runs started so far (numbers the next one)
  std::optional<std::string> lastScheduleTime;  // RFC 3339: the schedule's last fire (or when it was first seen)
  Json extra = Json::object();
  bool operator==(const RetrainingStatus&) const = default;
};

struct ModelDeploymentStatus {
  std::optional<std::int64_t> observedGeneration;
  std::optional<std::string> phase;  // phase::*; absent while unknown
  std::optional<std::string> message;
  std::optional<TrackStatus> stable;
  std::optional<TrackStatus> canary;
  std::vector<VariantStatus> variants;
  std::optional<std::int64_t> currentStepIndex;
  std::optional<std::string> stepStartedAt;     // RFC 3339
  std::optional<std::string> pauseStartedAt;    // RFC 3339
  std::optional<std::string> rolloutStartedAt;  // RFC 3339
  // A/B test: when every live variant first had its replicas available (abTest.duration counts from it).
  std::optional<std::string> variantsAvailableAt;  // RFC 3339
  std::optional<AnalysisStatus> analysis;
  std::vector<Condition> conditions;
  std::vector<HistoryEntry> history;
  std::optional<std::int64_t> lastGoodRevision;
  std::optional<PendingAction> pendingAction;
  std::optional<std::string> lastHandledActionId;  // id of the last action request carried out
  std::optional<RetrainingStatus> retraining;      // spec.retraining's runs (issue 17)
  Json extra = Json::object();
  bool operator==(const ModelDeploymentStatus&) const = default;
};

}  // namespace modelops::api
