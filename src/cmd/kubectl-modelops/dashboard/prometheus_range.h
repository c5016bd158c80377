// Accuracy over time from the Prometheus the analysis already names: the metric's own `successes` and
// `trials` templates (rendered as the operator renders them, analysis/query_template.h) sent as range
// queries (/api/v1/query_range) for the canary and the stable revision, turned into accuracy with the
// two-sided Wilson interval at the metric's confidence. Used only for a plain provider (no Secret-held
// credentials or CA: the dashboard never reads Secrets); otherwise, and on any error, the page falls back
// to status (status_series.h) and says why.
// Bounded: 5 s per connect/read, 10 s per answer body, 4 MiB per answer, at most 240 steps, answers cached
// for 10 s.
// Thread-safety: parse/accuracy functions are pure; PrometheusRanges is internally locked.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chart.h"
#include "modelops/api/model_deployment.h"
#include "modelops/common/result.h"

namespace modelops::plugin::dashboard {

using Samples = std::vector<std::pair<double, double>>;  // (t, value), sorted by t
using SeriesByLabel = std::map<std::string, Samples>;     // label value -> samples
inline constexpr std::size_t kMaxSeriesPerQuery = 50;     // label values kept per answer (the rest dropped)

// A query_range answer grouped by the value of `label` (series with the same value summed; "" groups
// everything). Error message for people on a non-success status, a non-matrix result or malformed JSON.
Result<SeriesByLabel> parseRangeByLabel(const std::string& body, const std::string& label);

// A query_range answer: every series' values summed per timestamp. Error message for people on a
// non-success status, a non-matrix result or malformed JSON.
Result<Samples> parseRangeResponse(const std::string& body);

// Accuracy points where both series have a value at the same time and trials > 0, with the Wilson
// interval (two-sided, `confidence`) as the band.
std::vector<ChartPoint> accuracyPoints(const Samples& successes, const Samples& trials, double confidence);

// Rates per second between consecutive samples of a counter-like series (resets give no point).
std::vector<ChartPoint> ratePoints(const Samples& counts);

struct RangeWindow {
  double start = 0, end = 0, step = 15;  // seconds since the epoch; step in seconds
};
// From `since` (clamped to the last 24 h, and at least 10 minutes back) to `now`, at most 240 steps and
// at least 5 s per step; with no `since`, the last hour. Start and end lie on the step's grid (multiples
// of the step since the epoch, both rounded down), so every window with the same step asks Prometheus
// for the same timestamps; the newest point is at most one step old.
RangeWindow rangeWindow(std::optional<double> since, double now);
// The window of a rollout's charts: rangeWindow from status.rolloutStartedAt (none: the last hour). The
// accuracy and the gateway's charts share it, so their time axes and timestamps agree.
RangeWindow rolloutWindow(const api::ModelDeployment& md, double now);

// The revisions a rollout measures: the A/B test's variants (track = variant name, css c0..c7), else the
// canary and the stable one (track "canary"/"stable", css the same), each with its version.
struct MeasuredTrack {
  std::string track, version, cssClass;
  std::int64_t revision = 0;
};
std::vector<MeasuredTrack> measuredTracks(const api::ModelDeployment& md);

// The charts of one metric and where they came from.
struct MetricSeries {
  std::string source;  // "Prometheus http://..." or "" (not from Prometheus)
  std::string why;     // why not Prometheus (shown on the page), "" when it was
  std::vector<ChartSeries> series;
};

class PrometheusRanges {
 public:
  // Canary and stable accuracy of `metric` for this ModelDeployment, or `why` it cannot be had.
  MetricSeries accuracy(const api::ModelDeployment& md, const api::Metric& metric, double now);
  // Any PromQL against `address` over `window`, every series summed (cached for 10 s).
  Result<Samples> query(const std::string& address, const std::string& promql, const RangeWindow& window);
  // The same grouped by `label`.
  Result<SeriesByLabel> queryByLabel(const std::string& address, const std::string& promql, const std::string& label,
                                     const RangeWindow& window);

 private:
  struct Cached {
    std::chrono::steady_clock::time_point at;
    Result<SeriesByLabel> result;
  };
  std::mutex mu_;
  std::map<std::string, Cached> cache_;
};

}  // namespace modelops::plugin::dashboard
