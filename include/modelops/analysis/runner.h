// The analysis runner: one measurement of one metric for the canary (and the stable) revision.
// Pure orchestration over MetricProvider: render the metric's templates per revision, run the
// successes / trials (/ predictions) queries or the threshold query, turn samples into counts, and
// ask the judge (judge.h) for a Verdict. No clock, no logging; provider failures become Error
// verdicts (the limits logic counts them towards consecutiveErrorLimit).
//
// Counts from samples:
//   - overall = the sum of every series of the query (e.g. all segments of `sum by (segment)`);
//   - with segments.by = L, the series are grouped by their label L (series without L are counted in
//     the overall only) and summed per group;
//   - "no data" never becomes zero: a group (or the overall) where the successes or trials query has
//     no series, or any series is NaN/Inf, gets zero trials, which the judge treats as inconclusive
//     (n=0 < minSamples); the verdict's reason says which query had no data;
//   - Prometheus increase() extrapolates, so successes may exceed trials by a hair when the two queries
//     are evaluated across a scrape: successes are clamped to trials when the excess is <= 1% + 1;
//     a larger excess is left for the judge to report as invalid counts (queries swapped?).
// Threshold metrics: the query's value is its only sample (vector of one series, or scalar). Several
// series: the worst one is judged (the largest against max, the smallest against min); any NaN/Inf
// series or no series: no data (Inconclusive).
// Thread-safety: measure() is const and may be called concurrently if the factory allows it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "modelops/analysis/judge.h"
#include "modelops/analysis/prometheus_provider.h"
#include "modelops/analysis/provider.h"
#include "modelops/analysis/query_template.h"
#include "modelops/analysis/verdict.h"
#include "modelops/analysis/web_provider.h"
#include "modelops/common/cancel.h"

namespace modelops::analysis {

// A web provider before rendering: url, body and header values are templates.
struct WebTemplate {
  WebConfig config;  // url/body/header values hold templates
};

// Where a metric asks. PrometheusConfig is used as is (queries are the templates).
using ProviderSpec = std::variant<PrometheusConfig, WebTemplate>;

// One metric of spec.analysis.metrics[], in the runner's terms (see api_metric.h for the adapter from
// api::Metric). Either accuracy-kind (successes + trials [+ predictions] + accuracy) or threshold-kind
// (query + threshold).
struct MetricSpec {
  std::string name;
  ProviderSpec provider;
  std::map<std::string, std::string> args;
  // accuracy-kind
  std::string successes;
  std::string trials;
  std::optional<std::string> predictions;
  std::optional<AccuracyCriteria> accuracy;
  std::optional<SegmentCriteria> segments;
  // threshold-kind
  std::string query;
  std::optional<ThresholdCriteria> threshold;

  bool isAccuracy() const { return accuracy.has_value(); }
};

// Builds the provider for one metric and one revision (the web URL depends on the revision).
using ProviderFactory = std::function<Result<std::shared_ptr<MetricProvider>, ProviderError>(
    const MetricSpec& metric, const TemplateVars& vars)>;

// Prometheus -> PrometheusProvider; web -> WebProvider with url (percent-encoded values), body
// (JSON-escaped values) and header values (CR/LF removed) rendered with `vars`. Every provider gets the
// operator's `limits` (response size, request deadline cap, destination policy), whatever its spec says.
ProviderFactory defaultProviderFactory(ProviderLimits limits = {});

// The escaping for queries of this provider kind: PromQL for Prometheus, none for web JSONPaths.
Escaping queryEscaping(const ProviderSpec& provider);

// Samples grouped into counts (exposed for tests and tools).
struct GroupedCounts {
  Counts overall;
  std::map<std::string, Counts> segments;  // key: the value of the segments.by label
  std::vector<std::string> noData;         // human notes: "trials: no series", "segment eu-west: successes NaN"
};
GroupedCounts groupCounts(const QueryResult& successes, const QueryResult& trials,
                          const std::optional<QueryResult>& predictions, const std::string& segmentLabel);

// The value a threshold metric judges (see the file comment); nullopt when there is no data.
std::optional<double> thresholdValue(const QueryResult& result, const ThresholdCriteria& criteria);

class AnalysisRunner {
 public:
  explicit AnalysisRunner(ProviderFactory factory = defaultProviderFactory());

  // canary: the revision under test; stable: the current stable revision, if any (its counts feed
  // maxDropVsStable; a failing stable query is an Error only when maxDropVsStable is configured).
  Verdict measure(const MetricSpec& metric, const TemplateVars& canary, const std::optional<TemplateVars>& stable,
                  const CancelToken& cancel) const;
  // The factory its providers come from (the guard runner asks the same providers).
  const ProviderFactory& factory() const { return factory_; }

 private:
  ProviderFactory factory_;
};

}  // namespace modelops::analysis
