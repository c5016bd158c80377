// The gateway's figures on the detail page. See detail_charts.h.
#include <algorithm>

#include "detail_charts.h"
#include "modelops/analysis/query_template.h"

namespace modelops::plugin::dashboard {
namespace {

constexpr std::size_t kMaxClasses = 8;  // classes drawn (the most frequent); the rest only in Prometheus

std::string plainAddress(const api::ModelDeployment& md, std::optional<double>* min, double* confidence) {
  if (!md.spec.analysis) return "";
  std::string address;
  for (const auto& m : md.spec.analysis->metrics) {
    if (!*min && m.accuracy && m.accuracy->min) {
      *min = m.accuracy->min;
      *confidence = m.accuracy->confidence.value_or(0.95);
    }
    const auto& p = m.provider ? m.provider->prometheus : std::nullopt;
    if (address.empty() && p && p->address && !p->auth && !p->tls && p->headers.empty()) address = *p->address;
  }
  return address;
}

std::vector<ChartPoint> points(const Samples& s) {
  std::vector<ChartPoint> out;
  for (const auto& [t, v] : s) out.push_back({t, v, std::nullopt, std::nullopt});
  return out;
}

// Series of one figure, one per label value, coloured c0..c7.
std::vector<ChartSeries> labelled(const SeriesByLabel& byLabel, const std::string& prefix) {
  std::vector<ChartSeries> out;
  for (const auto& [value, samples] : byLabel) {
    if (out.size() >= kMaxClasses) break;
    out.push_back({prefix + (value.empty() ? "(none)" : value), "c" + std::to_string(out.size()), points(samples)});
  }
  return out;
}

// The classes with the most predictions in the window, most first.
std::vector<std::string> topClasses(const SeriesByLabel& rates) {
  std::vector<std::pair<double, std::string>> totals;
  for (const auto& [cls, samples] : rates) {
    double sum = 0;
    for (const auto& p : samples) sum += p.second;
    totals.emplace_back(sum, cls);
  }
  std::sort(totals.rbegin(), totals.rend());
  std::vector<std::string> out;
  for (const auto& t : totals)
    if (out.size() < kMaxClasses) out.push_back(t.second);
  return out;
}

// Accuracy by class from the feedback counters (cumulative since the gateway started), canary against stable.
void classAccuracy(const std::string& address, const std::string& sel, const std::vector<std::string>& classes,
                   const std::vector<MeasuredTrack>& tracks, std::optional<double> min, double confidence, PrometheusRanges& prom,
                   const RangeWindow& w, std::vector<ChartBlock>& out) {
  std::map<std::string, std::vector<ChartSeries>> byClass;
  for (const auto& t : tracks) {
    const std::string v = sel + ",version=\"" + analysis::escapePromQLString(t.version) + "\"";
    auto correct = prom.queryByLabel(address, "sum by (class) (modelops_feedback_correct_total{" + v + "})", "class", w);
    auto labeled = prom.queryByLabel(address, "sum by (class) (modelops_feedback_labeled_total{" + v + "})", "class", w);
    if (!correct.ok() || !labeled.ok()) return;
    for (const auto& cls : classes) {
      auto c = correct.value().find(cls);
      auto n = labeled.value().find(cls);
      if (c == correct.value().end() || n == labeled.value().end()) continue;
      byClass[cls].push_back({t.track + " " + t.version, t.cssClass, accuracyPoints(c->second, n->second, confidence)});
    }
  }
  for (const auto& cls : classes) {
    auto it = byClass.find(cls);
    if (it == byClass.end()) continue;
    ChartSpec spec{"class " + cls + " · accuracy (recall)", "", it->second, min, true};
    out.push_back({"Segments and classes", renderChart(spec),
                   "Prometheus " + address + ": modelops_feedback_correct_total / modelops_feedback_labeled_total by "
                   "class (band: Wilson, two-sided)"});
  }
}

}  // namespace

void gatewayCharts(const api::ModelDeployment& md, PrometheusRanges& prom, double now, std::vector<ChartBlock>& out) {
  std::optional<double> min;
  double confidence = 0.95;
  const std::string address = plainAddress(md, &min, &confidence);
  if (address.empty()) return;
  const std::string sel = "namespace=\"" + analysis::escapePromQLString(md.namespace_()) + "\",model=\"" +
                          analysis::escapePromQLString(md.spec.model.name.value_or(md.name())) + "\"";
  const RangeWindow w = rolloutWindow(md, now);
  const std::string source = "Prometheus " + address + " (gateway metrics, docs/metrics.md)";
  auto predictions =
      prom.queryByLabel(address, "sum by (class) (rate(modelops_predictions_total{" + sel + "}[5m]))", "class", w);
  if (!predictions.ok()) return;  // unreachable or refusing: the accuracy charts already say why
  if (!predictions.value().empty()) {
    SeriesByLabel top;
    for (const auto& cls : topClasses(predictions.value())) top[cls] = predictions.value().at(cls);
    out.push_back({"Label-free signals",
                   renderChart({"predictions per second by predicted class", "/s", labelled(top, "class "), std::nullopt,
                                false}),
                   source});
    classAccuracy(address, sel, topClasses(predictions.value()), measuredTracks(md), min, confidence, prom, w, out);
  }
  struct Figure {
    std::string title, unit, query, label;
    bool ratio;
  };
  const Figure figures[] = {
      {"shadow agreement", "", "sum(rate(modelops_shadow_agreed_total{" + sel + "}[5m])) / sum(rate(modelops_shadow_compared_total{" + sel + "}[5m]))", "", true},
      {"p95 latency by version", "s", "histogram_quantile(0.95, sum by (le, version) (rate(modelops_gateway_request_duration_seconds_bucket{" + sel + "}[5m])))", "version", false},
      {"upstream errors per second by version", "/s", "sum by (version) (rate(modelops_gateway_upstream_errors_total{" + sel + "}[5m]))", "version", false},
      {"labels per second by version", "/s", "sum by (version) (rate(modelops_feedback_labeled_total{" + sel + "}[5m]))", "version", false},
  };
  for (const auto& f : figures) {
    auto r = prom.queryByLabel(address, f.query, f.label, w);
    if (!r.ok() || r.value().empty()) continue;  // not measured here
    auto series = f.label.empty() ? std::vector<ChartSeries>{{"all versions", "stable", points(r.value().begin()->second)}}
                                  : labelled(r.value(), "");
    out.push_back({f.label == "version" && f.title.starts_with("labels") ? "Labels" : "Label-free signals",
                   renderChart({f.title, f.unit, series, std::nullopt, f.ratio}), source + ": " + f.query});
  }
}

}  // namespace modelops::plugin::dashboard
