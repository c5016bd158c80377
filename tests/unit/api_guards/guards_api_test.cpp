// spec.analysis.guards through the api module: decode/encode round trip inside a whole spec, unknown
// fields kept, wrong types and every validation rule reported with the field path.
#include <gtest/gtest.h>

#include <algorithm>

#include "modelops/api/codec.h"
#include "modelops/api/guards.h"
#include "modelops/api/validation.h"

namespace modelops::api {
namespace {

using nlohmann::json;

json specWithGuards(const json& guards) {
  json analysis = {{"metrics", json::array({{{"name", "accuracy"},
                                             {"provider", {{"prometheus", {{"address", "http://127.0.0.1:9090"}}}}},
                                             {"successes", "s{revision=\"{{revision}}\"}"},
                                             {"trials", "t"},
                                             {"accuracy", {{"min", 0.9}}}}})},
                   {"guards", guards}};
  return {{"model", {{"name", "fraud"}, {"version", "v2"}}}, {"analysis", analysis}};
}

json fullGuards() {
  return json::parse(R"js({
    "confidence": 0.9, "minSamples": 200, "providerFrom": "accuracy", "args": {"window": "10m"}, "future": 1,
    "classDistribution": {"query": "sum by (class) (p{revision=\"{{revision}}\"})", "classLabel": "label",
                          "maxDistance": 0.1, "classes": 3, "later": "kept"},
    "agreement": {"agreeQuery": "a[{{args.window}}]", "totalQuery": "t", "min": 0.9},
    "errorRate": {"errorsQuery": "e", "totalQuery": "t", "maxIncrease": 0.01},
    "latency": {"slowQuery": "s", "totalQuery": "t", "maxIncrease": 0.02},
    "estimatedAccuracy": {"sumQuery": "p", "countQuery": "c", "maxDropVsStable": 0.02, "rollback": true}})js");
}

bool hasError(const FieldErrors& errs, const std::string& field, const std::string& part = "") {
  return std::any_of(errs.begin(), errs.end(), [&](const FieldError& e) {
    return e.field == field && e.message.find(part) != std::string::npos;
  });
}

TEST(GuardsApi, RoundTripKeepsEveryFieldAndUnknownOnes) {
  auto spec = decodeSpec(specWithGuards(fullGuards()));
  ASSERT_TRUE(spec.ok()) << formatFieldErrors(spec.error());
  ASSERT_TRUE(spec->analysis && spec->analysis->guards);
  const GuardsSpec& g = *spec->analysis->guards;
  EXPECT_EQ(g.confidence, 0.9);
  EXPECT_EQ(g.classDistribution->classLabel, "label");
  EXPECT_EQ(g.latency->eventsQuery, "s");
  EXPECT_EQ(g.errorRate->eventsQuery, "e");
  EXPECT_EQ(g.estimatedAccuracy->rollback, true);
  EXPECT_EQ(g.extra, json({{"future", 1}}));
  EXPECT_EQ(encodeGuards(g), fullGuards());
  EXPECT_EQ(guardNames(g), (std::vector<std::string>{"guard:classDistribution", "guard:agreement", "guard:errorRate",
                                                     "guard:latency", "guard:estimatedAccuracy"}));
  auto policies = guardPolicies(g);
  EXPECT_TRUE(policies.back().failureFailsAnalysis);  // rollback: true
}

TEST(GuardsApi, EstimatedAccuracyIsAnEarlyWarningByDefault) {
  GuardsSpec g;
  g.estimatedAccuracy = EstimatedAccuracyGuard{};
  g.errorRate = ErrorRateGuard{};
  auto policies = guardPolicies(g);
  ASSERT_EQ(policies.size(), 2u);
  EXPECT_TRUE(policies[0].failureFailsAnalysis);
  EXPECT_FALSE(policies[1].failureFailsAnalysis);
}

TEST(GuardsApi, WrongTypesNameTheField) {
  auto spec = decodeSpec(specWithGuards(json::parse(R"({"confidence": "high", "agreement": {"min": "x"}})")));
  ASSERT_FALSE(spec.ok());
  EXPECT_TRUE(hasError(spec.error(), "spec.analysis.guards.confidence", "must be number")) << formatFieldErrors(spec.error());
  EXPECT_TRUE(hasError(spec.error(), "spec.analysis.guards.agreement.min", "must be number"))
      << formatFieldErrors(spec.error());
}

FieldErrors validateGuardsJson(const json& guards) {
  auto md = decodeModelDeployment({{"apiVersion", "modelops.dev/v1alpha1"},
                                  {"kind", "ModelDeployment"},
                                  {"metadata", {{"name", "fraud"}, {"namespace", "default"}}},
                                  {"spec", specWithGuards(guards)}});
  EXPECT_TRUE(md.ok());
  return md.ok() ? validate(*md) : FieldErrors{};
}

TEST(GuardsApi, ValidSpecHasNoErrors) {
  FieldErrors errs = validateGuardsJson(fullGuards());
  // The minimal spec lacks a pod template; only the analysis matters here.
  std::erase_if(errs, [](const FieldError& e) { return e.field.rfind("spec.analysis", 0) != 0; });
  EXPECT_TRUE(errs.empty()) << formatFieldErrors(errs);
}

TEST(GuardsApi, ValidationNamesEachField) {
  const auto errs = validateGuardsJson(json::parse(R"({
    "confidence": 1, "minSamples": 0, "providerFrom": "nope",
    "classDistribution": {"query": "{{bogus}}", "maxDistance": 0, "classes": 1, "classLabel": "9x"},
    "agreement": {"totalQuery": "t", "min": 1.5},
    "errorRate": {"errorsQuery": "e", "totalQuery": "{{args.missing}}"},
    "latency": {"slowQuery": "", "totalQuery": "t", "maxIncrease": -1},
    "estimatedAccuracy": {"sumQuery": "s", "countQuery": "c"}})"));
  const std::string p = "spec.analysis.guards";
  EXPECT_TRUE(hasError(errs, p + ".confidence")) << formatFieldErrors(errs);
  EXPECT_TRUE(hasError(errs, p + ".minSamples"));
  EXPECT_TRUE(hasError(errs, p + ".providerFrom", "nope"));
  EXPECT_TRUE(hasError(errs, p + ".classDistribution.query", "bogus"));
  EXPECT_TRUE(hasError(errs, p + ".classDistribution.maxDistance"));
  EXPECT_TRUE(hasError(errs, p + ".classDistribution.classes"));
  EXPECT_TRUE(hasError(errs, p + ".classDistribution.classLabel"));
  EXPECT_TRUE(hasError(errs, p + ".agreement.agreeQuery", "required"));
  EXPECT_TRUE(hasError(errs, p + ".agreement.min"));
  EXPECT_TRUE(hasError(errs, p + ".errorRate.totalQuery", "missing"));
  EXPECT_TRUE(hasError(errs, p + ".errorRate.maxIncrease", "required"));
  EXPECT_TRUE(hasError(errs, p + ".latency.slowQuery", "required"));
  EXPECT_TRUE(hasError(errs, p + ".latency.maxIncrease"));
  EXPECT_TRUE(hasError(errs, p + ".estimatedAccuracy.maxDropVsStable", "required"));
}

TEST(GuardsApi, EmptyGuardsBlockIsAnError) {
  EXPECT_TRUE(hasError(validateGuardsJson(json::object()), "spec.analysis.guards", "at least one guard"));
}

}  // namespace
}  // namespace modelops::api
