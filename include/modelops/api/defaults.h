// Defaults of the ModelDeployment API, all in one place (the CRD schema carries the same values).
// applyDefaults fills every absent defaulted field documented in model_deployment.h:
//   spec.replicas 1; spec.model.name = metadata.name; spec.service {port 80, targetPort "http"};
//   spec.strategy {canary: {}} when neither canary nor abTest is set; canary.scaleDownDelaySeconds 30;
//   abTest.winnerSelection Auto; analysis.interval 30s, onTimeout Rollback; per metric failureLimit 0,
//   inconclusiveLimit 10, consecutiveErrorLimit 4, accuracy.confidence 0.95, accuracy.minSamples 100,
//   segments.{min, minSamples, confidence} from accuracy; provider timeouts 10s, web method GET,
//   bearerTokenSecretRef.key "token", caSecretRef.key "ca.crt", tls.insecureSkipVerify false;
//   monitoring {enabled false, onDegraded Rollback, onError Hold}; rollback.automatic true;
//   progressDeadlineSeconds 600; revisionHistoryLimit 5; paused false.
// Idempotent: applying twice equals applying once. Never overwrites a value that is present.
// Thread-safety: pure function on the caller's value.
#pragma once

#include <chrono>
#include <cstdint>

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
}  // namespace defaults

void applyDefaults(ModelDeployment& md);

}  // namespace modelops::api
