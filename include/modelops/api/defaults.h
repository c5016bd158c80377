// Defaults of the ModelDeployment API, all in one place (the CRD schema carries the same values).
// applyDefaults fills every absent defaulted field documented in model_deployment.h:
//   spec.replicas 1; spec.model.name = metadata.name; spec.service {port 80, targetPort "http"};
//   spec.strategy {canary: {}} when neither canary nor abTest is set; canary.scaleDownDelaySeconds 30;
//   abTest.winnerSelection Auto; analysis.interval 30s, onTimeout Rollback; per metric failureLimit 0,
//   inconclusiveLimit 10, consecutiveErrorLimit 4, accuracy.confidence 0.95, accuracy.minSamples 100,
//   segments.{min, minSamples, confidence} from accuracy; provider timeouts 10s, web method GET,
//   bearerTokenSecretRef.key "token", caSecretRef.key "ca.crt", tls.insecureSkipVerify false;
//   monitoring {enabled false, onDegraded Rollback, onError Hold}; rollback.automatic true;
//   (resolved, not written: monitoring.interval, monitoring.expectedTimeToFalseAlarm 8760h);
//   progressDeadlineSeconds 600; revisionHistoryLimit 5; paused false.
// Idempotent: applying twice equals applying once. Never overwrites a value that is present.
//
// The resolved spec: what the planner, the reconciler and the routers act on, every default applied and
// no field optional, so that none of them falls back to a literal of its own. applyDefaults returns it
// for the object it defaulted; resolve() builds it from any spec (it applies the defaults to a copy), so
// it is right whether or not the caller defaulted the document.
// Thread-safety: pure functions on the caller's values.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "modelops/api/model_deployment.h"

namespace modelops::api {

namespace defaults {
inline constexpr std::int64_t kReplicas = 1;
inline constexpr std::int64_t kServicePort = 80;
inline constexpr const char* kTargetPort = "http";
inline constexpr std::int64_t kScaleDownDelaySeconds = 30;
inline constexpr std::int64_t kProgressDeadlineSeconds = 600;
inline constexpr std::int64_t kRevisionHistoryLimit = 5;
inline constexpr double kConfidence = 0.95;
inline constexpr std::int64_t kMinSamples = 100;
inline constexpr std::int64_t kFailureLimit = 0;
inline constexpr std::int64_t kInconclusiveLimit = 10;
inline constexpr std::int64_t kConsecutiveErrorLimit = 4;
inline constexpr std::chrono::milliseconds kAnalysisInterval{30'000};
inline constexpr std::chrono::milliseconds kProviderTimeout{10'000};
// monitoring.expectedTimeToFalseAlarm (resolved only, like monitoring.interval): one year. With the
// look-based bound (docs/statistics.md section 10) a model holding at min + 1 point alarms within any
// 30 days with probability at most 30 / (2 * 365) = 4.1%, at any interval.
inline constexpr std::chrono::milliseconds kExpectedTimeToFalseAlarm{std::chrono::hours(24 * 365)};
}  // namespace defaults

// The limits of one metric of spec.analysis.
struct ResolvedMetricLimits {
  std::string metric;  // metrics[].name
  std::int64_t failureLimit = 0;
  std::int64_t inconclusiveLimit = 0;
  std::int64_t consecutiveErrorLimit = 0;
  bool operator==(const ResolvedMetricLimits&) const = default;
};

struct ResolvedAnalysis {
  std::chrono::milliseconds interval{0};
  std::optional<std::chrono::milliseconds> maxDuration;  // absent: no limit (absence is the meaning, not a default)
  std::string onTimeout;                                 // kOnTimeout*
  std::vector<ResolvedMetricLimits> metrics;             // in spec order
  bool operator==(const ResolvedAnalysis&) const = default;
};

struct ResolvedMonitoring {
  bool enabled = false;
  std::string onDegraded;  // kOnDegraded*
  std::string onError;     // kOnError*
  std::chrono::milliseconds interval{0};  // monitoring.interval, else analysis.interval, else its default
  std::chrono::milliseconds expectedTimeToFalseAlarm{0};  // else defaults::kExpectedTimeToFalseAlarm
  bool operator==(const ResolvedMonitoring&) const = default;
};

struct ResolvedSpec {
  std::int64_t replicas = 0;
  std::int64_t servicePort = 0;
  IntOrString targetPort;
  std::chrono::seconds scaleDownDelay{0};    // canary.scaleDownDelaySeconds (an A/B test: its default)
  std::chrono::seconds progressDeadline{0};  // progressDeadlineSeconds
  std::int64_t revisionHistoryLimit = 0;
  bool paused = false;
  bool automaticRollback = false;  // rollback.automatic
  std::string winnerSelection;     // abTest.winnerSelection (kWinnerAuto without an A/B test)
  std::optional<ResolvedAnalysis> analysis;  // absent: the spec declares no analysis
  ResolvedMonitoring monitoring;
  std::vector<ResolvedNotification> notifications;  // spec.notifications (notifications.h)
  bool operator==(const ResolvedSpec&) const = default;
};

// Fills the document's defaults (above) and returns what they resolve to.
ResolvedSpec applyDefaults(ModelDeployment& md);
// The resolved values of `spec` (defaulted or not); `spec` is not changed.
ResolvedSpec resolve(const ModelDeploymentSpec& spec);
ResolvedAnalysis resolve(const AnalysisSpec& analysis);

}  // namespace modelops::api
