// PredictionConfig: how the gateway reads a model's requests and responses (protocol, where the predicted class
// is, task, where the segment is, whether to add the id to the response body). Filled by the routing table from
// the ModelDeployment's trafficRouting.gateway; read by the PredictionStamper.
// Thread-safety: a plain value.
#pragma once

#include <string>

namespace modelops::gateway {

struct PredictionConfig {
  std::string protocol = "KServeV1";  // or "OpenInferenceV2"
  // A JSONPath into the response ($, .name, [n], [*]); empty: the protocol's default ($.predictions for KServe
  // v1, $.outputs[0] for Open Inference v2). See class_extraction.h for how rows are found.
  std::string classPath;
  bool argmax = false;                 // the value is a probability vector: class = index of the largest
  std::string task = "Classification";  // or "Regression"
  std::string segmentHeader;           // request header holding the segment
  std::string segmentJsonPath;         // or a JSONPath into the request body
  std::string idField;                 // empty: X-Prediction-Id header only; else also this top-level response field
};

}  // namespace modelops::gateway
