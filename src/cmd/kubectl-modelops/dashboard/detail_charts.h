// The charts of the detail page: for each accuracy metric, canary and stable accuracy over time with
// their confidence bands and the metric's `min` line, from the Prometheus the metric names (range
// queries of its own templates) or else from status (status_series.h); per segment (or per class, when
// the metric's segments are by class) and the label arrival rate from status; the label-free guards
// (metrics "guard:<name>") from status; the gateway's figures (docs/metrics.md: prediction rate, p95
// latency) from that Prometheus when it has them. Each block says where its data came from.
// Thread-safety: buildDetailCharts may run on many threads (PrometheusRanges is locked).
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/api/model_deployment.h"
#include "pages.h"
#include "prometheus_range.h"
#include "status_series.h"

namespace modelops::plugin::dashboard {

std::vector<ChartBlock> buildDetailCharts(const nlohmann::json& md, const StatusSeries& recorded,
                                          PrometheusRanges& prometheus, double now);

// The gateway's figures (gateway_charts.cpp), from the first plain Prometheus the analysis names, with
// the metric names and labels of docs/metrics.md ("Gateway metrics"): predictions per second by class,
// accuracy by class (canary against stable, Wilson bands, the first accuracy metric's min), shadow
// agreement, p95 latency, upstream errors and label arrival by version. A figure with no data is left out;
// an unreachable Prometheus ends the list at the first query.
void gatewayCharts(const api::ModelDeployment& md, PrometheusRanges& prometheus, double now,
                   std::vector<ChartBlock>& out);

}  // namespace modelops::plugin::dashboard
