// Tests of what a ModelDeployment may change in a shared route (issue 12, row 1): only its own backends,
// in its own namespace; foreign backends keep place, fields and weight; our split is taken from the
// weight they leave (exact integer shares), or refused when they leave none; the grant annotation.
#include <gtest/gtest.h>

#include <numeric>

#include "modelops/traffic/route_scope.h"
#include "modelops/traffic/router.h"

namespace modelops::traffic {
namespace {

rollout::DesiredTraffic paymentsSplit(std::int64_t canary) {
  rollout::DesiredTraffic t;
  t.owner = "payments";
  t.backends = {{"payments-stable", "stable", 100 - canary, {}}, {"payments-canary", "canary", canary, {}}};
  return t;
}

// team-b's route: its own Services payments-v1 90 / payments-v2 10 (row 1 of issue 12).
Json teamBRoute(const Json& backendRefs) {
  return {{"apiVersion", "gateway.networking.k8s.io/v1"},
          {"kind", "HTTPRoute"},
          {"metadata", {{"name", "payments"}, {"namespace", "team-b"}}},
          {"spec", {{"rules", {{{"backendRefs", backendRefs}}}}}}};
}

RouteScope scopeIn(const std::string& serviceNs, const std::string& routeNs) {
  RouteScope s;
  s.serviceNamespace = serviceNs;
  s.routeNamespace = routeNs;
  s.managed = {"payments-stable", "payments-canary"};
  return s;
}

TEST(SplitBudget, SharesAddUpExactlyAndKeepNonZeroBackends) {
  EXPECT_EQ(splitBudget({90, 10}, 100), (std::vector<std::int64_t>{90, 10}));
  EXPECT_EQ(splitBudget({90, 10}, 40), (std::vector<std::int64_t>{36, 4}));
  EXPECT_EQ(splitBudget({99, 1}, 40), (std::vector<std::int64_t>{39, 1})) << "1% must not round to nothing";
  EXPECT_EQ(splitBudget({50, 50}, 99), (std::vector<std::int64_t>{50, 49})) << "ties go to the earlier backend";
  EXPECT_EQ(splitBudget({100, 0}, 30), (std::vector<std::int64_t>{30, 0}));
  EXPECT_EQ(splitBudget({0, 0}, 50), (std::vector<std::int64_t>{0, 0}));
  EXPECT_EQ(splitBudget({60, 40}, 0), (std::vector<std::int64_t>{0, 0}));
  EXPECT_EQ(splitBudget({98, 1, 1}, 1), (std::vector<std::int64_t>{1, 0, 0})) << "too small to give everyone 1";
  for (std::int64_t budget = 1; budget <= 100; ++budget)
    for (std::int64_t canary = 0; canary <= 100; canary += 7) {
      auto shares = splitBudget({100 - canary, canary}, budget);
      EXPECT_EQ(std::accumulate(shares.begin(), shares.end(), std::int64_t{0}), budget) << budget << " " << canary;
      if (canary > 0 && budget >= 2) {
        EXPECT_GE(shares[1], 1) << budget << " " << canary;
      }
    }
}

TEST(SharedRoute, ForeignBackendsThatHoldEverythingAreNeverReplaced) {
  // Row 1: before the fix the whole list became the attacker's Services at 100 / 0.
  auto route = teamBRoute(Json::parse(R"([{"name": "payments-v1", "port": 8080, "weight": 90},
                                          {"name": "payments-v2", "port": 8080, "weight": 10}])"));
  api::GatewayApiRouting routing;
  auto out = setHttpRouteBackends(route, routing, paymentsSplit(0), 80, scopeIn("team-a", "team-b"));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, route_reason::kNoWeightLeft);
  EXPECT_EQ(out.error().message,
            "HTTPRoute team-b/payments: the other backends (payments-v1 90, payments-v2 10) hold 100 of 100, which "
            "leaves no weight for this ModelDeployment's backends");
}

TEST(SharedRoute, SameNamespaceKeepsForeignBackendsAndSplitsWhatTheyLeave) {
  auto route = teamBRoute(Json::parse(R"([
    {"name": "legacy", "port": 8080, "weight": 60, "filters": [{"type": "X"}]},
    {"name": "payments-stable", "port": 80, "weight": 40, "timeouts": "keep"},
    {"name": "other", "port": 8080}])"));
  route["metadata"]["namespace"] = "team-a";
  api::GatewayApiRouting routing;
  auto scope = scopeIn("team-a", "team-a");
  auto out = setHttpRouteBackends(route, routing, paymentsSplit(10), 80, scope);
  ASSERT_TRUE(out) << out.error().message;
  // "other" has no weight: 1 by the Gateway API default, so 39 is left: 10% of it rounds to 4.
  EXPECT_EQ((*out)["spec"]["rules"][0]["backendRefs"], Json::parse(R"([
    {"name": "legacy", "port": 8080, "weight": 60, "filters": [{"type": "X"}]},
    {"name": "payments-stable", "port": 80, "weight": 35, "timeouts": "keep"},
    {"name": "payments-canary", "port": 80, "weight": 4},
    {"name": "other", "port": 8080}])"));
  auto again = setHttpRouteBackends(*out, routing, paymentsSplit(10), 80, scope);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *out) << "idempotent: the router then skips the write";
}

TEST(SharedRoute, GrantedCrossNamespaceEditRefersToOurNamespaceAndLeavesTheirSameNamedServices) {
  // team-b has its own Service "payments-stable"; team-a's payments-stable is another Service.
  auto route = teamBRoute(Json::parse(R"([{"name": "payments-stable", "port": 8080, "weight": 50},
                                          {"name": "payments-v2", "port": 8080, "weight": 10}])"));
  api::GatewayApiRouting routing;
  auto scope = scopeIn("team-a", "team-b");
  auto out = setHttpRouteBackends(route, routing, paymentsSplit(25), 80, scope);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ((*out)["spec"]["rules"][0]["backendRefs"], Json::parse(R"([
    {"name": "payments-stable", "port": 8080, "weight": 50},
    {"name": "payments-v2", "port": 8080, "weight": 10},
    {"name": "payments-stable", "namespace": "team-a", "port": 80, "weight": 30},
    {"name": "payments-canary", "namespace": "team-a", "port": 80, "weight": 10}])"));
  auto again = setHttpRouteBackends(*out, routing, paymentsSplit(25), 80, scope);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *out);
}

TEST(SharedRoute, BackendsOfOtherKindsAreNeverOurs) {
  auto route = teamBRoute(Json::parse(R"([{"name": "payments-stable", "kind": "ServiceImport",
                                           "group": "multicluster.x-k8s.io", "port": 80, "weight": 20}])"));
  route["metadata"]["namespace"] = "team-a";
  auto out = setHttpRouteBackends(route, {}, paymentsSplit(0), 80, scopeIn("team-a", "team-a"));
  ASSERT_TRUE(out) << out.error().message;
  const auto& refs = (*out)["spec"]["rules"][0]["backendRefs"];
  ASSERT_EQ(refs.size(), 3u);
  EXPECT_EQ(refs[0], route["spec"]["rules"][0]["backendRefs"][0]);
  EXPECT_EQ(refs[1]["weight"], 80);
}

TEST(SharedRoute, VirtualServiceDestinationsFollowTheSameRules) {
  Json vs = Json::parse(R"({"metadata": {"name": "payments", "namespace": "team-a"}, "spec": {"http": [
    {"name": "primary", "route": [
      {"destination": {"host": "payments-stable.team-a.svc.cluster.local"}, "weight": 70},
      {"destination": {"host": "legacy.team-b.svc.cluster.local"}, "weight": 30}]}]}})");
  api::IstioVirtualService routing;
  routing.name = "payments";
  routing.routes = {"primary"};
  auto out = setVirtualServiceRoutes(vs, routing, paymentsSplit(50), 80, scopeIn("team-a", "team-a"));
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ((*out)["spec"]["http"][0]["route"], Json::parse(R"([
    {"destination": {"host": "payments-stable", "port": {"number": 80}}, "weight": 35},
    {"destination": {"host": "payments-canary", "port": {"number": 80}}, "weight": 35},
    {"destination": {"host": "legacy.team-b.svc.cluster.local"}, "weight": 30}])"));
  // A lone foreign destination without a weight carries everything (Istio): nothing left.
  vs["spec"]["http"][0]["route"] = Json::parse(R"([{"destination": {"host": "legacy"}}])");
  auto refused = setVirtualServiceRoutes(vs, routing, paymentsSplit(50), 80, scopeIn("team-a", "team-a"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, route_reason::kNoWeightLeft);
  EXPECT_NE(refused.error().message.find("VirtualService team-a/payments route \"primary\""), std::string::npos)
      << refused.error().message;
}

TEST(Scope, CoversTrackServicesDeclaredAndRecordedVariantsAndTheSplit) {
  api::ModelDeployment md;
  md.metadata = {{"name", "fraud"}, {"namespace", "ml"}};
  md.spec.strategy = api::Strategy{};
  md.spec.strategy->abTest = api::AbTestStrategy{};
  md.spec.strategy->abTest->variants.push_back(api::Variant{"treatment", 50, std::nullopt, {}, {}});
  md.status.variants.push_back(api::VariantStatus{"old", 2, "1.0", "abc", 0, {}});
  rollout::DesiredTraffic traffic;
  traffic.backends = {{"fraud-extra", "x", 100, {}}};
  auto scope = scopeFor(md, traffic, "edge");
  EXPECT_EQ(scope.managed,
            (std::set<std::string>{"fraud-stable", "fraud-canary", "fraud-treatment", "fraud-old", "fraud-extra"}));
  EXPECT_EQ(scope.serviceNamespace, "ml");
  EXPECT_TRUE(scope.crossNamespace());
}

TEST(Grant, AnnotationListsNamespacesExactly) {
  Json route = {{"metadata", {{"annotations", {{std::string(kAnnotationAllowedNamespaces), " team-a ,, team-c"}}}}}};
  EXPECT_EQ(allowedNamespaces(route), (std::vector<std::string>{"team-a", "team-c"}));
  EXPECT_TRUE(grantsNamespace(route, "team-a"));
  EXPECT_TRUE(grantsNamespace(route, "team-c"));
  EXPECT_FALSE(grantsNamespace(route, "team"));
  EXPECT_FALSE(grantsNamespace(route, ""));
  route["metadata"]["annotations"][std::string(kAnnotationAllowedNamespaces)] = "*";
  EXPECT_FALSE(grantsNamespace(route, "team-a")) << "no wildcard";
  route["metadata"]["annotations"][std::string(kAnnotationAllowedNamespaces)] = 7;
  EXPECT_FALSE(grantsNamespace(route, "team-a"));
  EXPECT_FALSE(grantsNamespace(Json::object(), "team-a"));
}

}  // namespace
}  // namespace modelops::traffic
