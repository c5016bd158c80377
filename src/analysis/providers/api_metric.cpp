// api::Metric -> MetricSpec (see api_metric.h).
// Thread-safety: pure function.
#include "modelops/analysis/api_metric.h"

#include <algorithm>

#include "modelops/api/defaults.h"
#include "modelops/api/segment_count.h"

namespace modelops::analysis {
namespace {

constexpr std::chrono::milliseconds kDefaultTimeout{10000};
constexpr std::chrono::milliseconds kMaxConnectTimeout{5000};

std::vector<std::pair<std::string, std::string>> headersOf(const std::vector<api::NameValue>& in) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& h : in) out.emplace_back(h.name.value_or(""), h.value.value_or(""));
  return out;
}

Error invalid(const std::string& metric, const std::string& message) {
  return Error{"InvalidSpec", "metric " + metric + ": " + message};
}

}  // namespace

Result<MetricSpec> metricSpecFromApi(const api::Metric& m, const ProviderSecrets& secrets) {
  MetricSpec out;
  out.name = m.name.value_or("");
  out.args = m.args;
  if (!m.provider || (m.provider->prometheus.has_value() == m.provider->web.has_value())) {
    return invalid(out.name, "provider: exactly one of prometheus or web is required");
  }
  bool insecure = false;
  if (m.provider->prometheus) {
    const auto& p = *m.provider->prometheus;
    PrometheusConfig c;
    c.address = p.address.value_or("");
    c.headers = headersOf(p.headers);
    const auto timeout = p.timeout && p.timeout->value ? *p.timeout->value : kDefaultTimeout;
    c.readTimeout = timeout;
    c.connectTimeout = std::min(timeout, kMaxConnectTimeout);
    c.bearerToken = secrets.bearerToken;
    c.basicAuth = secrets.basicAuth;
    c.caPem = secrets.caPem;
    if (p.tls && p.tls->insecureSkipVerify) insecure = *p.tls->insecureSkipVerify;
    c.insecureSkipVerify = insecure;
    out.provider = std::move(c);
  } else {
    const auto& w = *m.provider->web;
    WebConfig c;
    c.url = w.url.value_or("");
    c.method = w.method.value_or("GET");
    c.body = w.body.value_or("");
    c.headers = headersOf(w.headers);
    c.timeout = w.timeout && w.timeout->value ? *w.timeout->value : kDefaultTimeout;
    c.bearerToken = secrets.bearerToken;
    c.basicAuth = secrets.basicAuth;
    c.caPem = secrets.caPem;
    out.provider = WebTemplate{std::move(c)};
  }

  if (m.isAccuracy()) {
    if (!m.successes || !m.trials) return invalid(out.name, "an accuracy metric needs successes and trials");
    if (!m.accuracy || !m.accuracy->min) return invalid(out.name, "accuracy.min is required");
    out.successes = *m.successes;
    out.trials = *m.trials;
    out.predictions = m.predictions;
    AccuracyCriteria a;
    a.min = *m.accuracy->min;
    a.confidence = m.accuracy->confidence.value_or(api::defaults::kConfidence);
    a.minSamples = static_cast<double>(m.accuracy->minSamples.value_or(api::defaults::kMinSamples));
    a.maxDropVsStable = m.accuracy->maxDropVsStable;
    a.minLabelCoverage = m.accuracy->minLabelCoverage;
    out.accuracy = a;
    if (m.segments) {
      if (!m.segments->by || m.segments->by->empty()) return invalid(out.name, "segments.by is required");
      SegmentCriteria s;
      s.by = *m.segments->by;
      s.min = m.segments->min.value_or(a.min);
      s.minSamples = m.segments->minSamples ? static_cast<double>(*m.segments->minSamples) : a.minSamples;
      s.confidence = m.segments->confidence;
      s.maxDropVsStable = m.segments->maxDropVsStable;
      // Validated; the bound check keeps an unvalidated spec from overflowing the judge's int.
      if (auto k = m.segments->expectedSegments; k && *k >= 1 && *k <= api::kMaxExpectedSegments)
        s.expectedSegments = static_cast<int>(*k);
      out.segments = s;
    }
    return out;
  }
  std::optional<std::string> query = m.query;
  if (!query && m.provider->web && m.provider->web->jsonPath) query = m.provider->web->jsonPath;
  if (!query) return invalid(out.name, "a threshold metric needs a query");
  if (!m.threshold || (!m.threshold->min && !m.threshold->max)) {
    return invalid(out.name, "a threshold metric needs threshold.min or threshold.max");
  }
  out.query = *query;
  out.threshold = ThresholdCriteria{m.threshold->min, m.threshold->max};
  return out;
}

}  // namespace modelops::analysis
