// Test fixtures for unit.api: the design's example ModelDeployment (a canary with Prometheus accuracy
// analysis, a threshold metric and a web metric), valid as written.
// Thread-safety: pure functions returning fresh values.
#pragma once

#include <nlohmann/json.hpp>

#include "modelops/api/codec.h"
#include "modelops/api/defaults.h"
#include "modelops/api/validation.h"

namespace modelops::api::testing {

inline nlohmann::json exampleCanary() {
  return nlohmann::json::parse(R"J({
  "apiVersion": "modelops.dev/v1alpha1",
  "kind": "ModelDeployment",
  "metadata": {"name": "fraud-detector", "namespace": "ml", "generation": 7, "uid": "u-1",
               "resourceVersion": "42", "annotations": {"team": "risk"}},
  "spec": {
    "replicas": 4,
    "model": {"name": "fraud-detector", "version": "2.4.0", "uri": "s3://models/fraud/2.4.0"},
    "template": {"spec": {"containers": [{"name": "server", "image": "registry.example/model-server:1.3",
                 "ports": [{"name": "http", "containerPort": 8080}]}]}},
    "service": {"port": 80, "targetPort": "http"},
    "strategy": {"canary": {
      "steps": [{"setWeight": 10}, {"pause": {"duration": "2m"}}, {"analysis": {}}, {"setWeight": 50},
                {"pause": {}}],
      "trafficRouting": {"gatewayAPI": {"httpRoute": "fraud-detector"}}}},
    "analysis": {
      "interval": "30s",
      "metrics": [
        {"name": "accuracy",
         "provider": {"prometheus": {"address": "http://prometheus.monitoring:9090"}},
         "successes": "sum by (segment) (increase(model_feedback_correct_total{model=\"{{model}}\",version=\"{{version}}\"}[10m]))",
         "trials": "sum by (segment) (increase(model_feedback_labeled_total{model=\"{{model}}\",version=\"{{version}}\"}[10m]))",
         "accuracy": {"min": 0.92, "confidence": 0.95, "minSamples": 500, "maxDropVsStable": 0.02},
         "segments": {"by": "segment", "min": 0.85, "minSamples": 50},
         "failureLimit": 0, "inconclusiveLimit": 10, "consecutiveErrorLimit": 4},
        {"name": "p99-latency-seconds",
         "provider": {"prometheus": {"address": "http://prometheus.monitoring:9090"}},
         "query": "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{version=\"{{version}}\"}[5m])))",
         "threshold": {"max": 0.25}},
        {"name": "label-service",
         "provider": {"web": {"url": "http://labels.ml.svc/accuracy?model={{model}}&version={{version}}"}},
         "successes": "$.correct", "trials": "$.labeled",
         "accuracy": {"min": 0.9, "confidence": 0.95, "minSamples": 200}}]},
    "monitoring": {"enabled": true, "onDegraded": "Rollback"},
    "rollback": {"automatic": true},
    "progressDeadlineSeconds": 600,
    "revisionHistoryLimit": 5,
    "paused": false
  }
})J");
}

inline nlohmann::json exampleAbTest() {
  nlohmann::json doc = exampleCanary();
  doc["spec"]["strategy"] = nlohmann::json::parse(R"J({"abTest": {
    "variants": [
      {"name": "control", "weight": 50},
      {"name": "treatment", "weight": 50, "model": {"version": "2.5.0-rc1", "uri": "s3://models/fraud/2.5.0-rc1"},
       "match": [{"header": {"name": "X-Model-Variant", "value": "treatment"}}]}],
    "trafficRouting": {"istio": {"virtualService": {"name": "fraud-detector", "routes": ["primary"]}}},
    "duration": "24h",
    "winnerSelection": "Auto"}})J");
  return doc;
}

// What validate() says of doc after decoding and defaulting, as the tables expect it; a decode failure is
// one "<decode>" error.
inline FieldErrors validateDoc(const nlohmann::json& doc) {
  auto md = decodeModelDeployment(doc);
  if (!md.ok()) return {{"<decode>", formatFieldErrors(md.error())}};
  applyDefaults(*md);
  return validate(*md);
}

}  // namespace modelops::api::testing
