// See detail_charts.h.
#include "detail_charts.h"

#include "modelops/analysis/query_template.h"
#include "modelops/api/codec.h"
#include "rollout_store.h"

namespace modelops::plugin::dashboard {
namespace {

using nlohmann::json;

const char* kStatusSource = "status: the operator's measurements (status.analysis) as seen by this dashboard since it started";

std::vector<ChartPoint> seriesOr(const SeriesMap& m, const std::string& name) {
  auto it = m.find(name);
  return it == m.end() ? std::vector<ChartPoint>{} : it->second;
}

// Segment charts (one per segment of the metric) and the label arrival rate, from status.
void segmentAndLabelCharts(const std::string& metric, std::optional<double> min, const SeriesMap& recorded,
                           std::vector<ChartBlock>& out) {
  const std::string prefix = metric + "|segment|";
  std::size_t shown = 0;
  for (auto it = recorded.lower_bound(prefix); it != recorded.end() && it->first.starts_with(prefix); ++it) {
    if (++shown > 24) break;  // a page stays readable; the verdict table lists every segment
    ChartSpec spec{metric + " · " + it->first.substr(prefix.size()), "", {{"canary", "canary", it->second}}, min, true};
    out.push_back({"Segments and classes", renderChart(spec), kStatusSource});
  }
  auto labels = seriesOr(recorded, metric + "|labels");
  if (!labels.empty()) {
    ChartSpec spec{metric + " · labels per second", "/s", {{"label arrival", "labels", labels}}, std::nullopt, false};
    out.push_back({"Labels", renderChart(spec), kStatusSource});
  }
}

// Canary and stable from status, or an A/B test's variants (coloured c0, c1, ...).
std::vector<ChartSeries> statusAccuracySeries(const std::string& metric, const SeriesMap& recorded) {
  std::vector<ChartSeries> out;
  const std::string prefix = metric + "|variant|";
  for (auto it = recorded.lower_bound(prefix); it != recorded.end() && it->first.starts_with(prefix); ++it)
    if (out.size() < 8) out.push_back({it->first.substr(prefix.size()), "c" + std::to_string(out.size()), it->second});
  if (!out.empty()) return out;
  return {{"canary", "canary", seriesOr(recorded, metric + "|canary")},
          {"stable", "stable", seriesOr(recorded, metric + "|stable")}};
}

void accuracyCharts(const api::ModelDeployment& md, const SeriesMap& recorded, PrometheusRanges& prometheus,
                    double now, std::vector<ChartBlock>& out) {
  if (!md.spec.analysis) return;
  for (const auto& metric : md.spec.analysis->metrics) {
    if (!metric.isAccuracy()) continue;
    const std::string name = metric.name.value_or("?");
    const std::optional<double> min = metric.accuracy ? metric.accuracy->min : std::nullopt;
    MetricSeries fromProm = prometheus.accuracy(md, metric, now);
    bool anyPoints = false;
    for (const auto& s : fromProm.series) anyPoints = anyPoints || !s.points.empty();
    if (!fromProm.source.empty() && anyPoints) {
      ChartSpec spec{name + " · accuracy", "", fromProm.series, min, true};
      out.push_back({"Accuracy", renderChart(spec),
                     fromProm.source + " (range queries of the metric's successes/trials; band: Wilson, " +
                         "two-sided)"});
    } else {
      ChartSpec spec{name + " · accuracy", "", statusAccuracySeries(name, recorded), min, true};
      std::string why = fromProm.source.empty() ? fromProm.why : "Prometheus had no samples for these queries";
      out.push_back({"Accuracy", renderChart(spec), std::string(kStatusSource) + " · not Prometheus: " + why});
    }
    segmentAndLabelCharts(name, min, recorded, out);
  }
}

void guardCharts(const SeriesMap& recorded, std::vector<ChartBlock>& out) {
  for (const auto& [name, points] : recorded) {
    if (!name.starts_with("guard:") || !name.ends_with("|canary")) continue;
    std::string guard = name.substr(0, name.size() - 7);
    ChartSpec spec{guard, "", {{"canary", "canary", points}}, std::nullopt, false};
    out.push_back({"Label-free signals", renderChart(spec), kStatusSource});
  }
}

}  // namespace

std::vector<ChartBlock> buildDetailCharts(const json& doc, const StatusSeries& recorded, PrometheusRanges& prometheus,
                                          double now) {
  std::vector<ChartBlock> out;
  auto decoded = api::decodeModelDeployment(doc);
  if (!decoded.ok()) return out;
  SeriesMap series = recorded.get(objectKey(doc), measuredRevision(doc));
  // What this version of the object holds also counts when the dashboard has not seen it before.
  for (auto& [name, points] : seriesFromStatus(doc)) {
    auto& dst = series[name];
    for (const auto& p : points) {
      bool seen = false;
      for (const auto& q : dst) seen = seen || q.t == p.t;
      if (!seen) dst.push_back(p);
    }
  }
  accuracyCharts(decoded.value(), series, prometheus, now, out);
  guardCharts(series, out);
  gatewayCharts(decoded.value(), prometheus, now, out);
  return out;
}

}  // namespace modelops::plugin::dashboard
