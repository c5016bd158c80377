// PredictionStamper: after a successful upstream response, reads the predicted class of every row, issues one
// prediction id per row, adds the ids to the response body where configured, and records the label-free
// signals (modelops_predictions_total, the probability sum). It never fails a response: an unreadable response,
// a missing key or too many rows leave the response as it was, without ids, and are counted
// (modelops_gateway_unstamped_total{reason}).
// Ids go to the client as the X-Prediction-Id header: one id, or for a batch the ids of all rows in row order,
// comma-separated (base64url never contains a comma). With idField set, the response body also gets that
// top-level field: a string for a single-row response, an array of strings for a batch.
// Every id gets its own nonce (IdNonceGenerator), so equal facts in one millisecond still give distinct ids.
// Thread-safety: stamp() is safe from any thread (keys are read through KeyRingSource, metrics and the nonce
// generator are atomic).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelops/common/clock.h"
#include "modelops/gateway/feedback/gateway_metrics.h"
#include "modelops/gateway/feedback/id_nonce.h"
#include "modelops/gateway/feedback/key_ring_source.h"
#include "modelops/gateway/feedback/prediction_config.h"

namespace modelops::gateway {

inline constexpr std::size_t kMaxSegmentBytes = 64;  // a longer segment is truncated

struct StampRoute {
  VersionLabels version;  // the backend that answered
  const PredictionConfig& prediction;
};

struct StampRequest {
  // Case-insensitive header lookup of the client's request (for segmentHeader); may be empty.
  std::function<std::optional<std::string_view>(std::string_view)> header;
  std::string_view requestBody;   // for segmentJsonPath
  std::string_view responseBody;  // the upstream's successful (2xx) JSON response
};

struct StampResult {
  std::vector<std::string> ids;             // one per row, in row order; empty when not stamped
  std::string headerValue;                  // X-Prediction-Id: ids joined with ','; empty when not stamped
  std::optional<std::string> body;          // the body to send instead of responseBody (idField set and stamped)
  std::vector<std::string> predictedClasses;  // per row (also for shadow comparison)
  std::string segment;
};

class PredictionStamper {
 public:
  PredictionStamper(std::shared_ptr<const KeyRingSource> keys, GatewayMetrics& metrics, const Clock& clock);
  StampResult stamp(const StampRoute& route, const StampRequest& request) const;

  // The predicted classes of a response, without stamping or counting (the shadow's answer); empty when none.
  static std::vector<std::string> predictedClasses(const PredictionConfig& config, std::string_view responseBody);

 private:
  std::shared_ptr<const KeyRingSource> keys_;
  GatewayMetrics& metrics_;
  const Clock& clock_;
  mutable IdNonceGenerator nonces_;  // mutable: next() is an atomic add, safe under const stamp() calls
};

}  // namespace modelops::gateway
