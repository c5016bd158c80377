// The guard runner (guard_runner.h): queries per guard and revision, counts, and the guard statistics.
// Thread-safety: const methods and pure functions.
#include "modelops/analysis/guard_runner.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace modelops::analysis {
namespace {

constexpr double kNoData = std::numeric_limits<double>::quiet_NaN();
constexpr double kDefaultGuardConfidence = 0.95;
constexpr double kDefaultGuardMinSamples = 100;

// The sum of every series; no series or any NaN/Inf series: no data (NaN, never zero).
double sumOf(const QueryResult& r) {
  if (r.samples.empty()) return kNoData;
  double total = 0;
  for (const auto& s : r.samples) {
    if (!s.hasValue()) return kNoData;
    total += s.value;
  }
  return total;
}

// Rendered queries of one revision asked together; an Error verdict (for `guard`) on failure.
struct Asked {
  std::vector<QueryResult> results;
  std::string queries;  // "; "-joined, for evidence
};

class GuardQueries {
 public:
  GuardQueries(const ProviderFactory& factory, const MetricSpec& provider, const api::GuardsSpec& spec,
               const CancelToken& cancel)
      : factory_(factory), provider_(provider), spec_(spec), cancel_(cancel) {}

  Result<Asked, Verdict> ask(const std::string& guard, const std::vector<std::string>& templates,
                             const TemplateVars& revision) const {
    TemplateVars vars = revision;
    vars.args = spec_.args;  // the guards' own args, not the providerFrom metric's
    const Escaping esc = queryEscaping(provider_.provider);
    Asked out;
    std::vector<std::string> rendered;
    for (const auto& t : templates) {
      auto q = renderTemplate(t, vars, esc);
      if (!q.ok()) return errorVerdict(guard, vars.track + " query: " + q.error().message);
      rendered.push_back(*q);
      out.queries += (out.queries.empty() ? "" : "; ") + *q;
    }
    auto provider = factory_(provider_, vars);
    if (!provider.ok()) return errorVerdict(guard, provider.error().message, out.queries);
    auto results = (*provider)->queryTogether(rendered, cancel_);
    if (!results.ok()) return errorVerdict(guard, vars.track + ": " + results.error().message, out.queries);
    if (results->size() != rendered.size())
      return errorVerdict(guard, vars.track + ": the provider answered the wrong number of queries", out.queries);
    out.results = std::move(*results);
    return out;
  }

 private:
  const ProviderFactory& factory_;
  const MetricSpec& provider_;
  const api::GuardsSpec& spec_;
  const CancelToken& cancel_;
};

Verdict notApplicable(const std::string& guard) {
  Verdict v;
  v.metric = guard;
  v.phase = VerdictPhase::Pass;
  v.reason = "not applicable: no stable revision to compare with";
  return v;
}

GuardCommon commonOf(const GuardPlan& plan) { return {plan.alphaEach, plan.minSamples}; }

// Predictions per class: series summed by the class label's value.
struct ClassCounts {
  std::map<std::string, double> byClass;
  int unlabelled = 0;
};
ClassCounts classCounts(const QueryResult& r, const std::string& label) {
  ClassCounts out;
  for (const auto& s : r.samples) {
    auto it = s.labels.find(label);
    if (it == s.labels.end()) {
      ++out.unlabelled;
      continue;
    }
    out.byClass[it->second] += s.hasValue() ? s.value : kNoData;
  }
  return out;
}

Verdict measureClassDistribution(const GuardPlan& plan, const GuardQueries& q, const TemplateVars& canary,
                                 const TemplateVars& stable) {
  const auto& g = *plan.spec.classDistribution;
  const std::string label = g.classLabel.value_or("class");
  auto c = q.ask(kGuardClassDistribution, {g.query.value_or("")}, canary);
  if (!c.ok()) return c.error();
  auto s = q.ask(kGuardClassDistribution, {g.query.value_or("")}, stable);
  if (!s.ok()) return s.error();
  ClassDistributionCriteria criteria{commonOf(plan), g.maxDistance.value_or(0.1), static_cast<int>(g.classes.value_or(0))};
  const ClassCounts cc = classCounts(c->results[0], label), sc = classCounts(s->results[0], label);
  Verdict v = judgeClassDistribution(criteria, cc.byClass, sc.byClass);
  v.query = c->queries;
  if (cc.unlabelled + sc.unlabelled > 0)
    v.reason += "; " + std::to_string(cc.unlabelled + sc.unlabelled) + " series without the label " + label + " ignored";
  return v;
}

Verdict measureAgreement(const GuardPlan& plan, const GuardQueries& q, const TemplateVars& canary) {
  const auto& g = *plan.spec.agreement;
  auto c = q.ask(kGuardAgreement, {g.agreeQuery.value_or(""), g.totalQuery.value_or("")}, canary);
  if (!c.ok()) return c.error();
  Verdict v = judgeAgreement({commonOf(plan), g.min.value_or(0)}, sumOf(c->results[0]), sumOf(c->results[1]));
  v.query = c->queries;
  return v;
}

template <api::RateGuardKind Kind>
Verdict measureRate(const GuardPlan& plan, const GuardQueries& q, const char* guard, const std::string& what,
                    const api::RateIncreaseGuardOf<Kind>& g, const TemplateVars& canary, const TemplateVars& stable) {
  const std::vector<std::string> templates{g.eventsQuery.value_or(""), g.totalQuery.value_or("")};
  auto c = q.ask(guard, templates, canary);
  if (!c.ok()) return c.error();
  auto s = q.ask(guard, templates, stable);
  if (!s.ok()) return s.error();
  Verdict v = judgeRateIncrease(guard, what, {commonOf(plan), g.maxIncrease.value_or(0)},
                                {sumOf(c->results[0]), sumOf(c->results[1])},
                                EventCounts{sumOf(s->results[0]), sumOf(s->results[1])});
  v.query = c->queries;
  return v;
}

Verdict measureEstimate(const GuardPlan& plan, const GuardQueries& q, const TemplateVars& canary,
                        const TemplateVars& stable) {
  const auto& g = *plan.spec.estimatedAccuracy;
  const std::vector<std::string> templates{g.sumQuery.value_or(""), g.countQuery.value_or("")};
  auto c = q.ask(kGuardEstimatedAccuracy, templates, canary);
  if (!c.ok()) return c.error();
  auto s = q.ask(kGuardEstimatedAccuracy, templates, stable);
  if (!s.ok()) return s.error();
  Verdict v = judgeEstimatedAccuracy({commonOf(plan), g.maxDropVsStable.value_or(0)},
                                     {sumOf(c->results[0]), sumOf(c->results[1])},
                                     ProbabilityCounts{sumOf(s->results[0]), sumOf(s->results[1])});
  v.query = c->queries;
  return v;
}

}  // namespace

GuardPlan planGuards(const api::GuardsSpec& guards, const std::vector<api::Metric>& metrics) {
  GuardPlan plan;
  plan.spec = guards;
  const api::Metric* accuracy = nullptr;
  for (const auto& m : metrics)
    if (m.isAccuracy() && !accuracy) accuracy = &m;
  std::optional<double> metricConfidence;
  if (accuracy && accuracy->accuracy) metricConfidence = accuracy->accuracy->confidence;
  plan.confidence = guards.confidence.value_or(metricConfidence.value_or(kDefaultGuardConfidence));
  int tests = static_cast<int>(api::guardNames(guards).size());
  if (accuracy) {
    const bool vsStable = accuracy->accuracy && accuracy->accuracy->maxDropVsStable;
    tests += 1 + (vsStable ? 1 : 0) + (accuracy->segments ? 1 : 0);
  }
  plan.alphaEach = (1.0 - plan.confidence) / std::max(tests, 1);
  plan.minSamples = guards.minSamples ? static_cast<double>(*guards.minSamples) : kDefaultGuardMinSamples;
  return plan;
}

Verdict overruleEstimate(Verdict estimate, const std::vector<Verdict>& metricVerdicts,
                         const std::vector<api::Metric>& metrics, const api::GuardsSpec& guards) {
  if (estimate.phase != VerdictPhase::Fail || !guards.estimatedAccuracy ||
      guards.estimatedAccuracy->rollback.value_or(false))
    return estimate;
  for (const auto& v : metricVerdicts) {
    const bool labelled = std::any_of(metrics.begin(), metrics.end(), [&](const api::Metric& m) {
      return m.isAccuracy() && m.name.value_or("") == v.metric;
    });
    if (!labelled || v.phase != VerdictPhase::Pass) continue;
    estimate.phase = VerdictPhase::Pass;
    estimate.reason = "overruled by labels (" + v.metric + " passed): " + estimate.reason;
    return estimate;
  }
  return estimate;
}

std::vector<Verdict> GuardRunner::measure(const GuardPlan& plan, const MetricSpec& provider,
                                          const TemplateVars& canary, const std::optional<TemplateVars>& stable,
                                          const CancelToken& cancel) const {
  const GuardQueries q(factory_, provider, plan.spec, cancel);
  const auto& g = plan.spec;
  std::vector<Verdict> out;
  if (g.classDistribution)
    out.push_back(stable ? measureClassDistribution(plan, q, canary, *stable) : notApplicable(kGuardClassDistribution));
  if (g.agreement) out.push_back(measureAgreement(plan, q, canary));
  if (g.errorRate)
    out.push_back(stable ? measureRate(plan, q, kGuardErrorRate, "error rate", *g.errorRate, canary, *stable)
                         : notApplicable(kGuardErrorRate));
  if (g.latency)
    out.push_back(stable ? measureRate(plan, q, kGuardLatency, "slow-request rate", *g.latency, canary, *stable)
                         : notApplicable(kGuardLatency));
  if (g.estimatedAccuracy)
    out.push_back(stable ? measureEstimate(plan, q, canary, *stable) : notApplicable(kGuardEstimatedAccuracy));
  return out;
}

}  // namespace modelops::analysis
