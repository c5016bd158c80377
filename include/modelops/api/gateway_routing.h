// trafficRouting.gateway: routing through modelops-gateway (docs/gateway.md). The operator writes no route
// object for it: the weights it decides stay in status (status.stable/canary/variants[].weight), which the
// gateway reads, and replicas are not scaled by weight (traffic/router.h: the gateway router).
// Kept apart from model_deployment_spec.h (like guards.h) so the gateway's fields change in one place;
// TrafficRouting holds one `std::optional<GatewayRouting> gateway`. JSON names are in fields.h.
// Defaults (api/defaults.cpp, applyDefaults): protocol KServeV1, prediction {} with task Classification
// and argmax false. Validation (validateGatewayRouting, used by validate()):
//   - protocol KServeV1 or OpenInferenceV2;
//   - pathPrefix: starts with "/", at most 256 characters, segments of URL path characters (letters,
//     digits, - . _ ~ and :), no empty segment, no trailing "/", not "/", not /v1 /v2 or under them (the
//     protocols' model paths and /v1/feedback), not /healthz /readyz /metrics or under them;
//   - prediction.task Classification or Regression; argmax only with Classification; classPath a JSONPath
//     starting with "$" (at most 256 characters); idField a JSON member name (letters, digits, _ -, at most
//     64 characters);
//   - segment: exactly one of header (an HTTP token) / jsonPath (starting with "$", at most 256);
//   - sticky: exactly one of header / cookie (HTTP tokens, at most 256 characters);
//   - shadow: canary strategy only; percent required, 0..100.
// Thread-safety: plain value types and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "modelops/api/field_error.h"

namespace modelops::api {

inline constexpr std::string_view kProtocolKServeV1 = "KServeV1";
inline constexpr std::string_view kProtocolOpenInferenceV2 = "OpenInferenceV2";
inline constexpr std::string_view kTaskClassification = "Classification";
inline constexpr std::string_view kTaskRegression = "Regression";

// How the gateway reads a prediction from the model server's response.
struct GatewayPrediction {
  // A JSONPath ($, .name, [n], [*]) to the predicted class of each row; absent: the protocol's rows
  // ($.predictions[i] for KServeV1, $.outputs[0] data for OpenInferenceV2; gateway/feedback/class_extraction.h).
  std::optional<std::string> classPath;
  std::optional<bool> argmax;            // defaulted: false (true: the class is the argmax of a vector)
  std::optional<std::string> task;       // defaulted: "Classification" (or "Regression")
  std::optional<std::string> idField;    // absent: the id travels only in the X-Prediction-Id header
  nlohmann::json extra = nlohmann::json::object();
  bool operator==(const GatewayPrediction&) const = default;
};

// Where a request's segment is: exactly one of a request header / a JSONPath into the request body.
struct GatewaySegment {
  std::optional<std::string> header;
  std::optional<std::string> jsonPath;
  nlohmann::json extra = nlohmann::json::object();
  bool operator==(const GatewaySegment&) const = default;
};

// The sticky key: exactly one of a request header / a cookie, hashed to a variant.
struct GatewaySticky {
  std::optional<std::string> header;
  std::optional<std::string> cookie;
  nlohmann::json extra = nlohmann::json::object();
  bool operator==(const GatewaySticky&) const = default;
};

// Canary only: copy `percent` of the requests served by stable to the canary, compare, discard.
struct GatewayShadow {
  std::optional<std::int64_t> percent;  // required, 0..100
  nlohmann::json extra = nlohmann::json::object();
  bool operator==(const GatewayShadow&) const = default;
};

struct GatewayRouting {
  std::optional<std::string> pathPrefix;  // absent: only /v1/models/<model>:predict and /v2/models/<model>/infer
  std::optional<std::string> protocol;    // defaulted: "KServeV1" (or "OpenInferenceV2")
  std::optional<GatewayPrediction> prediction;  // defaulted: {task: Classification, argmax: false}
  std::optional<GatewaySegment> segment;
  std::optional<GatewaySticky> sticky;
  std::optional<GatewayShadow> shadow;
  nlohmann::json extra = nlohmann::json::object();
  bool operator==(const GatewayRouting&) const = default;
};

// Fills the defaults above (idempotent; never overwrites a present value).
void applyGatewayDefaults(GatewayRouting& gateway);

// Appends every problem of `gateway` (at `path`, e.g. "spec.strategy.canary.trafficRouting.gateway");
// `canary` is false under abTest (shadow is then an error).
void validateGatewayRouting(const GatewayRouting& gateway, const std::string& path, bool canary,
                            FieldErrors& errors);

}  // namespace modelops::api
