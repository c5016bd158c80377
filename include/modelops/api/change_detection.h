// Monitoring after promotion as change detection (issue 15 item 5): the declared false-alarm rate
// (spec.monitoring.expectedTimeToFalseAlarm) and the detector's state per accuracy metric, kept in
// status.analysis.changeDetection so that monitoring survives an operator restart. Both live in the
// `extra` members the codec keeps for fields it does not itself know, so this file is the whole codec
// for them; the CRD schema declares both (the API server would prune them otherwise).
// Thread-safety: plain value types and pure functions.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include "modelops/api/field_error.h"
#include "modelops/api/model_deployment.h"

namespace modelops::api {

// JSON names.
inline constexpr std::string_view kExpectedTimeToFalseAlarmField = "expectedTimeToFalseAlarm";
inline constexpr std::string_view kChangeDetectionField = "changeDetection";

// Default: one year. With the look-based bound (docs/statistics.md section 10) a model holding at
// min + 1 point alarms within any 30 days with probability at most 30 / (2 * 365) = 4.1%, at any interval.
inline constexpr std::chrono::hours kDefaultExpectedTimeToFalseAlarm{24 * 365};
// Bounds accepted by validation: shorter than a day pages on noise; longer than 100 years only delays
// detection (the threshold grows with its logarithm).
inline constexpr std::chrono::hours kMinExpectedTimeToFalseAlarm{24};
inline constexpr std::chrono::hours kMaxExpectedTimeToFalseAlarm{24 * 365 * 100};

// spec.monitoring.expectedTimeToFalseAlarm, or the default when absent or unusable (validation reports
// an unusable one; the operator does not act on an invalid spec).
std::chrono::milliseconds expectedTimeToFalseAlarm(const MonitoringSpec& monitoring);

// Rules for spec.monitoring.expectedTimeToFalseAlarm: a Go duration string within the bounds above.
void validateChangeDetection(const MonitoringSpec& monitoring, FieldErrors& errs);

// The Bernoulli CUSUM of one accuracy metric (analysis/change_detection.h), as kept in status.
struct ChangeDetectionState {
  double statistic = 0;     // the CUSUM, >= 0
  bool hasReading = false;  // successes/trials below are the previous reading of counts since the start
  double successes = 0;
  double trials = 0;
  double labels = 0;        // labels folded in since monitoring started
  bool operator==(const ChangeDetectionState&) const = default;
};
using ChangeDetectionStatus = std::map<std::string, ChangeDetectionState>;  // by metric name

// status.analysis.changeDetection; an entry that is malformed (written by another version, edited) is
// dropped, which restarts that metric's detector from its next reading rather than guessing.
ChangeDetectionStatus changeDetectionOf(const AnalysisStatus& analysis);
// Replaces status.analysis.changeDetection (removed when `states` is empty).
void setChangeDetection(AnalysisStatus& analysis, const ChangeDetectionStatus& states);

}  // namespace modelops::api
