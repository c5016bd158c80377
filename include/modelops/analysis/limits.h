// Limits across measurements: turns the verdicts of each interval into the analysis outcome the rollout
// engine acts on (running / passed / failed / paused / aborted), applying failureLimit, inconclusiveLimit,
// consecutiveErrorLimit and maxDuration with onTimeout. Pure: the caller keeps AnalysisProgress (e.g. in
// status, via toJson/progressFromJson), passes the time, and gets the new progress back.
// Thread-safety: pure functions on values.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/analysis/verdict.h"
#include "modelops/common/result.h"
#include "modelops/common/time.h"

namespace modelops::analysis {

// spec.analysis.metrics[]: failureLimit, inconclusiveLimit, consecutiveErrorLimit.
struct MetricLimits {
  int failureLimit = 0;           // failures tolerated: the analysis fails when failures > failureLimit
  int inconclusiveLimit = 10;     // inconclusives tolerated: the analysis pauses when inconclusives > limit
                                  // (accumulating looks are not counted: see kConvergingFactor)
  int consecutiveErrorLimit = 4;  // errors in a row that abort the analysis (values < 1 count as 1)
};

// An inconclusive look spends inconclusiveLimit only when it could have decided and the data do not say
// when it will: a look below minSamples (Verdict::warmUp) does not, and neither does a converging one,
// whose projected labels to a decision (Verdict::labelsNeeded) are at most this many times the labels
// seen so far. An estimate sitting on a limit has no projection and spends the budget.
inline constexpr double kConvergingFactor = 4.0;

struct MetricPolicy {
  std::string metric;
  MetricLimits limits;
};

enum class OnTimeout { Rollback, Hold, Promote };

struct AnalysisPolicy {
  std::vector<MetricPolicy> metrics;                  // every metric that must pass
  std::optional<std::chrono::milliseconds> maxDuration;  // measured from the first measurement
  OnTimeout onTimeout = OnTimeout::Rollback;
};

enum class AnalysisOutcome {
  Running,  // keep measuring
  Passed,   // every metric's latest verdict passed (or timeout with Promote)
  Failed,   // a metric exceeded its failureLimit (or timeout with Rollback): roll back
  Paused,   // a metric exceeded its inconclusiveLimit (or timeout with Hold): pause, say why, wait for a human
  Aborted,  // a metric's provider failed consecutiveErrorLimit times in a row: abort
};
std::string_view to_string(AnalysisOutcome outcome);  // "Running", "Passed", ...

struct MetricProgress {
  std::string metric;
  int measurements = 0;
  int failures = 0;
  int inconclusives = 0;
  int errors = 0;
  int consecutiveErrors = 0;
  std::optional<Verdict> latest;  // the latest verdict (evidence for status and for the reason)
  // Added after `latest` so that existing aggregate initialisers keep their meaning.
  int accumulating = 0;  // inconclusive looks that did not spend inconclusiveLimit (warm-up, converging)
  std::optional<WallTime> latestAt{};         // when `latest` was folded in
  std::optional<double> labelsPerSecond{};    // canary label rate between the last two measurements
  // The most segments a verdict of this analysis listed: the caller passes it back to the judge as
  // SegmentCriteria::expectedSegments, so the segment count is fixed by the first look and a query that
  // later returns fewer series never loosens the tests (docs/statistics.md section 4).
  int segmentsSeen = 0;
};

// State carried between intervals. Start with a default-constructed value.
struct AnalysisProgress {
  std::optional<WallTime> startedAt;  // set on the first call to decide()
  std::vector<MetricProgress> metrics;
  AnalysisOutcome outcome = AnalysisOutcome::Running;  // terminal outcomes are sticky
  bool timedOut = false;
  std::string reason;     // why the outcome is what it is (kept with terminal outcomes)
  std::string decidedBy;  // the metric that decided a terminal outcome, when one did
};

struct AnalysisDecision {
  AnalysisProgress progress;  // the new state to keep
  AnalysisOutcome outcome = AnalysisOutcome::Running;
  bool timedOut = false;  // the outcome comes from maxDuration + onTimeout
  std::string reason;     // one human line: "accuracy failed 1 time (limit 0): accuracy upper bound ..."
  std::string metric;     // the metric that decided, when one did
};

// Folds this interval's verdicts (one per metric measured now; metrics not measured keep their state)
// into the progress and decides. Order: a failure over its limit fails; else consecutive errors abort;
// else inconclusives over the limit pause; else all metrics' latest verdicts passing passes; else
// maxDuration elapsed applies onTimeout; else running. Once terminal, the outcome does not change
// (after a pause, resuming starts a new analysis from a default progress). Verdicts of metrics not in
// the policy are ignored; a policy without metrics aborts (there is nothing to pass on).
AnalysisDecision decide(const AnalysisProgress& progress, const std::vector<Verdict>& latest,
                        const AnalysisPolicy& policy, WallTime now);

// "needs about 1200 more labels (about 12m at 1.67 labels/s)" for an inconclusive latest verdict with a
// projection; empty otherwise. Exposed for tests.
std::string labelsNeededNote(const MetricProgress& metric);

// Persistence of progress (for status). progressFromJson reports malformed input with a field path.
nlohmann::json toJson(const AnalysisProgress& progress);
Result<AnalysisProgress> progressFromJson(const nlohmann::json& json);

}  // namespace modelops::analysis
