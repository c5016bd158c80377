// Tests of the routers' errors and of what status says about them (issue 13, item 3): a missing route,
// a route kind that is not installed, a route of another namespace without its grant and no weight
// left are classified with a reason and a message naming the object or kind, before any write; the
// failure status has phase Failed and TrafficRoutingReady=False and does not change when repeated.
#include <gtest/gtest.h>

#include "fakes/fake_kube_client.h"
#include "modelops/traffic/router.h"
#include "modelops/traffic/routing_status.h"

namespace modelops::traffic {
namespace {

using namespace std::chrono_literals;

api::ModelDeployment paymentsIn(const std::string& ns, const std::optional<std::string>& routeNs) {
  api::ModelDeployment md;
  md.metadata = {{"name", "payments"}, {"namespace", ns}};
  md.spec.strategy = api::Strategy{};
  md.spec.strategy->canary = api::CanaryStrategy{};
  api::TrafficRouting routing;
  routing.gatewayAPI = api::GatewayApiRouting{"payments", routeNs, std::nullopt, std::nullopt, {}};
  md.spec.strategy->canary->trafficRouting = routing;
  return md;
}

rollout::DesiredTraffic stableOnly() {
  rollout::DesiredTraffic t;
  t.owner = "payments";
  t.backends = {{"payments-stable", "stable", 100, {}}, {"payments-canary", "canary", 0, {}}};
  return t;
}

Json paymentsRoute(const std::string& ns, const Json& backendRefs) {
  return {{"apiVersion", "gateway.networking.k8s.io/v1"},
          {"kind", "HTTPRoute"},
          {"metadata", {{"name", "payments"}, {"namespace", ns}}},
          {"spec", {{"rules", {{{"backendRefs", backendRefs}}}}}}};
}

TEST(Router, RouteOfAnotherNamespaceWithoutGrantIsRefusedBeforeAnyWrite) {
  testing::FakeKubeClient client;
  auto theirs = Json::parse(R"([{"name": "payments-v1", "port": 8080, "weight": 90},
                                {"name": "payments-v2", "port": 8080, "weight": 10}])");
  client.put(kube::resources::httpRoutes(), paymentsRoute("team-b", theirs));
  auto md = paymentsIn("team-a", "team-b");
  auto router = makeRouter(md, client);
  auto result = router->apply(md, stableOnly());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().reason, route_reason::kRouteNotGranted);
  EXPECT_EQ(result.error().message,
            "HTTPRoute team-b/payments is in another namespace and does not grant namespace team-a (annotation "
            "modelops.dev/allowed-namespaces on the route)");
  EXPECT_EQ(client.countCalls("update"), 0u);
  EXPECT_EQ((*client.stored(kube::resources::httpRoutes(), "team-b", "payments"))["spec"]["rules"][0]["backendRefs"],
            theirs);

  // Granted, but their backends hold all 100: refused too, still nothing written.
  auto granted = paymentsRoute("team-b", theirs);
  granted["metadata"]["annotations"] = {{"modelops.dev/allowed-namespaces", "team-a"}};
  client.put(kube::resources::httpRoutes(), granted);
  result = router->apply(md, stableOnly());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().reason, route_reason::kNoWeightLeft);
  EXPECT_EQ(client.countCalls("update"), 0u);
}

TEST(Router, MissingRouteAndMissingKindAreNamed) {
  testing::FakeKubeClient client;
  auto md = paymentsIn("team-a", std::nullopt);
  auto router = makeRouter(md, client);
  auto missing = router->apply(md, stableOnly());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().reason, route_reason::kRouteNotFound);
  EXPECT_EQ(missing.error().message, "HTTPRoute team-a/payments not found");

  kube::ApiError notServed;
  notServed.code = 404;
  notServed.reason = "NotFound";
  notServed.message = "the server could not find the requested resource";
  client.failNext("get", notServed);
  auto kind = router->apply(md, stableOnly());
  ASSERT_FALSE(kind);
  EXPECT_EQ(kind.error().reason, route_reason::kRouteKindNotInstalled);
  EXPECT_EQ(kind.error().message,
            "gateway.networking.k8s.io/v1 HTTPRoute is not installed (the API server does not serve "
            "httproutes.gateway.networking.k8s.io)");

  kube::ApiError conflict;
  conflict.code = 409;
  conflict.reason = "Conflict";
  client.put(kube::resources::httpRoutes(), paymentsRoute("team-a", Json::array()));
  client.failNext("update", conflict);
  auto raced = router->apply(md, stableOnly());
  ASSERT_FALSE(raced);
  EXPECT_EQ(raced.error().reason, "Conflict");
  EXPECT_FALSE(routingProblem(raced.error())) << "a conflict is retried, not reported";
  auto written = router->apply(md, stableOnly());
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_TRUE(*written);

  kube::ApiError forbidden;
  forbidden.code = 403;
  forbidden.reason = "Forbidden";
  forbidden.message = "httproutes.gateway.networking.k8s.io \"payments\" is forbidden";
  client.failNext("get", forbidden);
  auto denied = router->apply(md, stableOnly());
  ASSERT_FALSE(denied);
  auto problem = routingProblem(denied.error());
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->reason, route_reason::kRouteForbidden);
  EXPECT_EQ(problem->message,
            "HTTPRoute team-a/payments: httproutes.gateway.networking.k8s.io \"payments\" is forbidden");
}

TEST(RoutingStatus, FailureSetsPhaseAndConditionAndIsStableWhenRepeated) {
  api::ModelDeploymentStatus previous;
  previous.phase = "Progressing";
  previous.stable = api::TrackStatus{};
  auto problem = routingProblem(kube::ApiError{404, std::string(route_reason::kRouteNotFound),
                                               "HTTPRoute team-b/payments not found", {}, {}});
  ASSERT_TRUE(problem);
  WallTime t0 = parseRfc3339("2026-12-06T21:00:00Z").value();
  auto failed = routingFailedStatus(previous, *problem, 3, t0);
  EXPECT_EQ(failed.phase, "Failed");
  EXPECT_EQ(failed.message, "cannot route traffic: HTTPRoute team-b/payments not found");
  EXPECT_EQ(failed.observedGeneration, 3);
  EXPECT_TRUE(failed.stable) << "the rest of the status is kept";
  ASSERT_EQ(failed.conditions.size(), 1u);
  EXPECT_EQ(failed.conditions[0].type, "TrafficRoutingReady");
  EXPECT_EQ(failed.conditions[0].status, "False");
  EXPECT_EQ(failed.conditions[0].reason, "RouteNotFound");
  EXPECT_EQ(failed.conditions[0].lastTransitionTime, "2026-12-06T21:00:00Z");
  EXPECT_EQ(routingFailedStatus(failed, *problem, 3, t0 + 1min), failed) << "no new write for the same problem";

  // The route works again: True, and the routing failure's phase does not linger.
  auto recovered = failed;
  recordRoutingReady(recovered, "HTTPRoute team-b/payments", 3, t0 + 2min);
  EXPECT_EQ(recovered.phase, "Progressing");
  EXPECT_EQ(recovered.conditions[0].status, "True");
  EXPECT_EQ(recovered.conditions[0].lastTransitionTime, "2026-12-06T21:02:00Z");
  EXPECT_EQ(recovered.conditions[0].message, "HTTPRoute team-b/payments carries the weights");
  recordRoutingReady(recovered, "", 3, t0 + 3min);
  EXPECT_TRUE(recovered.conditions.empty()) << "replica ratio: no router, no condition";

  EXPECT_FALSE(routingProblem(kube::ApiError{503, "ServiceUnavailable", "busy", {}, {}}));
  EXPECT_FALSE(routingProblem(kube::ApiError{0, "ConnectionError", "refused", {}, {}}));
}

}  // namespace
}  // namespace modelops::traffic
