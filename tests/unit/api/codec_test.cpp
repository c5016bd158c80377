// unit.api: JSON <-> ModelDeployment spec: decoded values, exact round trip, unknown fields kept, type
// errors reported with paths (all of them), never an exception, parseModelDeployment.
// Thread-safety: single-threaded tests.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixtures.h"
#include "modelops/api/codec.h"

namespace modelops::api {
namespace {

using nlohmann::json;
using testing::exampleAbTest;
using testing::exampleCanary;
using namespace std::chrono_literals;

TEST(Codec, DecodesTheDesignExample) {
  auto md = decodeModelDeployment(exampleCanary());
  ASSERT_TRUE(md.ok()) << formatFieldErrors(md.error());
  EXPECT_EQ(md->name(), "fraud-detector");
  EXPECT_EQ(md->namespace_(), "ml");
  EXPECT_EQ(md->generation(), 7);
  EXPECT_EQ(md->uid(), "u-1");
  EXPECT_EQ(md->resourceVersion(), "42");
  EXPECT_EQ(md->annotation("team"), "risk");
  EXPECT_EQ(md->annotation("absent"), std::nullopt);
  const ModelDeploymentSpec& s = md->spec;
  EXPECT_EQ(s.replicas, 4);
  EXPECT_EQ(s.model.version, "2.4.0");
  EXPECT_EQ(s.model.uri, "s3://models/fraud/2.4.0");
  ASSERT_TRUE(s.template_);
  EXPECT_EQ((*s.template_)["spec"]["containers"][0]["image"], "registry.example/model-server:1.3");
  ASSERT_TRUE(s.service && s.service->targetPort);
  EXPECT_FALSE(s.service->targetPort->isInt());
  EXPECT_EQ(s.service->targetPort->stringValue(), "http");
  ASSERT_TRUE(s.strategy && s.strategy->canary);
  const auto& steps = s.strategy->canary->steps;
  ASSERT_EQ(steps.size(), 5u);
  EXPECT_EQ(steps[0].setWeight, 10);
  ASSERT_TRUE(steps[1].pause && steps[1].pause->duration);
  EXPECT_EQ(steps[1].pause->duration->text, "2m");
  EXPECT_EQ(steps[1].pause->duration->value, std::chrono::milliseconds(120s));
  EXPECT_TRUE(steps[2].analysis.has_value());
  EXPECT_EQ(steps[3].setWeight, 50);
  ASSERT_TRUE(steps[4].pause);
  EXPECT_FALSE(steps[4].pause->duration.has_value());
  ASSERT_TRUE(s.strategy->canary->trafficRouting && s.strategy->canary->trafficRouting->gatewayAPI);
  EXPECT_EQ(s.strategy->canary->trafficRouting->gatewayAPI->httpRoute, "fraud-detector");
  ASSERT_TRUE(s.analysis);
  EXPECT_EQ(s.analysis->interval->get(), std::chrono::milliseconds(30s));
  ASSERT_EQ(s.analysis->metrics.size(), 3u);
  const Metric& acc = s.analysis->metrics[0];
  EXPECT_TRUE(acc.isAccuracy());
  EXPECT_EQ(acc.accuracy->min, 0.92);
  EXPECT_EQ(acc.accuracy->minSamples, 500);
  EXPECT_EQ(acc.accuracy->maxDropVsStable, 0.02);
  EXPECT_EQ(acc.segments->by, "segment");
  EXPECT_EQ(acc.provider->prometheus->address, "http://prometheus.monitoring:9090");
  const Metric& latency = s.analysis->metrics[1];
  EXPECT_FALSE(latency.isAccuracy());
  EXPECT_EQ(latency.threshold->max, 0.25);
  EXPECT_FALSE(latency.threshold->min.has_value());
  EXPECT_EQ(s.analysis->metrics[2].provider->web->url,
            "http://labels.ml.svc/accuracy?model={{model}}&version={{version}}");
  EXPECT_EQ(s.monitoring->enabled, true);
  EXPECT_EQ(s.rollback->automatic, true);
  EXPECT_EQ(s.progressDeadlineSeconds, 600);
  EXPECT_EQ(s.paused, false);
}

TEST(Codec, DecodesTheAbTestExample) {
  auto md = decodeModelDeployment(exampleAbTest());
  ASSERT_TRUE(md.ok()) << formatFieldErrors(md.error());
  const auto& ab = *md->spec.strategy->abTest;
  ASSERT_EQ(ab.variants.size(), 2u);
  EXPECT_EQ(ab.variants[0].name, "control");
  EXPECT_FALSE(ab.variants[0].model.has_value());
  EXPECT_EQ(ab.variants[1].model->version, "2.5.0-rc1");
  ASSERT_EQ(ab.variants[1].match.size(), 1u);
  EXPECT_EQ(ab.variants[1].match[0].header->name, "X-Model-Variant");
  EXPECT_EQ(ab.trafficRouting->istio->virtualService->routes, std::vector<std::string>{"primary"});
  EXPECT_EQ(ab.duration->get(), std::chrono::milliseconds(24h));
  EXPECT_EQ(ab.winnerSelection, "Auto");
}

TEST(Codec, RoundTripIsExact) {
  for (const json& doc : {exampleCanary(), exampleAbTest()}) {
    auto md = decodeModelDeployment(doc);
    ASSERT_TRUE(md.ok()) << formatFieldErrors(md.error());
    EXPECT_EQ(encodeModelDeployment(*md), doc);
    // And a second pass is stable.
    auto again = decodeModelDeployment(encodeModelDeployment(*md));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *md);
  }
}

TEST(Codec, DurationTextIsKeptAsWritten) {
  json doc = exampleCanary();
  doc["spec"]["analysis"]["interval"] = "90s";  // formatDuration would write "1m30s"
  doc["spec"]["strategy"]["canary"]["steps"][1]["pause"]["duration"] = "1h0m";
  auto md = decodeModelDeployment(doc);
  ASSERT_TRUE(md.ok());
  EXPECT_EQ(md->spec.analysis->interval->get(), std::chrono::milliseconds(90s));
  EXPECT_EQ(encodeModelDeployment(*md), doc);
}

TEST(Codec, TargetPortIntOrString) {
  json doc = exampleCanary();
  doc["spec"]["service"]["targetPort"] = 8080;
  auto md = decodeModelDeployment(doc);
  ASSERT_TRUE(md.ok());
  EXPECT_TRUE(md->spec.service->targetPort->isInt());
  EXPECT_EQ(md->spec.service->targetPort->intValue(), 8080);
  EXPECT_EQ(encodeModelDeployment(*md), doc);
}

// Unknown members anywhere in spec are kept and written back.
TEST(Codec, UnknownFieldsArePreservedEverywhere) {
  const std::vector<std::string> pointers = {
      "/futureTopLevel",
      "/spec/futureField",
      "/spec/model/format",
      "/spec/service/sessionAffinity",
      "/spec/strategy/futureStrategy",
      "/spec/strategy/canary/maxSurge",
      "/spec/strategy/canary/steps/0/note",
      "/spec/strategy/canary/steps/1/pause/reason",
      "/spec/strategy/canary/steps/2/analysis/templates",
      "/spec/strategy/canary/trafficRouting/gatewayAPI/sectionName",
      "/spec/strategy/canary/trafficRouting/smi",
      "/spec/analysis/futureField",
      "/spec/analysis/metrics/0/weight",
      "/spec/analysis/metrics/0/provider/prometheus/futureField",
      "/spec/analysis/metrics/0/accuracy/method",
      "/spec/analysis/metrics/0/segments/exclude",
      "/spec/analysis/metrics/1/threshold/unit",
      "/spec/analysis/metrics/2/provider/web/futureField",
      "/spec/monitoring/futureField",
      "/spec/rollback/futureField",
      "/spec/template/metadata/labels/extra",  // the pod template is verbatim
  };
  for (const auto& ptr : pointers) {
    SCOPED_TRACE(ptr);
    json doc = exampleCanary();
    doc[json::json_pointer(ptr)] = {{"kept", true}, {"n", 3}};
    auto md = decodeModelDeployment(doc);
    ASSERT_TRUE(md.ok()) << formatFieldErrors(md.error());
    EXPECT_EQ(encodeModelDeployment(*md), doc);
  }
}

TEST(Codec, UnknownFieldLandsInExtraAndKnownFieldWinsOnEncode) {
  json doc = exampleCanary();
  doc["spec"]["model"]["format"] = "onnx";
  auto md = decodeModelDeployment(doc);
  ASSERT_TRUE(md.ok());
  EXPECT_EQ(md->spec.model.extra, json({{"format", "onnx"}}));
  md->spec.model.version = "2.5.0";
  md->spec.model.extra["version"] = "stale";  // a clash: the typed field is the truth
  json out = encodeModelDeployment(*md);
  EXPECT_EQ(out["spec"]["model"]["version"], "2.5.0");
  EXPECT_EQ(out["spec"]["model"]["format"], "onnx");
}

TEST(Codec, AbsentFieldsStayAbsentAndNullIsAbsent) {
  json doc = {{"apiVersion", "modelops.dev/v1alpha1"},
              {"kind", "ModelDeployment"},
              {"metadata", {{"name", "m"}}},
              {"spec", {{"model", {{"version", "1"}}}, {"replicas", nullptr}}}};
  auto md = decodeModelDeployment(doc);
  ASSERT_TRUE(md.ok()) << formatFieldErrors(md.error());
  EXPECT_FALSE(md->spec.replicas.has_value());
  EXPECT_FALSE(md->spec.strategy.has_value());
  EXPECT_FALSE(md->spec.analysis.has_value());
  EXPECT_EQ(encodeModelDeployment(*md), doc);  // the null is reproduced, nothing is added
}

struct TypeErrorCase {
  const char* pointer;
  json value;
  const char* field;
  const char* message;
};

TEST(Codec, WrongTypesAreFieldErrorsWithPaths) {
  const std::vector<TypeErrorCase> cases = {
      {"/spec/replicas", "4", "spec.replicas", "must be integer, got string"},
      {"/spec/replicas", 4.5, "spec.replicas", "must be integer, got number"},
      {"/spec/model", "fraud", "spec.model", "must be object, got string"},
      {"/spec/model/version", 2.4, "spec.model.version", "must be string, got number"},
      {"/spec/template", json::array(), "spec.template", "must be object, got array"},
      {"/spec/service/targetPort", true, "spec.service.targetPort", "must be integer or string, got boolean"},
      {"/spec/strategy/canary/steps", json::object(), "spec.strategy.canary.steps", "must be array, got object"},
      {"/spec/strategy/canary/steps/2", 5, "spec.strategy.canary.steps[2]", "must be object, got integer"},
      {"/spec/strategy/canary/steps/0/setWeight", "10", "spec.strategy.canary.steps[0].setWeight",
       "must be integer, got string"},
      {"/spec/strategy/canary/steps/1/pause/duration", 120, "spec.strategy.canary.steps[1].pause.duration",
       "must be a duration string such as \"30s\", got integer"},
      {"/spec/strategy/canary/trafficRouting/istio", json::parse(R"({"virtualService": {"routes": ["a", 3]}})"),
       "spec.strategy.canary.trafficRouting.istio.virtualService.routes[1]", "must be string, got integer"},
      {"/spec/analysis/metrics/0/args", {{"window", 10}}, "spec.analysis.metrics[0].args.window",
       "must be string, got integer"},
      {"/spec/analysis/metrics/0/accuracy/min", "high", "spec.analysis.metrics[0].accuracy.min",
       "must be number, got string"},
      {"/spec/analysis/metrics/0/provider/prometheus/headers", json::parse(R"([{"name": 1}])"),
       "spec.analysis.metrics[0].provider.prometheus.headers[0].name", "must be string, got integer"},
      {"/spec/analysis/metrics/1/threshold", 0.25, "spec.analysis.metrics[1].threshold", "must be object, got number"},
      {"/spec/monitoring/enabled", "yes", "spec.monitoring.enabled", "must be boolean, got string"},
      {"/spec/paused", "false", "spec.paused", "must be boolean, got string"},
      {"/spec", json::array(), "spec", "must be object, got array"},
      {"/metadata", "m", "metadata", "must be object, got string"},
      {"/kind", 1, "kind", "must be string, got integer"},
      {"/spec/replicas", 18446744073709551615ULL, "spec.replicas", "must be integer, got integer out of range"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.pointer);
    json doc = exampleCanary();
    doc[json::json_pointer(c.pointer)] = c.value;
    auto md = decodeModelDeployment(doc);
    ASSERT_FALSE(md.ok());
    ASSERT_EQ(md.error().size(), 1u) << formatFieldErrors(md.error());
    EXPECT_EQ(md.error()[0].field, c.field);
    EXPECT_EQ(md.error()[0].message, c.message);
  }
}

TEST(Codec, ReportsEveryTypeErrorAtOnce) {
  json doc = exampleCanary();
  doc["spec"]["replicas"] = "four";
  doc["spec"]["strategy"]["canary"]["steps"][3]["setWeight"] = "50";
  doc["spec"]["analysis"]["metrics"][2]["accuracy"]["minSamples"] = 2.5;
  doc["spec"]["rollback"]["automatic"] = 1;
  auto md = decodeModelDeployment(doc);
  ASSERT_FALSE(md.ok());
  std::vector<std::string> fields;
  for (const auto& e : md.error()) fields.push_back(e.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"spec.replicas", "spec.strategy.canary.steps[3].setWeight",
                                              "spec.analysis.metrics[2].accuracy.minSamples",
                                              "spec.rollback.automatic"}));
}

TEST(Codec, NeverThrowsOnGarbage) {
  const std::vector<json> inputs = {nullptr, json::array(), "text", 5, true,
                                    {{"spec", {{"strategy", {{"canary", {{"steps", {1, "x", nullptr, {1, 2}}}}}}}}}},
                                    {{"spec", {{"analysis", {{"metrics", {{{"provider", {{"web", 3}}}}}}}}}}},
                                    {{"status", {{"analysis", {{"runs", "x"}}}}}},
                                    {{"spec", {{"replicas", 18446744073709551615ULL}}}}};
  for (const auto& in : inputs) {
    SCOPED_TRACE(in.dump());
    EXPECT_NO_THROW({
      auto md = decodeModelDeployment(in);
      if (!in.is_object()) {
        EXPECT_FALSE(md.ok());
      }
      auto parsed = parseModelDeployment(in);
      EXPECT_FALSE(parsed.ok());
    });
  }
  auto root = decodeModelDeployment(json::array());
  ASSERT_FALSE(root.ok());
  EXPECT_EQ(root.error()[0].field, "<root>");
}

TEST(Codec, ParseAppliesDefaultsAndValidates) {
  auto md = parseModelDeployment(exampleCanary());
  ASSERT_TRUE(md.ok()) << formatFieldErrors(md.error());
  EXPECT_EQ(md->spec.analysis->metrics[1].inconclusiveLimit, 10);  // defaulted

  json bad = exampleCanary();
  bad["spec"]["replicas"] = -1;
  bad["spec"]["strategy"]["canary"]["steps"][0]["setWeight"] = 150;
  auto invalid = parseModelDeployment(bad);
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(formatFieldErrors(invalid.error()),
            "spec.replicas: must be >= 0; spec.strategy.canary.steps[0].setWeight: must be between 0 and 100");

  json badType = exampleCanary();
  badType["spec"]["replicas"] = "x";
  badType["spec"]["strategy"]["canary"]["steps"][0]["setWeight"] = 150;  // not reported: decode failed first
  auto typeErr = parseModelDeployment(badType);
  ASSERT_FALSE(typeErr.ok());
  ASSERT_EQ(typeErr.error().size(), 1u);
  EXPECT_EQ(typeErr.error()[0].field, "spec.replicas");
}

TEST(Codec, FormatFieldErrors) {
  EXPECT_EQ(formatFieldErrors({}), "");
  EXPECT_EQ(formatFieldErrors({{"spec.replicas", "must be >= 0"}, {"spec.x", "required"}}),
            "spec.replicas: must be >= 0; spec.x: required");
}

TEST(Codec, DecodeSpecAlone) {
  auto spec = decodeSpec(exampleCanary()["spec"]);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(encodeSpec(*spec), exampleCanary()["spec"]);
  auto bad = decodeSpec(json{{"replicas", "x"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error()[0].field, "spec.replicas");
}

}  // namespace
}  // namespace modelops::api
