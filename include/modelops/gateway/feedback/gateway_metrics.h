// GatewayMetrics: every metric family of modelops-gateway, in a prometheus registry of its own, rendered with
// render() on /metrics. Names and labels are stable and documented in docs/metrics.md ("Gateway metrics"):
//   modelops_predictions_total{namespace,model,version,revision,segment,class}            counter (predicted class)
//   modelops_prediction_probability_sum / _count{namespace,model,version,revision,segment,class}  counters
//   modelops_feedback_labeled_total / _correct_total{namespace,model,version,revision,segment,class} (true label)
//   modelops_feedback_abs_error_sum / _count{namespace,model,version,revision,segment}     counters (regression)
//   modelops_feedback_label_delay_seconds{namespace,model}                                 histogram
//   modelops_feedback_rejected_total{reason}                                               counter
//   modelops_feedback_dedupe_fallback_total                                                counter (Redis down)
//   modelops_gateway_request_duration_seconds{namespace,model,version,revision}            histogram
//   modelops_gateway_upstream_errors_total{namespace,model,version,revision,code}          counter
//   modelops_gateway_unstamped_total{namespace,model,version,revision,reason}              counter
//   modelops_shadow_compared_total / _agreed_total{namespace,model,version,revision,primary_version} counters
//     (version and revision: the shadow's, primary_version: the version that answered the client)
//   modelops_gateway_series_dropped_total                                                  counter
// Label values are bounded (128 bytes, longer truncated) and the series per family are capped (maxSeries): a
// label set beyond the cap is not recorded and counted in modelops_gateway_series_dropped_total, so a client
// sending arbitrary labels cannot grow the process without bound.
// Thread-safety: all members are safe to call from any thread.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace modelops::gateway {

// The version a request or prediction belongs to. model is spec.model.name (the {{model}} of analysis
// templates), version spec.model.version of that track, revision the track's revision number as text (what
// {{revision}} renders in analysis queries; routing's Backend::revision).
struct VersionLabels {
  std::string ns, model, version, revision;
};

class GatewayMetrics {
 public:
  explicit GatewayMetrics(std::size_t maxSeriesPerFamily = 10'000);
  ~GatewayMetrics();
  GatewayMetrics(const GatewayMetrics&) = delete;
  GatewayMetrics& operator=(const GatewayMetrics&) = delete;

  // The text exposition format (version 0.0.4) of every gateway family.
  std::string render() const;

  // Label-free signals (the stamper).
  void predicted(const VersionLabels& v, std::string_view segment, std::string_view predictedClass,
                 std::optional<double> probability);
  void unstamped(const VersionLabels& v, std::string_view reason);
  // Labels (the feedback service). trueClass is the label sent by the client.
  void labeled(const VersionLabels& v, std::string_view segment, std::string_view trueClass, bool correct);
  void regressionLabeled(const VersionLabels& v, std::string_view segment, double absError);
  void labelDelay(std::string_view ns, std::string_view model, double seconds);
  void feedbackRejected(std::string_view reason);
  void dedupeFallback();
  // The proxy. code: the upstream's HTTP status, 0 for a connection failure or timeout.
  void observeRequest(const VersionLabels& v, double seconds);
  void upstreamError(const VersionLabels& v, int code);
  // primary: the version that answered the client; shadow: the version that got the copy.
  void shadowCompared(const VersionLabels& primary, const VersionLabels& shadow, bool agreed);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace modelops::gateway
