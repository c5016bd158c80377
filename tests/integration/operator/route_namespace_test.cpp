// Issue 12, row 1, against the real operator and the dev API server: a ModelDeployment in team-a naming
// team-b's HTTPRoute must not touch it without the route's grant; with the grant, or in its own
// namespace, only its own backends change and every other backend keeps its weight.
#include "operator_fixture.h"

namespace modelops::itest {
namespace {

const std::string kTeamA = "team-a";
const std::string kTeamB = "team-b";

class RouteNamespaceTest : public OperatorTest {
 protected:
  void SetUp() override {
    OperatorTest::SetUp();
    for (const auto& ns : {kTeamA, kTeamB})
      cluster().create(res::namespaces(), "", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
  }

  // A ModelDeployment "payments" in `ns` routed through the HTTPRoute `route` of `routeNs`.
  Json payments(const std::string& ns, const std::string& routeNs, const Json& steps = Json::array()) {
    Json routing = {{"gatewayAPI", {{"httpRoute", "payments"}, {"namespace", routeNs}}}};
    auto md = modelDeployment("payments", "1.0", 2, canaryStrategy(steps, routing));
    md["metadata"]["namespace"] = ns;
    return md;
  }
  Json route(const std::string& ns, const Json& backendRefs, const std::string& grant = "") {
    Json r = {{"apiVersion", "gateway.networking.k8s.io/v1"},
              {"kind", "HTTPRoute"},
              {"metadata", {{"name", "payments"}, {"namespace", ns}}},
              {"spec", {{"parentRefs", {{{"name", "gw"}}}}, {"rules", {{{"backendRefs", backendRefs}}}}}}};
    if (!grant.empty()) r["metadata"]["annotations"] = {{"modelops.dev/allowed-namespaces", grant}};
    return r;
  }
  Json statusIn(const std::string& ns) {
    return cluster().get(res::modelDeployments(), ns, "payments").value("status", Json::object());
  }
  Json backendRefs(const std::string& ns) {
    return cluster().get(res::httpRoutes(), ns, "payments")["spec"]["rules"][0]["backendRefs"];
  }
  // Waits for TrafficRoutingReady with this status and reason; the status on failure.
  ::testing::AssertionResult waitRouting(const std::string& ns, const std::string& value, const std::string& reason) {
    bool ok = waitFor([&] {
      auto st = statusIn(ns);
      const auto* c = findCondition(st, "TrafficRoutingReady");
      return c && c->value("status", "") == value && c->value("reason", "") == reason;
    }, 20s);
    if (ok) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "no TrafficRoutingReady=" << value << " (" << reason << "); status: "
                                         << statusIn(ns).dump(1) << "\noperator log tail:\n" << logTail();
  }
  // The fields of a backendRef this test is about (the server adds group "" and kind Service).
  static Json slim(const Json& ref) {
    Json out = Json::object();
    for (const char* k : {"name", "namespace", "port", "weight"})
      if (ref.contains(k)) out[k] = ref[k];
    return out;
  }
  std::size_t operatorRouteWrites() {
    std::size_t n = 0;
    for (const auto& r : operatorWrites(cluster().server().audit()))
      if (r.resource == "httproutes") ++n;
    return n;
  }
};

const Json kTheirs = Json::parse(R"([{"name": "payments-v1", "port": 8080, "weight": 90},
                                     {"name": "payments-v2", "port": 8080, "weight": 10}])");

TEST_F(RouteNamespaceTest, AnotherNamespacesRouteIsNotTakenOver) {
  const Json stored = cluster().create(res::httpRoutes(), kTeamB, route(kTeamB, kTheirs))["spec"]["rules"][0]["backendRefs"];
  cluster().create(res::modelDeployments(), kTeamA, payments(kTeamA, kTeamB));
  startOperator();
  // Whichever comes first: the route rewritten (the bug: team-a's Services at 100 / 0) or the refusal.
  waitFor([&] {
    return backendRefs(kTeamB) != stored || findCondition(statusIn(kTeamA), "TrafficRoutingReady") != nullptr;
  }, 20s);
  EXPECT_EQ(backendRefs(kTeamB), stored) << "team-b's route was taken over";
  ASSERT_TRUE(waitRouting(kTeamA, "False", "RouteNotGranted"));
  auto st = statusIn(kTeamA);
  EXPECT_EQ(st.value("phase", ""), "Failed");
  EXPECT_EQ(st.value("message", ""),
            "cannot route traffic: HTTPRoute team-b/payments is in another namespace and does not grant namespace "
            "team-a (annotation modelops.dev/allowed-namespaces on the route)");
  EXPECT_EQ(backendRefs(kTeamB), stored);
  EXPECT_EQ(operatorRouteWrites(), 0u) << describe(operatorWrites(cluster().server().audit()));
  bool warned = waitFor([&] {
    for (const auto& e : cluster().eventsFor(kTeamA, "payments"))
      if (e.value("reason", "") == "TrafficRoutingFailed" &&
          e.value("message", "").starts_with("HTTPRoute team-b/payments is in another namespace"))
        return true;
    return false;
  }, 10s);
  EXPECT_TRUE(warned) << "no TrafficRoutingFailed Event naming the route";

  // Granted, but team-b's backends hold all 100: refused with NoWeightLeft, still untouched.
  ASSERT_EQ(cluster().mergePatch(res::httpRoutes(), kTeamB, "payments",
                                 {{"metadata", {{"annotations", {{"modelops.dev/allowed-namespaces", "team-a"}}}}}}),
            "");
  auto touched = cluster().mergePatch(res::modelDeployments(), kTeamA, "payments",
                                      {{"metadata", {{"labels", {{"itest/touch", "1"}}}}}});
  ASSERT_EQ(touched, "");
  ASSERT_TRUE(waitRouting(kTeamA, "False", "NoWeightLeft"));
  EXPECT_NE(statusIn(kTeamA).value("message", "").find("payments-v1 90, payments-v2 10"), std::string::npos)
      << statusIn(kTeamA).dump(1);
  EXPECT_EQ(backendRefs(kTeamB), stored);
  EXPECT_EQ(operatorRouteWrites(), 0u);
}

TEST_F(RouteNamespaceTest, GrantedRouteKeepsTheOtherBackendsAndSplitsWhatTheyLeave) {
  auto theirs = Json::parse(R"([{"name": "payments-v1", "port": 8080, "weight": 50},
                                {"name": "payments-v2", "port": 8080, "weight": 10}])");
  const Json stored =
      cluster().create(res::httpRoutes(), kTeamB, route(kTeamB, theirs, "team-c, team-a"))["spec"]["rules"][0]["backendRefs"];
  cluster().create(res::modelDeployments(), kTeamA, payments(kTeamA, kTeamB));
  startOperator();
  ASSERT_TRUE(waitRouting(kTeamA, "True", "WeightsWritten"));
  EXPECT_TRUE(waitFor([&] { return statusIn(kTeamA).value("phase", "") == "Healthy"; }, 20s)) << statusIn(kTeamA).dump(1);
  auto refs = backendRefs(kTeamB);
  ASSERT_EQ(refs.size(), 4u) << refs.dump();
  EXPECT_EQ(refs[0], stored[0]);
  EXPECT_EQ(refs[1], stored[1]);
  EXPECT_EQ(slim(refs[2]), Json::parse(R"({"name": "payments-stable", "namespace": "team-a", "port": 80, "weight": 40})"));
  EXPECT_EQ(slim(refs[3]), Json::parse(R"({"name": "payments-canary", "namespace": "team-a", "port": 80, "weight": 0})"));
}

TEST_F(RouteNamespaceTest, SameNamespaceCanaryMovesOnlyItsOwnBackends) {
  auto mine = Json::parse(R"([{"name": "legacy", "port": 8080, "weight": 60},
                              {"name": "payments-stable", "port": 80, "weight": 40}])");
  const Json stored = cluster().create(res::httpRoutes(), kTeamA, route(kTeamA, mine))["spec"]["rules"][0]["backendRefs"];
  cluster().create(res::modelDeployments(), kTeamA,
                   payments(kTeamA, kTeamA, Json::parse(R"([{"setWeight": 25}, {"pause": {}}])")));
  startOperator();
  ASSERT_TRUE(waitFor([&] { return statusIn(kTeamA).value("phase", "") == "Healthy"; }, 20s)) << statusIn(kTeamA).dump(1);
  ASSERT_EQ(cluster().mergePatch(res::modelDeployments(), kTeamA, "payments",
                                 {{"spec", {{"model", {{"version", "2.0"}, {"uri", "s3://models/payments/2.0"}}}}}}),
            "");
  // Paused at 25%: 25% of the 40 that legacy leaves.
  ASSERT_TRUE(waitFor([&] { return statusIn(kTeamA).value("phase", "") == "Paused"; }, 20s)) << statusIn(kTeamA).dump(1);
  auto refs = backendRefs(kTeamA);
  ASSERT_EQ(refs.size(), 3u) << refs.dump();
  EXPECT_EQ(refs[0], stored[0]) << "the user's backend keeps its place, fields and weight";
  EXPECT_EQ(slim(refs[1]), Json::parse(R"({"name": "payments-stable", "port": 80, "weight": 30})"));
  EXPECT_EQ(slim(refs[2]), Json::parse(R"({"name": "payments-canary", "port": 80, "weight": 10})"));
  auto st = statusIn(kTeamA);
  const auto* ready = findCondition(st, "TrafficRoutingReady");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(ready->value("message", ""), "HTTPRoute team-a/payments carries the weights");
}

TEST_F(RouteNamespaceTest, VirtualServiceKeepsOtherDestinations) {
  Json vs = {{"apiVersion", "networking.istio.io/v1beta1"},
             {"kind", "VirtualService"},
             {"metadata", {{"name", "payments"}, {"namespace", kTeamA}}},
             {"spec", {{"hosts", {"payments.example.com"}},
                       {"http", {{{"name", "primary"},
                                  {"route", Json::parse(R"([
                                    {"destination": {"host": "legacy.team-b.svc.cluster.local"}, "weight": 70},
                                    {"destination": {"host": "payments-stable"}, "weight": 30}])")}}}}}}};
  const Json stored = cluster().create(res::virtualServices(), kTeamA, vs)["spec"]["http"][0]["route"];
  auto md = modelDeployment("payments", "1.0", 2,
                            canaryStrategy(Json::array(), {{"istio", {{"virtualService", {{"name", "payments"}, {"routes", {"primary"}}}}}}}));
  md["metadata"]["namespace"] = kTeamA;
  cluster().create(res::modelDeployments(), kTeamA, md);
  startOperator();
  ASSERT_TRUE(waitRouting(kTeamA, "True", "WeightsWritten"));
  auto route = cluster().get(res::virtualServices(), kTeamA, "payments")["spec"]["http"][0]["route"];
  ASSERT_EQ(route.size(), 3u) << route.dump();
  EXPECT_EQ(route[0], stored[0]) << "the other destination keeps its place and weight";
  EXPECT_EQ(route[1]["destination"].value("host", ""), "payments-stable");
  EXPECT_EQ(route[1].value("weight", -1), 30);
  EXPECT_EQ(route[2]["destination"].value("host", ""), "payments-canary");
  EXPECT_EQ(route[2].value("weight", -1), 0);
}

}  // namespace
}  // namespace modelops::itest
