// See prometheus_range.h.
#include "prometheus_range.h"

#include <httplib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "json_view.h"
#include "modelops/analysis/query_template.h"
#include "modelops/analysis/statistics.h"
#include "modelops/common/time.h"

namespace modelops::plugin::dashboard {
namespace {

using nlohmann::json;
constexpr std::size_t kMaxAnswer = 4u << 20;

Error promError(const std::string& message) { return Error{"PrometheusError", message}; }

// "http://host:port/prefix" -> ("http://host:port", "/prefix").
std::pair<std::string, std::string> splitAddress(const std::string& address) {
  auto scheme = address.find("://");
  auto slash = address.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (slash == std::string::npos) return {address, ""};
  std::string prefix = address.substr(slash);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return {address.substr(0, slash), prefix};
}

Result<std::string> fetchRange(const std::string& address, const std::string& promql, const RangeWindow& w) {
  auto [base, prefix] = splitAddress(address);
  httplib::Client cli(base);
  if (!cli.is_valid()) return promError("cannot use the address " + address);
  cli.set_connection_timeout(std::chrono::seconds(5));
  cli.set_read_timeout(std::chrono::seconds(5));
  cli.set_write_timeout(std::chrono::seconds(5));
  httplib::Params params{{"query", promql},
                         {"start", std::to_string(w.start)},
                         {"end", std::to_string(w.end)},
                         {"step", std::to_string(static_cast<long long>(w.step)) + "s"}};
  std::string path = prefix + "/api/v1/query_range?" + httplib::detail::params_to_query_str(params);
  std::string body;
  bool tooBig = false, tooSlow = false;
  // httplib's timeouts are per read: a body trickled in small pieces is also stopped at an overall deadline.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  auto res = cli.Get(path, httplib::Headers{}, [&](const char* data, std::size_t len) {
    if (body.size() + len > kMaxAnswer) {
      tooBig = true;
      return false;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      tooSlow = true;
      return false;
    }
    body.append(data, len);
    return true;
  });
  if (tooBig) return promError("the answer exceeded 4 MiB");
  if (tooSlow) return promError("the answer took longer than 10 s");
  if (!res) return promError("cannot reach " + address + ": " + httplib::to_string(res.error()));
  if (res->status != 200 && res->status != 400 && res->status != 422)
    return promError(address + " answered HTTP " + std::to_string(res->status));
  return body;
}

}  // namespace

Result<SeriesByLabel> parseRangeByLabel(const std::string& body, const std::string& label) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return promError("the answer is not JSON");
  if (stringAt(doc, "status") != "success")
    return promError("query failed: " + (stringAt(doc, "error").empty() ? "status " + stringAt(doc, "status")
                                                                         : stringAt(doc, "error")));
  const json& data = child(doc, "data");
  if (stringAt(data, "resultType") != "matrix" || !child(data, "result").is_array())
    return promError("the answer is not a range (matrix) result");
  std::map<std::string, std::map<double, double>> sums;
  for (const auto& series : child(data, "result")) {
    const std::string key = label.empty() ? "" : stringAt(child(series, "metric"), label.c_str());
    if (!sums.count(key) && sums.size() >= kMaxSeriesPerQuery) continue;
    for (const auto& pair : arrayAt(series, "values")) {
      if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number() || !pair[1].is_string()) continue;
      char* end = nullptr;
      const std::string text = pair[1].get<std::string>();
      double v = std::strtod(text.c_str(), &end);
      if (end == text.c_str() || !std::isfinite(v)) continue;  // NaN/Inf samples carry no information
      sums[key][pair[0].get<double>()] += v;
    }
  }
  SeriesByLabel out;
  for (const auto& [key, points] : sums) out[key] = Samples(points.begin(), points.end());
  return out;
}

Result<Samples> parseRangeResponse(const std::string& body) {
  auto bySeries = parseRangeByLabel(body, "");
  if (!bySeries.ok()) return bySeries.error();
  auto it = bySeries.value().find("");
  return it == bySeries.value().end() ? Samples{} : it->second;
}

std::vector<ChartPoint> accuracyPoints(const Samples& successes, const Samples& trials, double confidence) {
  std::map<double, double> n(trials.begin(), trials.end());
  std::vector<ChartPoint> out;
  for (const auto& [t, s] : successes) {
    auto it = n.find(t);
    if (it == n.end() || !(it->second > 0) || s < 0 || s > it->second) continue;
    auto ci = analysis::wilsonTwoSided(s, it->second, confidence);
    out.push_back(ChartPoint{t, s / it->second, ci.lower, ci.upper});
  }
  return out;
}

std::vector<ChartPoint> ratePoints(const Samples& counts) {
  std::vector<ChartPoint> out;
  for (std::size_t i = 1; i < counts.size(); ++i) {
    double dt = counts[i].first - counts[i - 1].first, dv = counts[i].second - counts[i - 1].second;
    if (dt > 0 && dv >= 0) out.push_back(ChartPoint{counts[i].first, dv / dt, std::nullopt, std::nullopt});
  }
  return out;
}

RangeWindow rangeWindow(std::optional<double> since, double now) {
  // A rollout that started minutes ago still gets ten minutes of context (the stable version before it).
  double start = since ? std::min(std::max(*since, now - 86400.0), now - 600.0) : now - 3600.0;
  // 239: the alignment below adds up to one step, and the answer stays within 240 steps.
  double step = std::max(5.0, std::ceil((now - start) / 239.0));
  // On the step's grid (as Grafana aligns its range queries): Prometheus evaluates a range query at start,
  // start + step, ..., and accuracyPoints pairs successes with trials by timestamp. Windows computed a few
  // seconds apart (one query answered from the 10 s cache, its partner fetched now) must share their
  // timestamps, or the pair has no common point and the chart falls back to status. The end is rounded
  // down: a point drawn ahead of now would show the latest sample at a time that has not come yet.
  return {std::floor(start / step) * step, std::floor(now / step) * step, step};
}

RangeWindow rolloutWindow(const api::ModelDeployment& md, double now) {
  std::optional<double> since;
  if (md.status.rolloutStartedAt)
    if (auto t = parseRfc3339(*md.status.rolloutStartedAt))
      since = std::chrono::duration<double>(t->time_since_epoch()).count();
  return rangeWindow(since, now);
}

Result<SeriesByLabel> PrometheusRanges::queryByLabel(const std::string& address, const std::string& promql,
                                                     const std::string& label, const RangeWindow& w) {
  // Cached by query and window rounded to the step, so a page re-rendered on every watch event does
  // not send a range query each time.
  const std::string key = address + "\n" + promql + "\n" + label + "\n" +
                          std::to_string(static_cast<long long>(w.start / w.step)) + "\n" +
                          std::to_string(static_cast<long long>(w.step));
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end() && std::chrono::steady_clock::now() - it->second.at < std::chrono::seconds(10))
      return it->second.result;
    if (cache_.size() > 128) cache_.clear();
  }
  auto body = fetchRange(address, promql, w);
  Result<SeriesByLabel> result = body.ok() ? parseRangeByLabel(body.value(), label) : Result<SeriesByLabel>(body.error());
  std::lock_guard lock(mu_);
  cache_.insert_or_assign(key, Cached{std::chrono::steady_clock::now(), result});
  return result;
}

Result<Samples> PrometheusRanges::query(const std::string& address, const std::string& promql, const RangeWindow& w) {
  auto bySeries = queryByLabel(address, promql, "", w);
  if (!bySeries.ok()) return bySeries.error();
  auto it = bySeries.value().find("");
  return it == bySeries.value().end() ? Samples{} : it->second;
}

std::vector<MeasuredTrack> measuredTracks(const api::ModelDeployment& md) {
  std::vector<MeasuredTrack> out;
  for (const auto& v : md.status.variants)  // an A/B test: every variant, coloured c0, c1, ...
    if (v.version && out.size() < 8)
      out.push_back({v.name.value_or("?"), *v.version, "c" + std::to_string(out.size()), v.revision.value_or(0)});
  if (!out.empty()) return out;
  if (md.status.canary && md.status.canary->version)
    out.push_back({"canary", *md.status.canary->version, "canary", md.status.canary->revision.value_or(0)});
  if (md.status.stable && md.status.stable->version)
    out.push_back({"stable", *md.status.stable->version, "stable", md.status.stable->revision.value_or(0)});
  return out;
}

MetricSeries PrometheusRanges::accuracy(const api::ModelDeployment& md, const api::Metric& metric, double now) {
  MetricSeries out;
  const auto& prov = metric.provider ? metric.provider->prometheus : std::nullopt;
  if (!prov || !prov->address) {
    out.why = "not a Prometheus metric";
    return out;
  }
  if (prov->auth || prov->tls || !prov->headers.empty()) {
    out.why = "its Prometheus needs credentials, a CA or headers (the dashboard reads no Secrets)";
    return out;
  }
  if (!metric.successes || !metric.trials) {
    out.why = "not an accuracy metric (no successes/trials)";
    return out;
  }
  const RangeWindow w = rolloutWindow(md, now);
  const double confidence = metric.accuracy && metric.accuracy->confidence ? *metric.accuracy->confidence : 0.95;
  for (const MeasuredTrack& track : measuredTracks(md)) {
    analysis::TemplateVars vars;
    vars.name = md.name();
    vars.ns = md.namespace_();
    vars.model = md.spec.model.name.value_or(md.name());
    vars.version = track.version;
    vars.revision = std::to_string(track.revision);
    vars.track = track.track;
    vars.args = metric.args;
    vars.analysisElapsed = analysis::analysisElapsedText(
        std::chrono::milliseconds(static_cast<long long>((now - w.start) * 1000)));
    auto s = analysis::renderTemplate(*metric.successes, vars, analysis::Escaping::PromQL);
    auto n = analysis::renderTemplate(*metric.trials, vars, analysis::Escaping::PromQL);
    if (!s.ok() || !n.ok()) {
      out.why = "its query template does not render: " + (s.ok() ? n.error().message : s.error().message);
      return out;
    }
    auto sv = query(*prov->address, s.value(), w);
    auto nv = query(*prov->address, n.value(), w);
    if (!sv.ok() || !nv.ok()) {
      out.why = (sv.ok() ? nv.error().message : sv.error().message);
      out.series.clear();
      return out;
    }
    out.series.push_back(ChartSeries{track.track + " " + track.version, track.cssClass,
                                     accuracyPoints(sv.value(), nv.value(), confidence)});
  }
  out.source = "Prometheus " + *prov->address;
  return out;
}

}  // namespace modelops::plugin::dashboard
