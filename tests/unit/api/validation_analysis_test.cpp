// unit.api: validate() rules of spec.analysis (metric kinds, providers, criteria ranges, limits) and the
// query template placeholders, table-driven on the design example.
// Thread-safety: single-threaded tests.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "fixtures.h"
#include "modelops/api/codec.h"
#include "modelops/api/defaults.h"
#include "modelops/api/validation.h"

namespace modelops::api {
namespace {

using nlohmann::json;

struct AnalysisCase {
  const char* name;
  std::function<void(json&)> mutate;
  FieldErrors expected;
};

void runAnalysisCases(const std::vector<AnalysisCase>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    json doc = testing::exampleCanary();
    c.mutate(doc);
    EXPECT_EQ(formatFieldErrors(testing::validateDoc(doc)), formatFieldErrors(c.expected));
  }
}

json& metric(json& d, int i) { return d["spec"]["analysis"]["metrics"][i]; }
const std::string m0 = "spec.analysis.metrics[0]";
const std::string m1 = "spec.analysis.metrics[1]";
const std::string m2 = "spec.analysis.metrics[2]";

TEST(ValidationAnalysis, AnalysisLevel) {
  runAnalysisCases({
      {"no metrics", [](json& d) { d["spec"]["analysis"]["metrics"] = json::array(); },
       {{"spec.analysis.metrics", "must have at least one metric"}}},
      {"zero interval", [](json& d) { d["spec"]["analysis"]["interval"] = "0s"; },
       {{"spec.analysis.interval", "must be greater than 0"}}},
      {"bad maxDuration", [](json& d) { d["spec"]["analysis"]["maxDuration"] = "forever"; },
       {{"spec.analysis.maxDuration", "invalid duration \"forever\": use Go syntax such as 30s, 2m, 1h30m"}}},
      {"onTimeout enum", [](json& d) { d["spec"]["analysis"]["onTimeout"] = "Retry"; },
       {{"spec.analysis.onTimeout", "unsupported value \"Retry\": must be one of Rollback, Hold, Promote"}}},
      {"duplicate metric names", [](json& d) { metric(d, 2)["name"] = "accuracy"; },
       {{m2 + ".name", "duplicate metric name \"accuracy\""}}},
      {"missing metric name", [](json& d) { metric(d, 1).erase("name"); }, {{m1 + ".name", "required"}}},
  });
}

TEST(ValidationAnalysis, MetricKinds) {
  runAnalysisCases({
      {"both kinds", [](json& d) { metric(d, 0)["query"] = "up"; },
       {{m0, "must be either an accuracy metric (successes, trials, accuracy) or a threshold metric (query, "
             "threshold), not both"}}},
      {"neither kind",
       [](json& d) { metric(d, 1).erase("query"); metric(d, 1).erase("threshold"); },
       {{m1, "must be an accuracy metric (successes, trials, accuracy) or a threshold metric (query, threshold)"}}},
      {"accuracy without trials", [](json& d) { metric(d, 0).erase("trials"); },
       {{m0 + ".trials", "required for an accuracy metric"}}},
      {"accuracy without criteria", [](json& d) { metric(d, 2).erase("accuracy"); },
       {{m2 + ".accuracy", "required for an accuracy metric"}}},
      {"accuracy without min", [](json& d) { metric(d, 2)["accuracy"].erase("min"); },
       {{m2 + ".accuracy.min", "required"}}},
      {"threshold without query", [](json& d) { metric(d, 1).erase("query"); },
       {{m1 + ".query", "required for a threshold metric"}}},
      {"threshold without bounds", [](json& d) { metric(d, 1)["threshold"] = json::object(); },
       {{m1 + ".threshold", "must set min, max or both"}}},
      {"threshold min > max", [](json& d) { metric(d, 1)["threshold"] = {{"min", 2}, {"max", 1}}; },
       {{m1 + ".threshold", "min must be <= max"}}},
      {"threshold without criteria", [](json& d) { metric(d, 1).erase("threshold"); },
       {{m1 + ".threshold", "required for a threshold metric"}}},
      {"web threshold metric may use jsonPath instead of query",
       [](json& d) {
         metric(d, 1) = {{"name", "cost"}, {"provider", {{"web", {{"url", "http://c"}, {"jsonPath", "$.cost"}}}}},
                         {"threshold", {{"max", 3}}}};
       },
       {}},
  });
}

TEST(ValidationAnalysis, CriteriaRanges) {
  runAnalysisCases({
      {"min above 1", [](json& d) { metric(d, 0)["accuracy"]["min"] = 1.2; },
       {{m0 + ".accuracy.min", "must be between 0 and 1"}}},
      {"min below 0", [](json& d) { metric(d, 0)["accuracy"]["min"] = -0.1; },
       {{m0 + ".accuracy.min", "must be between 0 and 1"}}},
      {"min 0 and 1 are fine", [](json& d) { metric(d, 0)["accuracy"]["min"] = 1; metric(d, 2)["accuracy"]["min"] = 0; },
       {}},
      {"confidence 1", [](json& d) { metric(d, 0)["accuracy"]["confidence"] = 1; },
       {{m0 + ".accuracy.confidence", "must be greater than 0 and less than 1"}}},
      {"confidence 0", [](json& d) { metric(d, 0)["accuracy"]["confidence"] = 0; },
       {{m0 + ".accuracy.confidence", "must be greater than 0 and less than 1"}}},
      {"minSamples 0", [](json& d) { metric(d, 0)["accuracy"]["minSamples"] = 0; },
       {{m0 + ".accuracy.minSamples", "must be >= 1"}}},
      {"maxDropVsStable", [](json& d) { metric(d, 0)["accuracy"]["maxDropVsStable"] = 2; },
       {{m0 + ".accuracy.maxDropVsStable", "must be between 0 and 1"}}},
      {"minLabelCoverage without predictions", [](json& d) { metric(d, 0)["accuracy"]["minLabelCoverage"] = 0.1; },
       {{m0 + ".accuracy.minLabelCoverage", "requires predictions"}}},
      {"minLabelCoverage with predictions is fine",
       [](json& d) { metric(d, 0)["accuracy"]["minLabelCoverage"] = 0.1; metric(d, 0)["predictions"] = "sum(p)"; }, {}},
      {"segments without by", [](json& d) { metric(d, 0)["segments"].erase("by"); },
       {{m0 + ".segments.by", "required"}}},
      {"segments min", [](json& d) { metric(d, 0)["segments"]["min"] = 5; },
       {{m0 + ".segments.min", "must be between 0 and 1"}}},
      {"segments confidence", [](json& d) { metric(d, 0)["segments"]["confidence"] = 1.5; },
       {{m0 + ".segments.confidence", "must be greater than 0 and less than 1"}}},
      {"a bad accuracy value is reported once, not again where segments inherit it",
       [](json& d) { metric(d, 0)["segments"] = {{"by", "segment"}}; metric(d, 0)["accuracy"]["min"] = 7; },
       {{m0 + ".accuracy.min", "must be between 0 and 1"}}},
      {"limits", [](json& d) {
         metric(d, 0)["failureLimit"] = -1;
         metric(d, 0)["inconclusiveLimit"] = -1;
         metric(d, 0)["consecutiveErrorLimit"] = 0;
       },
       {{m0 + ".failureLimit", "must be >= 0"},
        {m0 + ".inconclusiveLimit", "must be >= 0"},
        {m0 + ".consecutiveErrorLimit", "must be >= 1"}}},
  });
}

TEST(ValidationAnalysis, Providers) {
  auto prom = [](json& d) -> json& { return metric(d, 0)["provider"]["prometheus"]; };
  auto web = [](json& d) -> json& { return metric(d, 2)["provider"]["web"]; };
  runAnalysisCases({
      {"no provider", [](json& d) { metric(d, 0).erase("provider"); }, {{m0 + ".provider", "required"}}},
      {"empty provider", [](json& d) { metric(d, 0)["provider"] = json::object(); },
       {{m0 + ".provider", "must set exactly one of prometheus, web"}}},
      {"two providers", [](json& d) { metric(d, 0)["provider"]["web"] = {{"url", "http://x"}}; },
       {{m0 + ".provider", "must set exactly one of prometheus, web"}}},
      {"no address", [&](json& d) { prom(d).erase("address"); },
       {{m0 + ".provider.prometheus.address", "required"}}},
      {"address scheme", [&](json& d) { prom(d)["address"] = "prometheus:9090"; },
       {{m0 + ".provider.prometheus.address", "must start with http:// or https://"}}},
      {"zero timeout", [&](json& d) { prom(d)["timeout"] = "0s"; },
       {{m0 + ".provider.prometheus.timeout", "must be greater than 0"}}},
      {"two auth kinds", [&](json& d) {
         prom(d)["auth"] = {{"bearerTokenSecretRef", {{"name", "a"}}}, {"basicAuthSecretRef", {{"name", "b"}}}};
       },
       {{m0 + ".provider.prometheus.auth", "bearerTokenSecretRef and basicAuthSecretRef are mutually exclusive"}}},
      {"secret ref without name", [&](json& d) { prom(d)["tls"] = {{"caSecretRef", {{"key", "ca"}}}}; },
       {{m0 + ".provider.prometheus.tls.caSecretRef.name", "required"}}},
      {"header without name", [&](json& d) { prom(d)["headers"] = json::parse(R"([{"value": "v"}])"); },
       {{m0 + ".provider.prometheus.headers[0].name", "required"}}},
      {"no url", [&](json& d) { web(d).erase("url"); }, {{m2 + ".provider.web.url", "required"}}},
      {"method enum", [&](json& d) { web(d)["method"] = "PUT"; },
       {{m2 + ".provider.web.method", "unsupported value \"PUT\": must be one of GET, POST"}}},
      {"body with GET", [&](json& d) { web(d)["body"] = "{}"; },
       {{m2 + ".provider.web.body", "only allowed with method POST"}}},
      {"body with POST is fine", [&](json& d) { web(d)["body"] = "{\"m\": \"{{model}}\"}"; web(d)["method"] = "POST"; },
       {}},
  });
}

TEST(ValidationAnalysis, QueryTemplatePlaceholders) {
  runAnalysisCases({
      {"unknown placeholder in successes", [](json& d) { metric(d, 0)["successes"] = "sum(x{m=\"{{modle}}\"})"; },
       {{m0 + ".successes", "unknown placeholder {{modle}}: allowed are {{name}} {{namespace}} {{model}} "
                            "{{version}} {{revision}} {{track}}, {{analysis.elapsed}} and {{args.KEY}}"}}},
      {"undeclared arg in query", [](json& d) { metric(d, 1)["query"] = "rate(x[{{args.window}}])"; },
       {{m1 + ".query", "unknown placeholder {{args.window}}: \"window\" is not declared in args"}}},
      {"declared arg is fine",
       [](json& d) { metric(d, 1)["query"] = "rate(x[{{ args.window }}])"; metric(d, 1)["args"] = {{"window", "5m"}}; },
       {}},
      {"all standard placeholders are fine",
       [](json& d) {
         metric(d, 1)["query"] = "x{n=\"{{name}}\",ns=\"{{namespace}}\",m=\"{{model}}\",v=\"{{version}}\","
                                 "r=\"{{revision}}\",t=\"{{track}}\"}";
       },
       {}},
      {"unclosed placeholder in trials", [](json& d) { metric(d, 0)["trials"] = "sum(x{v=\"{{version\"})"; },
       {{m0 + ".trials", "unclosed \"{{\" at offset 9"}}},
      {"unknown placeholder in web url", [](json& d) { metric(d, 2)["provider"]["web"]["url"] = "http://l/{{host}}"; },
       {{m2 + ".provider.web.url", "unknown placeholder {{host}}: allowed are {{name}} {{namespace}} {{model}} "
                                   "{{version}} {{revision}} {{track}}, {{analysis.elapsed}} and {{args.KEY}}"}}},
      {"two problems in one field", [](json& d) { metric(d, 1)["query"] = "{{a}} {{b}}"; },
       {{m1 + ".query", "unknown placeholder {{a}}: allowed are {{name}} {{namespace}} {{model}} {{version}} "
                        "{{revision}} {{track}}, {{analysis.elapsed}} and {{args.KEY}}"},
        {m1 + ".query", "unknown placeholder {{b}}: allowed are {{name}} {{namespace}} {{model}} {{version}} "
                        "{{revision}} {{track}}, {{analysis.elapsed}} and {{args.KEY}}"}}},
      {"bad arg name", [](json& d) { metric(d, 1)["args"] = {{"a b", "x"}}; },
       {{m1 + ".args.a b", "names may use only letters, digits, '_' and '-'"}}},
  });
}

TEST(ValidationAnalysis, CheckTemplateDirectly) {
  EXPECT_TRUE(checkTemplate("no placeholders", {}).empty());
  EXPECT_TRUE(checkTemplate("{{track}}{{args.k}}", {"k"}).empty());
  EXPECT_EQ(checkTemplate("{{args.k}}", {}).size(), 1u);
  EXPECT_EQ(checkTemplate("{{}}", {}).size(), 1u);
  EXPECT_EQ(checkTemplate("a {{ b", {}), std::vector<std::string>{"unclosed \"{{\" at offset 2"});
}

}  // namespace
}  // namespace modelops::api
