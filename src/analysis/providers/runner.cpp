// The analysis runner: templates -> provider queries -> counts -> judge (see runner.h).
// Thread-safety: measure() is const; no shared mutable state.
#include "modelops/analysis/runner.h"

#include <algorithm>
#include <cmath>

namespace modelops::analysis {
namespace {

struct Group {
  double sum = 0;
  bool present = false;
  bool nonFinite = false;
};

struct Grouped {
  Group overall;
  std::map<std::string, Group> byLabel;
};

Grouped group(const QueryResult& r, const std::string& label) {
  Grouped g;
  for (const Sample& s : r.samples) {
    auto add = [&](Group& grp) {
      grp.present = true;
      if (s.hasValue()) grp.sum += s.value;
      else grp.nonFinite = true;
    };
    add(g.overall);
    if (label.empty()) continue;
    auto it = s.labels.find(label);
    if (it != s.labels.end()) add(g.byLabel[it->second]);
  }
  return g;
}

std::string whyNoData(const char* what, const Group* g) {
  if (g == nullptr || !g->present) return std::string(what) + ": no series";
  if (g->nonFinite) return std::string(what) + ": NaN or Inf";
  return {};
}

// Counts for one group, or nullopt with the reason when successes or trials have no data.
std::optional<Counts> toCounts(const Group* s, const Group* t, const Group* p, std::string* why) {
  std::string reason = whyNoData("successes", s);
  if (reason.empty()) reason = whyNoData("trials", t);
  if (!reason.empty()) {
    *why = reason;
    return std::nullopt;
  }
  Counts c;
  c.trials = std::max(0.0, t->sum);
  c.successes = std::max(0.0, s->sum);
  if (c.successes > c.trials && c.successes <= c.trials * 1.01 + 1) c.successes = c.trials;
  if (p != nullptr && p->present && !p->nonFinite) c.predictions = p->sum;
  return c;
}

std::string describeQueries(const MetricSpec& m, const std::string& s, const std::string& t,
                            const std::optional<std::string>& p) {
  (void)m;
  std::string out = "successes: " + s + " | trials: " + t;
  if (p) out += " | predictions: " + *p;
  return out;
}

}  // namespace

Escaping queryEscaping(const ProviderSpec& provider) {
  return std::holds_alternative<PrometheusConfig>(provider) ? Escaping::PromQL : Escaping::None;
}

ProviderFactory defaultProviderFactory(ProviderLimits limits) {
  return [limits = std::move(limits)](const MetricSpec& metric, const TemplateVars& vars)
             -> Result<std::shared_ptr<MetricProvider>, ProviderError> {
    if (const auto* prom = std::get_if<PrometheusConfig>(&metric.provider)) {
      PrometheusConfig cfg = *prom;
      cfg.limits = limits;
      return std::shared_ptr<MetricProvider>(std::make_shared<PrometheusProvider>(std::move(cfg)));
    }
    WebConfig cfg = std::get<WebTemplate>(metric.provider).config;
    cfg.limits = limits;
    auto url = renderTemplate(cfg.url, vars, Escaping::Url);
    if (!url.ok()) return ProviderError{ProviderError::Kind::InvalidConfig, "web url: " + url.error().message, ""};
    cfg.url = *url;
    auto body = renderTemplate(cfg.body, vars, Escaping::Json);
    if (!body.ok()) return ProviderError{ProviderError::Kind::InvalidConfig, "web body: " + body.error().message, ""};
    cfg.body = *body;
    for (auto& [name, value] : cfg.headers) {
      auto v = renderTemplate(value, vars, Escaping::None);
      if (!v.ok()) {
        return ProviderError{ProviderError::Kind::InvalidConfig, "web header " + name + ": " + v.error().message, ""};
      }
      value = *v;
      std::erase_if(value, [](char c) { return c == '\r' || c == '\n'; });
    }
    return std::shared_ptr<MetricProvider>(std::make_shared<WebProvider>(std::move(cfg)));
  };
}

GroupedCounts groupCounts(const QueryResult& successes, const QueryResult& trials,
                          const std::optional<QueryResult>& predictions, const std::string& segmentLabel) {
  const Grouped s = group(successes, segmentLabel);
  const Grouped t = group(trials, segmentLabel);
  const std::optional<Grouped> p = predictions ? std::optional(group(*predictions, segmentLabel)) : std::nullopt;
  GroupedCounts out;
  std::string why;
  if (auto c = toCounts(&s.overall, &t.overall, p ? &p->overall : nullptr, &why)) {
    out.overall = *c;
  } else {
    out.noData.push_back(why);
  }
  // Every segment either query knows about is judged: a segment with trials but no successes series
  // is no data, not zero successes.
  std::vector<std::string> names;
  for (const auto& [k, _] : s.byLabel) names.push_back(k);
  for (const auto& [k, _] : t.byLabel) names.push_back(k);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (const auto& name : names) {
    auto find = [&](const Grouped& g) -> const Group* {
      auto it = g.byLabel.find(name);
      return it == g.byLabel.end() ? nullptr : &it->second;
    };
    if (auto c = toCounts(find(s), find(t), p ? find(*p) : nullptr, &why)) {
      out.segments[name] = *c;
    } else {
      out.segments[name] = Counts{};  // zero trials: inconclusive, never a pass or a fail
      out.noData.push_back("segment " + segmentLabel + "=" + name + ": " + why);
    }
  }
  return out;
}

std::optional<double> thresholdValue(const QueryResult& result, const ThresholdCriteria& criteria) {
  if (result.samples.empty()) return std::nullopt;
  double lo = result.samples.front().value;
  double hi = lo;
  for (const Sample& s : result.samples) {
    if (!s.hasValue()) return std::nullopt;
    lo = std::min(lo, s.value);
    hi = std::max(hi, s.value);
  }
  if (criteria.max && hi > *criteria.max) return hi;
  if (criteria.min && lo < *criteria.min) return lo;
  return criteria.max ? hi : lo;
}

AnalysisRunner::AnalysisRunner(ProviderFactory factory) : factory_(std::move(factory)) {}

Verdict AnalysisRunner::measure(const MetricSpec& metric, const TemplateVars& canary,
                                const std::optional<TemplateVars>& stable, const CancelToken& cancel) const {
  const Escaping esc = queryEscaping(metric.provider);
  auto withArgs = [&](TemplateVars vars) {
    for (const auto& [k, v] : metric.args) vars.args.emplace(k, v);
    return vars;
  };

  if (!metric.isAccuracy()) {
    const TemplateVars vars = withArgs(canary);
    auto q = renderTemplate(metric.query, vars, esc);
    if (!q.ok()) return errorVerdict(metric.name, "query: " + q.error().message);
    auto provider = factory_(metric, vars);
    if (!provider.ok()) return errorVerdict(metric.name, provider.error().message, *q);
    auto result = (*provider)->query(*q, cancel);
    if (!result.ok()) return errorVerdict(metric.name, result.error().message, *q);
    Verdict v = judgeThreshold(metric.name, metric.threshold.value_or(ThresholdCriteria{}),
                               thresholdValue(*result, metric.threshold.value_or(ThresholdCriteria{})));
    v.query = *q;
    if (!result->hasData()) v.reason = "no data (no series, NaN or Inf): " + v.reason;
    return v;
  }

  struct Measured {
    GroupedCounts counts;
    std::string queries;
  };
  // Runs the accuracy queries for one revision; an error verdict on failure.
  auto measureRevision = [&](const TemplateVars& revision) -> Result<Measured, Verdict> {
    const TemplateVars vars = withArgs(revision);
    auto s = renderTemplate(metric.successes, vars, esc);
    if (!s.ok()) return errorVerdict(metric.name, "successes: " + s.error().message);
    auto t = renderTemplate(metric.trials, vars, esc);
    if (!t.ok()) return errorVerdict(metric.name, "trials: " + t.error().message);
    std::optional<std::string> p;
    if (metric.predictions) {
      auto r = renderTemplate(*metric.predictions, vars, esc);
      if (!r.ok()) return errorVerdict(metric.name, "predictions: " + r.error().message);
      p = *r;
    }
    const std::string queries = describeQueries(metric, *s, *t, p);
    auto provider = factory_(metric, vars);
    if (!provider.ok()) return errorVerdict(metric.name, provider.error().message, queries);
    // Together: successes and trials read on either side of a scrape would skew the ratio.
    std::vector<std::string> asked{*s, *t};
    if (p) asked.push_back(*p);
    auto results = (*provider)->queryTogether(asked, cancel);
    if (!results.ok()) {
      const std::string& failed = results.error().query;
      std::string part = "queries";
      if (failed == *s) part = "successes";
      else if (failed == *t) part = "trials";
      else if (p && failed == *p) part = "predictions";
      return errorVerdict(metric.name, vars.track + " " + part + ": " + results.error().message, queries);
    }
    if (results->size() != asked.size()) {
      return errorVerdict(metric.name, vars.track + ": the provider answered the wrong number of queries", queries);
    }
    std::optional<QueryResult> pr;
    if (p) pr = std::move((*results)[2]);
    return Measured{groupCounts((*results)[0], (*results)[1], pr, metric.segments ? metric.segments->by : std::string()),
                    queries};
  };

  auto canaryMeasured = measureRevision(canary);
  if (!canaryMeasured.ok()) return canaryMeasured.error();
  AccuracyObservation obs;
  obs.canary = canaryMeasured->counts.overall;
  if (metric.segments) obs.canarySegments = canaryMeasured->counts.segments;
  std::vector<std::string> notes = canaryMeasured->counts.noData;
  if (stable) {
    auto stableMeasured = measureRevision(*stable);
    if (stableMeasured.ok()) {
      obs.stable = stableMeasured->counts.overall;
      if (metric.segments) obs.stableSegments = stableMeasured->counts.segments;
      for (const auto& n : stableMeasured->counts.noData) {
        if (n.rfind("segment ", 0) != 0) notes.push_back("stable " + n);
      }
    } else if (metric.accuracy->maxDropVsStable || (metric.segments && metric.segments->maxDropVsStable)) {
      Verdict e = stableMeasured.error();
      e.reason = "stable revision: " + e.reason;
      e.query = canaryMeasured->queries;
      return e;
    }
  }
  Verdict v = judgeAccuracy(metric.name, *metric.accuracy, metric.segments, obs);
  v.query = canaryMeasured->queries;
  if (!notes.empty() && v.phase != VerdictPhase::Fail) {
    std::string joined;
    for (const auto& n : notes) joined += (joined.empty() ? "" : "; ") + n;
    v.reason = "no data (" + joined + "): " + v.reason;
  }
  return v;
}

}  // namespace modelops::analysis
