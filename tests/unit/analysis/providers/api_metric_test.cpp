// Unit tests of the api::Metric adapter (defaults, both provider kinds, secrets) and of the agreement
// between the renderer's placeholder set and the API validation's (api::checkTemplate).
// Thread-safety: single-threaded tests.
#include <gtest/gtest.h>

#include "modelops/analysis/api_metric.h"
#include "modelops/analysis/query_template.h"
#include "modelops/api/validation.h"

namespace modelops::analysis {
namespace {

api::Metric prometheusAccuracy() {
  api::Metric m;
  m.name = "accuracy";
  m.provider = api::MetricProvider{};
  m.provider->prometheus = api::PrometheusProvider{};
  m.provider->prometheus->address = "https://prom:9090";
  m.provider->prometheus->timeout = api::Duration::parse("30s");
  m.provider->prometheus->headers.push_back(api::NameValue{"X-Scope-OrgID", "ml", api::Json::object()});
  m.successes = "correct{version=\"{{version}}\"}";
  m.trials = "labeled{version=\"{{version}}\"}";
  m.accuracy = api::AccuracyCriteria{};
  m.accuracy->min = 0.92;
  m.accuracy->maxDropVsStable = 0.02;
  m.segments = api::SegmentCriteria{};
  m.segments->by = "region";
  m.segments->min = 0.85;
  return m;
}

TEST(ApiMetric, AccuracyMetricWithDefaultsAndSecrets) {
  ProviderSecrets secrets;
  secrets.bearerToken = "t0k3n";
  secrets.caPem = "-----BEGIN CERTIFICATE-----";
  auto r = metricSpecFromApi(prometheusAccuracy(), secrets);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->name, "accuracy");
  ASSERT_TRUE(r->isAccuracy());
  EXPECT_DOUBLE_EQ(r->accuracy->min, 0.92);
  EXPECT_DOUBLE_EQ(r->accuracy->confidence, 0.95);
  EXPECT_DOUBLE_EQ(r->accuracy->minSamples, 100);
  EXPECT_DOUBLE_EQ(*r->accuracy->maxDropVsStable, 0.02);
  ASSERT_TRUE(r->segments);
  EXPECT_EQ(r->segments->by, "region");
  EXPECT_DOUBLE_EQ(r->segments->min, 0.85);
  EXPECT_DOUBLE_EQ(r->segments->minSamples, 100);  // inherited from accuracy
  const auto& p = std::get<PrometheusConfig>(r->provider);
  EXPECT_EQ(p.address, "https://prom:9090");
  EXPECT_EQ(p.readTimeout, std::chrono::seconds(30));
  EXPECT_EQ(p.connectTimeout, std::chrono::seconds(5));
  EXPECT_EQ(*p.bearerToken, "t0k3n");
  EXPECT_EQ(p.caPem, "-----BEGIN CERTIFICATE-----");
  ASSERT_EQ(p.headers.size(), 1u);
  EXPECT_EQ(p.headers[0].second, "ml");
}

TEST(ApiMetric, WebThresholdMetricTakesJsonPathAsQuery) {
  api::Metric m;
  m.name = "cost";
  m.provider = api::MetricProvider{};
  m.provider->web = api::WebProvider{};
  m.provider->web->url = "http://billing/cost?model={{model}}";
  m.provider->web->jsonPath = "$.cost.perPrediction";
  m.threshold = api::ThresholdCriteria{};
  m.threshold->max = 0.01;
  auto r = metricSpecFromApi(m);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->isAccuracy());
  EXPECT_EQ(r->query, "$.cost.perPrediction");
  EXPECT_DOUBLE_EQ(*r->threshold->max, 0.01);
  const auto& w = std::get<WebTemplate>(r->provider).config;
  EXPECT_EQ(w.method, "GET");
  EXPECT_EQ(w.url, "http://billing/cost?model={{model}}");  // rendered per revision by the runner
  EXPECT_EQ(w.timeout, std::chrono::seconds(10));
}

TEST(ApiMetric, InvalidShapesAreErrors) {
  api::Metric noProvider = prometheusAccuracy();
  noProvider.provider.reset();
  EXPECT_EQ(metricSpecFromApi(noProvider).error().code, "InvalidSpec");
  api::Metric noTrials = prometheusAccuracy();
  noTrials.trials.reset();
  EXPECT_FALSE(metricSpecFromApi(noTrials).ok());
  api::Metric noQuery;
  noQuery.name = "x";
  noQuery.provider = prometheusAccuracy().provider;
  noQuery.threshold = api::ThresholdCriteria{};
  noQuery.threshold->max = 1;
  EXPECT_FALSE(metricSpecFromApi(noQuery).ok());
}

TEST(PlaceholderAgreement, RendererAndApiValidationAcceptTheSameTemplates) {
  for (auto name : api::kTemplatePlaceholders) EXPECT_TRUE(isKnownPlaceholder(name)) << name;
  const std::vector<std::string> args = {"window"};
  for (const char* text : {"{{model}}", "{{ version }}", "{{args.window}}", "{{ args.window }}", "{{args.other}}",
                           "{{segment}}", "{{Model}}", "{{args.}}", "{{\tmodel}}", "{{model", "x}}{{track}}",
                           "{{name}}{{namespace}}{{revision}}{{track}}"}) {
    const bool apiAccepts = api::checkTemplate(text, args).empty();
    const bool rendererAccepts = validateTemplate(text, args).ok();
    EXPECT_EQ(apiAccepts, rendererAccepts) << text;
    TemplateVars vars{"n", "ns", "m", "v", "1", "canary", {{"window", "5m"}}};
    EXPECT_EQ(renderTemplate(text, vars, Escaping::None).ok(), rendererAccepts) << text;
  }
}

}  // namespace
}  // namespace modelops::analysis
