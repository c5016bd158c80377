// Monitoring after promotion as change detection (issue 15 item 5): the rules for the declared false-alarm
// rate (spec.monitoring.expectedTimeToFalseAlarm; its default is defaults::kExpectedTimeToFalseAlarm and
// the planner reads it resolved, ResolvedMonitoring) and the planner's view of the detectors' state kept
// in status.analysis.changeDetection (typed in ChangeDetectionStateStatus, spelled in fields.h).
// Thread-safety: plain value types and pure functions.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "modelops/api/field_error.h"
#include "modelops/api/model_deployment.h"

namespace modelops::api {

// Bounds accepted by validation: shorter than a day pages on noise; longer than 100 years only delays
// detection (the threshold grows with its logarithm).
inline constexpr std::chrono::hours kMinExpectedTimeToFalseAlarm{24};
inline constexpr std::chrono::hours kMaxExpectedTimeToFalseAlarm{24 * 365 * 100};

// Rules for spec.monitoring.expectedTimeToFalseAlarm: a Go duration string within the bounds above.
void validateChangeDetection(const MonitoringSpec& monitoring, FieldErrors& errs);

// The Bernoulli CUSUM of one accuracy metric (analysis/change_detection.h) as the planner works with it;
// status keeps it as a ChangeDetectionStateStatus.
struct ChangeDetectionState {
  double statistic = 0;     // the CUSUM, >= 0
  bool hasReading = false;  // successes/trials below are the previous reading of counts since the start
  double successes = 0;
  double trials = 0;
  double labels = 0;        // labels folded in since monitoring started
  bool operator==(const ChangeDetectionState&) const = default;
};
using ChangeDetectionStatus = std::map<std::string, ChangeDetectionState>;  // by metric name

// status.analysis.changeDetection; an entry that is unusable (no statistic or labels, a negative or
// non-finite number: written by another version, edited) is dropped, which restarts that metric's
// detector from its next reading rather than guessing.
ChangeDetectionStatus changeDetectionOf(const AnalysisStatus& analysis);
// Replaces status.analysis.changeDetection (removed when `states` is empty), including one this version
// could not read (kept in `extra` until now).
void setChangeDetection(AnalysisStatus& analysis, const ChangeDetectionStatus& states);

}  // namespace modelops::api
