// Tests of the pure route edits: only the managed rule's backends change, the rest of the user's
// object is untouched, edits are idempotent, and impossible requests are errors naming the object.
#include <gtest/gtest.h>

#include "modelops/traffic/router.h"

namespace modelops::traffic {
namespace {

rollout::DesiredTraffic split(std::int64_t canary) {
  rollout::DesiredTraffic t;
  t.backends = {{"fraud-stable", "stable", 100 - canary, {}}, {"fraud-canary", "canary", canary, {}}};
  return t;
}

Json httpRoute() {
  return Json::parse(R"({
    "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
    "metadata": {"name": "fraud", "namespace": "ml", "resourceVersion": "7"},
    "spec": {
      "parentRefs": [{"name": "gw"}], "hostnames": ["fraud.example"],
      "rules": [
        {"matches": [{"path": {"type": "PathPrefix", "value": "/admin"}}], "backendRefs": [{"name": "admin", "port": 9000}]},
        {"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
         "filters": [{"type": "RequestHeaderModifier"}],
         "backendRefs": [{"name": "fraud-stable", "port": 80, "weight": 100, "filters": [{"type": "X"}]}]}
      ]}})");
}

TEST(HttpRoute, SetsOnlyTheManagedRulesBackends) {
  api::GatewayApiRouting routing;
  routing.ruleIndex = 1;
  auto out = setHttpRouteBackends(httpRoute(), routing, split(10), 80);
  ASSERT_TRUE(out) << out.error().message;
  auto expected = httpRoute();
  expected["spec"]["rules"][1]["backendRefs"] = Json::parse(R"([
    {"name": "fraud-stable", "port": 80, "weight": 90, "filters": [{"type": "X"}]},
    {"name": "fraud-canary", "port": 80, "weight": 10}])");
  EXPECT_EQ(*out, expected);
  // Idempotent: editing the result again changes nothing (so the router skips the write).
  auto again = setHttpRouteBackends(*out, routing, split(10), 80);
  EXPECT_EQ(*again, *out);
  auto read = readHttpRouteBackends(*out, routing);
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[1].service, "fraud-canary");
  EXPECT_EQ(read[1].weight, 10);
}

TEST(HttpRoute, FindsTheRuleByPortOrDefaultsToTheFirst) {
  api::GatewayApiRouting byPort;
  byPort.port = 9000;
  auto out = setHttpRouteBackends(httpRoute(), byPort, split(50), 9000);
  ASSERT_TRUE(out);
  // "admin" is not ours: it keeps its place and its (default) weight 1; ours share the 99 it leaves.
  EXPECT_EQ((*out)["spec"]["rules"][0]["backendRefs"], Json::parse(R"([{"name": "admin", "port": 9000},
    {"name": "fraud-stable", "port": 9000, "weight": 50}, {"name": "fraud-canary", "port": 9000, "weight": 49}])"));
  EXPECT_EQ((*out)["spec"]["rules"][1], httpRoute()["spec"]["rules"][1]);
  api::GatewayApiRouting first;
  auto out0 = setHttpRouteBackends(httpRoute(), first, split(0), 80);
  ASSERT_TRUE(out0);
  EXPECT_EQ((*out0)["spec"]["rules"][0]["backendRefs"][0]["name"], "admin");
  EXPECT_EQ((*out0)["spec"]["rules"][0]["backendRefs"][1]["name"], "fraud-stable");
  EXPECT_EQ((*out0)["spec"]["rules"][0]["backendRefs"][1]["weight"], 99);
}

TEST(HttpRoute, MissingRuleAndMatchRulesAreErrors) {
  api::GatewayApiRouting routing;
  routing.ruleIndex = 5;
  auto out = setHttpRouteBackends(httpRoute(), routing, split(10), 80);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("HTTPRoute ml/fraud has no rules[5]"), std::string::npos) << out.error().message;
  auto withMatch = split(10);
  api::MatchRule rule;
  rule.header = api::NameValue{"X-Variant", "b", {}};
  withMatch.backends[1].match.push_back(rule);
  EXPECT_FALSE(setHttpRouteBackends(httpRoute(), {}, withMatch, 80));
}

Json virtualService() {
  return Json::parse(R"({
    "apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService",
    "metadata": {"name": "fraud", "namespace": "ml"},
    "spec": {"hosts": ["fraud"], "http": [
      {"name": "primary", "retries": {"attempts": 3},
       "route": [{"destination": {"host": "fraud-stable", "subset": "v1"}, "weight": 100, "headers": {"x": 1}}]},
      {"name": "other", "route": [{"destination": {"host": "legacy"}}]}]}})");
}

TEST(VirtualService, SetsTheNamedRoutesOnly) {
  api::IstioVirtualService routing;
  routing.name = "fraud";
  routing.routes = {"primary"};
  auto out = setVirtualServiceRoutes(virtualService(), routing, split(25), 80);
  ASSERT_TRUE(out) << out.error().message;
  auto expected = virtualService();
  expected["spec"]["http"][0]["route"] = Json::parse(R"([
    {"destination": {"host": "fraud-stable", "port": {"number": 80}}, "weight": 75, "headers": {"x": 1}},
    {"destination": {"host": "fraud-canary", "port": {"number": 80}}, "weight": 25}])");
  EXPECT_EQ(*out, expected);
  EXPECT_EQ(*setVirtualServiceRoutes(*out, routing, split(25), 80), *out);
}

TEST(VirtualService, UnknownRouteNameIsAnError) {
  api::IstioVirtualService routing;
  routing.name = "fraud";
  routing.routes = {"primary", "missing"};
  auto out = setVirtualServiceRoutes(virtualService(), routing, split(25), 80);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("no http route named \"missing\""), std::string::npos);
}

}  // namespace
}  // namespace modelops::traffic
