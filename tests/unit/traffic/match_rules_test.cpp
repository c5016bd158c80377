// Tests of A/B match rules in the route edits: HTTPRoute rules and VirtualService routes of our own,
// placed before the managed rule/route, carrying the managed conditions AND the header/cookie pin;
// replaced (not duplicated) on every edit, idempotent (also against server-defaulted fields), removed
// when the split no longer pins, and never touching the user's rules/routes or another owner's.
#include <gtest/gtest.h>

#include "modelops/traffic/router.h"

namespace modelops::traffic {
namespace {

api::MatchRule header(const std::string& name, const std::string& value) {
  api::MatchRule r;
  r.header = api::NameValue{name, value, {}};
  return r;
}
api::MatchRule cookie(const std::string& name, const std::string& value) {
  api::MatchRule r;
  r.cookie = api::NameValue{name, value, {}};
  return r;
}

// control 50 / treatment 50, treatment pinned by a header and a cookie.
rollout::DesiredTraffic abSplit(std::int64_t treatmentWeight = 50) {
  rollout::DesiredTraffic t;
  t.owner = "fraud";
  t.backends = {{"fraud-control", "control", 100 - treatmentWeight, {}},
                {"fraud-treatment", "treatment", treatmentWeight,
                 {header("X-Variant", "treatment"), cookie("variant", "b.1")}}};
  return t;
}

Json routeWithPrefixRule() {
  return Json::parse(R"({
    "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
    "metadata": {"name": "fraud", "namespace": "ml"},
    "spec": {"parentRefs": [{"name": "gw"}], "rules": [
      {"matches": [{"path": {"type": "PathPrefix", "value": "/admin"}}], "backendRefs": [{"name": "admin", "port": 9000}]},
      {"matches": [{"path": {"type": "PathPrefix", "value": "/predict"}}],
       "filters": [{"type": "RequestHeaderModifier"}],
       "backendRefs": [{"name": "fraud-stable", "port": 80, "weight": 100}]}]}})");
}

TEST(HttpRouteMatch, AddsOnePinnedRuleBeforeTheManagedRule) {
  api::GatewayApiRouting routing;
  routing.ruleIndex = 1;
  auto out = setHttpRouteBackends(routeWithPrefixRule(), routing, abSplit(), 80);
  ASSERT_TRUE(out) << out.error().message;
  const auto& rules = (*out)["spec"]["rules"];
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0], routeWithPrefixRule()["spec"]["rules"][0]) << "user rules untouched";
  auto expected = Json::parse(R"j({
    "name": "modelops-match-fraud-treatment",
    "filters": [{"type": "RequestHeaderModifier"}],
    "matches": [
      {"path": {"type": "PathPrefix", "value": "/predict"},
       "headers": [{"type": "Exact", "name": "X-Variant", "value": "treatment"}]},
      {"path": {"type": "PathPrefix", "value": "/predict"},
       "headers": [{"type": "RegularExpression", "name": "Cookie", "value": "(^|;\\s*)variant=b\\.1(;|$)"}]}],
    "backendRefs": [{"name": "fraud-treatment", "port": 80, "weight": 1}]})j");
  EXPECT_EQ(rules[1], expected);
  EXPECT_EQ(rules[2]["backendRefs"], Json::parse(R"([
    {"name": "fraud-control", "port": 80, "weight": 50}, {"name": "fraud-treatment", "port": 80, "weight": 50}])"));
  // ruleIndex keeps counting the user's rules: editing again finds the same managed rule, changes nothing.
  auto again = setHttpRouteBackends(*out, routing, abSplit(), 80);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *out);
  auto read = readHttpRouteBackends(*out, routing);
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[1].service, "fraud-treatment");
}

TEST(HttpRouteMatch, ServerDefaultedFieldsDoNotCauseRewrites) {
  api::GatewayApiRouting routing;
  routing.ruleIndex = 1;
  auto out = *setHttpRouteBackends(routeWithPrefixRule(), routing, abSplit(), 80);
  // What the API server stores: defaults filled in our rule.
  out["spec"]["rules"][1]["backendRefs"][0]["group"] = "";
  out["spec"]["rules"][1]["backendRefs"][0]["kind"] = "Service";
  auto again = setHttpRouteBackends(out, routing, abSplit(), 80);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, out);
}

TEST(HttpRouteMatch, ReplacedWhenTheSplitChangesAndRemovedWithoutPins) {
  api::GatewayApiRouting routing;  // rule 0 by default: the /admin rule here, no matches copied from it
  routing.ruleIndex = 1;
  auto out = *setHttpRouteBackends(routeWithPrefixRule(), routing, abSplit(), 80);
  // Another owner's rule and a user rule with one of our Services stay.
  auto other = Json::parse(R"({"name": "modelops-match-other-b", "backendRefs": [{"name": "other-b", "port": 80}]})");
  auto user = Json::parse(R"({"name": "mine", "backendRefs": [{"name": "fraud-treatment", "port": 80}]})");
  out["spec"]["rules"].push_back(other);
  out["spec"]["rules"].push_back(user);
  // The treatment carries nothing (not available): no pin rule.
  auto zero = *setHttpRouteBackends(out, routing, abSplit(0), 80);
  ASSERT_EQ(zero["spec"]["rules"].size(), 4u);
  EXPECT_EQ(zero["spec"]["rules"][1]["backendRefs"][1]["weight"], 0);
  EXPECT_EQ(zero["spec"]["rules"][2], other);
  EXPECT_EQ(zero["spec"]["rules"][3], user);
  // After the test: plain stable/canary split, no pins at all.
  rollout::DesiredTraffic plain;
  plain.owner = "fraud";
  plain.backends = {{"fraud-stable", "stable", 100, {}}, {"fraud-canary", "canary", 0, {}}};
  // The variants are still in status.variants when the split changes (scopeFor): still ours, removed.
  auto scope = scopeOfRoute(out, plain);
  scope.managed.insert({"fraud-control", "fraud-treatment"});
  auto done = *setHttpRouteBackends(out, routing, plain, 80, scope);
  EXPECT_EQ(done["spec"]["rules"][1]["backendRefs"], Json::parse(R"([
    {"name": "fraud-stable", "port": 80, "weight": 100}, {"name": "fraud-canary", "port": 80, "weight": 0}])"));
  for (const auto& r : done["spec"]["rules"])
    EXPECT_NE(r.value("name", ""), "modelops-match-fraud-treatment");
  EXPECT_EQ(done["spec"]["rules"].size(), 4u);
}

TEST(HttpRouteMatch, ManagedRuleWithoutMatchesPinsOnTheRootPath) {
  auto route = routeWithPrefixRule();
  route["spec"]["rules"][1].erase("matches");
  api::GatewayApiRouting routing;
  routing.ruleIndex = 1;
  auto out = *setHttpRouteBackends(route, routing, abSplit(), 80);
  EXPECT_EQ(out["spec"]["rules"][1]["matches"][0]["path"], Json::parse(R"({"type": "PathPrefix", "value": "/"})"));
}

Json serviceWithPrefixRoute() {
  return Json::parse(R"({
    "apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService",
    "metadata": {"name": "fraud", "namespace": "ml"},
    "spec": {"hosts": ["fraud"], "http": [
      {"name": "other", "match": [{"uri": {"prefix": "/legacy"}}], "route": [{"destination": {"host": "legacy"}}]},
      {"name": "primary", "match": [{"uri": {"prefix": "/predict"}}], "retries": {"attempts": 3},
       "route": [{"destination": {"host": "fraud-stable"}, "weight": 100}]}]}})");
}

TEST(VirtualServiceMatch, AddsANamedRouteBeforeTheManagedOne) {
  api::IstioVirtualService routing;
  routing.name = "fraud";
  routing.routes = {"primary"};
  auto out = setVirtualServiceRoutes(serviceWithPrefixRoute(), routing, abSplit(), 80);
  ASSERT_TRUE(out) << out.error().message;
  const auto& http = (*out)["spec"]["http"];
  ASSERT_EQ(http.size(), 3u);
  EXPECT_EQ(http[0], serviceWithPrefixRoute()["spec"]["http"][0]);
  auto expected = Json::parse(R"j({
    "name": "primary-treatment-match", "retries": {"attempts": 3},
    "match": [
      {"uri": {"prefix": "/predict"}, "headers": {"x-variant": {"exact": "treatment"}}},
      {"uri": {"prefix": "/predict"}, "headers": {"cookie": {"regex": "(^|;\\s*)variant=b\\.1(;|$)"}}}],
    "route": [{"destination": {"host": "fraud-treatment", "port": {"number": 80}}}]})j");
  EXPECT_EQ(http[1], expected);
  EXPECT_EQ(http[2]["name"], "primary");
  EXPECT_EQ(http[2]["route"][1]["weight"], 50);
  // Idempotent, and replaced rather than duplicated.
  auto again = setVirtualServiceRoutes(*out, routing, abSplit(), 80);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *out);
  auto zero = *setVirtualServiceRoutes(*out, routing, abSplit(0), 80);
  ASSERT_EQ(zero["spec"]["http"].size(), 2u);
  EXPECT_EQ(zero["spec"]["http"][1]["name"], "primary");
}

TEST(VirtualServiceMatch, UserRoutesNamedLikeOursAreLeftAlone) {
  auto vs = serviceWithPrefixRoute();
  // Same name pattern but routed to a Service that is not ours: the user's.
  auto user = Json::parse(R"({"name": "primary-x-match", "route": [{"destination": {"host": "somewhere"}}]})");
  vs["spec"]["http"].push_back(user);
  api::IstioVirtualService routing;
  routing.name = "fraud";
  routing.routes = {"primary"};
  auto out = *setVirtualServiceRoutes(vs, routing, abSplit(), 80);
  EXPECT_EQ(out["spec"]["http"].back(), user);
  EXPECT_EQ(out["spec"]["http"].size(), 4u);
}

}  // namespace
}  // namespace modelops::traffic
