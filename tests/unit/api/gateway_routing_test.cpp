// unit.api: trafficRouting.gateway (api/gateway_routing.h): codec round trip, defaults, and every
// validation rule with its field path, table-driven like validation_test.cpp.
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

json gatewayCanary() {
  json doc = testing::exampleCanary();
  doc["spec"]["strategy"]["canary"]["trafficRouting"] = json::parse(R"J({"gateway": {
    "pathPrefix": "/fraud", "protocol": "OpenInferenceV2",
    "prediction": {"classPath": "$.outputs[0].data", "argmax": true, "task": "Classification", "idField": "prediction_id"},
    "segment": {"header": "X-Region"}, "sticky": {"cookie": "session"}, "shadow": {"percent": 20}}})J");
  return doc;
}

json gatewayAbTest() {
  json doc = testing::exampleAbTest();
  doc["spec"]["strategy"]["abTest"]["trafficRouting"] = json::parse(R"J({"gateway": {"sticky": {"header": "X-User"}}})J");
  return doc;
}

json& gw(json& d) {
  auto& s = d["spec"]["strategy"];
  return (s.contains("canary") ? s["canary"] : s["abTest"])["trafficRouting"]["gateway"];
}

struct GatewayCase {
  const char* name;
  std::function<json()> base;
  std::function<void(json&)> mutate;
  FieldErrors expected;
};

const std::string kCanaryPath = "spec.strategy.canary.trafficRouting.gateway";
const std::string kAbPath = "spec.strategy.abTest.trafficRouting.gateway";

TEST(GatewayRouting, RoundTripsThroughTheCodec) {
  json doc = gatewayCanary();
  auto md = decodeModelDeployment(doc);
  ASSERT_TRUE(md.ok()) << formatFieldErrors(md.error());
  const auto& g = *md->spec.strategy->canary->trafficRouting->gateway;
  EXPECT_EQ(g.pathPrefix, "/fraud");
  EXPECT_EQ(g.protocol, "OpenInferenceV2");
  EXPECT_EQ(g.prediction->classPath, "$.outputs[0].data");
  EXPECT_EQ(g.prediction->argmax, true);
  EXPECT_EQ(g.prediction->idField, "prediction_id");
  EXPECT_EQ(g.segment->header, "X-Region");
  EXPECT_EQ(g.sticky->cookie, "session");
  EXPECT_EQ(g.shadow->percent, 20);
  EXPECT_EQ(encodeModelDeployment(*md), doc);
}

TEST(GatewayRouting, DefaultsFillProtocolAndPrediction) {
  json doc = gatewayAbTest();
  auto md = decodeModelDeployment(doc);
  ASSERT_TRUE(md.ok());
  applyDefaults(*md);
  const auto& g = *md->spec.strategy->abTest->trafficRouting->gateway;
  EXPECT_EQ(g.protocol, "KServeV1");
  ASSERT_TRUE(g.prediction.has_value());
  EXPECT_EQ(g.prediction->task, "Classification");
  EXPECT_EQ(g.prediction->argmax, false);
  EXPECT_FALSE(g.prediction->classPath.has_value());  // the protocol's default path, resolved by the gateway
  EXPECT_FALSE(g.pathPrefix.has_value());
  auto again = *md;
  applyDefaults(again);
  EXPECT_EQ(again, *md);  // idempotent
  // Present values are never overwritten.
  json custom = gatewayCanary();
  auto mc = decodeModelDeployment(custom);
  ASSERT_TRUE(mc.ok());
  applyDefaults(*mc);
  EXPECT_EQ(mc->spec.strategy->canary->trafficRouting->gateway->protocol, "OpenInferenceV2");
  EXPECT_EQ(mc->spec.strategy->canary->trafficRouting->gateway->prediction->argmax, true);
}

TEST(GatewayRouting, ValidationRules) {
  const std::vector<GatewayCase> cases = {
      {"examples are valid", gatewayCanary, [](json&) {}, {}},
      {"A/B example is valid", gatewayAbTest, [](json&) {}, {}},
      {"empty gateway is valid", gatewayCanary, [](json& d) { gw(d) = json::object(); }, {}},
      {"with gatewayAPI", gatewayCanary,
       [](json& d) { d["spec"]["strategy"]["canary"]["trafficRouting"]["gatewayAPI"] = {{"httpRoute", "r"}}; },
       {{"spec.strategy.canary.trafficRouting", "gateway and gatewayAPI are mutually exclusive"}}},
      {"with istio", gatewayAbTest,
       [](json& d) {
         d["spec"]["strategy"]["abTest"]["trafficRouting"]["istio"] = {{"virtualService", {{"name", "v"}, {"routes", {"r"}}}}};
       },
       {{"spec.strategy.abTest.trafficRouting", "gateway and istio are mutually exclusive"}}},
      {"protocol", gatewayCanary, [](json& d) { gw(d)["protocol"] = "Triton"; },
       {{kCanaryPath + ".protocol", "unsupported value \"Triton\": must be one of KServeV1, OpenInferenceV2"}}},
      {"prefix without slash", gatewayCanary, [](json& d) { gw(d)["pathPrefix"] = "fraud"; },
       {{kCanaryPath + ".pathPrefix", "must start with \"/\""}}},
      {"prefix /", gatewayCanary, [](json& d) { gw(d)["pathPrefix"] = "/"; },
       {{kCanaryPath + ".pathPrefix", "must not be \"/\" (it would take every path of the gateway)"}}},
      {"prefix trailing slash", gatewayCanary, [](json& d) { gw(d)["pathPrefix"] = "/fraud/"; },
       {{kCanaryPath + ".pathPrefix", "must not end with \"/\""}}},
      {"prefix empty segment", gatewayCanary, [](json& d) { gw(d)["pathPrefix"] = "/a//b"; },
       {{kCanaryPath + ".pathPrefix", "must not contain an empty segment (\"//\")"}}},
      {"prefix bad character", gatewayCanary, [](json& d) { gw(d)["pathPrefix"] = "/a b"; },
       {{kCanaryPath + ".pathPrefix", "may contain only letters, digits and - . _ ~ : between \"/\" (found ' ')"}}},
      {"prefix query", gatewayCanary, [](json& d) { gw(d)["pathPrefix"] = "/a?b"; },
       {{kCanaryPath + ".pathPrefix", "may contain only letters, digits and - . _ ~ : between \"/\" (found '?')"}}},
      {"prefix dot segment", gatewayCanary, [](json& d) { gw(d)["pathPrefix"] = "/a/../b"; },
       {{kCanaryPath + ".pathPrefix", "must not contain . or .. segments"}}},
      {"prefix under /v1", gatewayCanary, [](json& d) { gw(d)["pathPrefix"] = "/v1/feedback"; },
       {{kCanaryPath + ".pathPrefix", "must not be /v1 or under it, nor above it (reserved by the gateway)"}}},
      {"prefix /v2", gatewayCanary, [](json& d) { gw(d)["pathPrefix"] = "/v2"; },
       {{kCanaryPath + ".pathPrefix", "must not be /v2 or under it, nor above it (reserved by the gateway)"}}},
      {"prefix /metrics", gatewayCanary, [](json& d) { gw(d)["pathPrefix"] = "/metrics/x"; },
       {{kCanaryPath + ".pathPrefix", "must not be /metrics or under it, nor above it (reserved by the gateway)"}}},
      {"prefix /v1x is fine", gatewayCanary, [](json& d) { gw(d)["pathPrefix"] = "/v1x"; }, {}},
      {"prefix too long", gatewayCanary, [](json& d) { gw(d)["pathPrefix"] = "/" + std::string(256, 'a'); },
       {{kCanaryPath + ".pathPrefix", "must be at most 256 characters"}}},
      {"task", gatewayCanary, [](json& d) { gw(d)["prediction"]["task"] = "Ranking"; },
       {{kCanaryPath + ".prediction.task", "unsupported value \"Ranking\": must be one of Classification, Regression"}}},
      {"argmax with regression", gatewayCanary, [](json& d) { gw(d)["prediction"]["task"] = "Regression"; },
       {{kCanaryPath + ".prediction.argmax", "argmax picks a class: only with task Classification"}}},
      {"regression without argmax", gatewayCanary,
       [](json& d) { gw(d)["prediction"] = {{"task", "Regression"}}; }, {}},
      {"classPath", gatewayCanary, [](json& d) { gw(d)["prediction"]["classPath"] = "predictions[0]"; },
       {{kCanaryPath + ".prediction.classPath", "must be a JSONPath starting with \"$\""}}},
      {"idField", gatewayCanary, [](json& d) { gw(d)["prediction"]["idField"] = "a.b"; },
       {{kCanaryPath + ".prediction.idField", "must be a JSON member name (letters, digits, _ and -; 1 to 64 characters)"}}},
      {"segment both", gatewayCanary, [](json& d) { gw(d)["segment"]["jsonPath"] = "$.region"; },
       {{kCanaryPath + ".segment", "must set exactly one of header, jsonPath"}}},
      {"segment none", gatewayCanary, [](json& d) { gw(d)["segment"] = json::object(); },
       {{kCanaryPath + ".segment", "must set exactly one of header, jsonPath"}}},
      {"segment header token", gatewayCanary, [](json& d) { gw(d)["segment"]["header"] = "X Region"; },
       {{kCanaryPath + ".segment.header",
         "must be an HTTP token (letters, digits and !#$%&'*+-.^_`|~; 1 to 256 characters)"}}},
      {"segment jsonPath", gatewayCanary, [](json& d) { gw(d)["segment"] = {{"jsonPath", "region"}}; },
       {{kCanaryPath + ".segment.jsonPath", "must be a JSONPath starting with \"$\""}}},
      {"sticky both", gatewayCanary, [](json& d) { gw(d)["sticky"]["header"] = "X-User"; },
       {{kCanaryPath + ".sticky", "must set exactly one of header, cookie"}}},
      {"sticky cookie token", gatewayCanary, [](json& d) { gw(d)["sticky"]["cookie"] = "a;b"; },
       {{kCanaryPath + ".sticky.cookie",
         "must be an HTTP token (letters, digits and !#$%&'*+-.^_`|~; 1 to 256 characters)"}}},
      {"shadow percent", gatewayCanary, [](json& d) { gw(d)["shadow"]["percent"] = 101; },
       {{kCanaryPath + ".shadow.percent", "must be between 0 and 100"}}},
      {"shadow percent required", gatewayCanary, [](json& d) { gw(d)["shadow"] = json::object(); },
       {{kCanaryPath + ".shadow.percent", "required"}}},
      {"shadow in an A/B test", gatewayAbTest, [](json& d) { gw(d)["shadow"] = {{"percent", 5}}; },
       {{kAbPath + ".shadow", "shadow copies go to a canary: only with strategy.canary"}}},
      {"A/B pins with the gateway are fine", gatewayAbTest,
       [](json& d) { d["spec"]["strategy"]["abTest"]["variants"][0]["match"] = {{{"cookie", {{"name", "v"}, {"value", "c"}}}}}; },
       {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    json doc = c.base();
    c.mutate(doc);
    EXPECT_EQ(formatFieldErrors(testing::validateDoc(doc)), formatFieldErrors(c.expected));
  }
}

TEST(GatewayRouting, WrongJsonTypesAreDecodeErrorsWithPaths) {
  json doc = gatewayCanary();
  gw(doc)["shadow"]["percent"] = "ten";
  gw(doc)["sticky"] = "session";
  auto md = decodeModelDeployment(doc);
  ASSERT_FALSE(md.ok());
  auto text = formatFieldErrors(md.error());
  EXPECT_NE(text.find(kCanaryPath + ".shadow.percent"), std::string::npos) << text;
  EXPECT_NE(text.find(kCanaryPath + ".sticky"), std::string::npos) << text;
}

}  // namespace
}  // namespace modelops::api
