// integration.operator: a canary routed by modelops-gateway (trafficRouting.gateway) against the real operator
// and the dev API server. The gateway reads the weights from status, so the rollout must reach each step with
// the step's weights in status, keep stable at full size (pods are not scaled by weight), create the track
// Services the gateway sends to, say TrafficRoutingReady, and write no route object at all.
#include "operator_fixture.h"

namespace modelops::itest {
namespace {

using GatewayRoutingTest = OperatorTest;

std::pair<std::int64_t, std::int64_t> weights(const Json& status) {
  auto of = [&](const char* track) { return status.contains(track) ? status[track].value("weight", std::int64_t{-1}) : -1; };
  return {of("stable"), of("canary")};
}

TEST_F(GatewayRoutingTest, CanaryStepsWithStatusWeightsAndNoRouteWrite) {
  const Json steps = Json::parse(R"([{"setWeight": 10}, {"pause": {}}, {"setWeight": 40}, {"pause": {}}])");
  const Json routing = {{"gateway", {{"sticky", {{"header", "X-User"}}}, {"shadow", {{"percent", 10}}}}}};
  cluster().create(res::modelDeployments(), kNs, modelDeployment("fraud", "1.0.0", 2, canaryStrategy(steps, routing)));
  startOperator();
  ASSERT_TRUE(waitHealthyAt("fraud", "1.0.0"));
  EXPECT_EQ(weights(status("fraud")), std::make_pair(std::int64_t{100}, std::int64_t{-1}));

  ASSERT_EQ(setVersion("fraud", "2.0.0"), "");
  auto atWeights = [&](std::int64_t stable, std::int64_t canary) {
    bool ok = waitFor([&] { return weights(status("fraud")) == std::make_pair(stable, canary) && phase("fraud") == "Paused"; }, 30s);
    return ok ? ::testing::AssertionSuccess()
              : ::testing::AssertionFailure() << "not paused at " << stable << "/" << canary << "; status: "
                                              << status("fraud").dump(1) << "\noperator log tail:\n" << logTail();
  };
  ASSERT_TRUE(atWeights(90, 10));
  // Pods are sized as with any router: stable keeps both, the canary gets ceil(2 * 10%) = 1.
  EXPECT_TRUE(waitFor([&] {
    return replicasOf(deploymentFor("fraud", "1.0.0")) == 2 && replicasOf(deploymentFor("fraud", "2.0.0")) == 1;
  }, 10s)) << "1.0.0: " << replicasOf(deploymentFor("fraud", "1.0.0")) << ", 2.0.0: " << replicasOf(deploymentFor("fraud", "2.0.0"));
  for (const char* service : {"fraud-stable", "fraud-canary"}) {
    EXPECT_TRUE(cluster().get(res::services(), kNs, service).is_object()) << service;
  }
  const auto* ready = findCondition(status("fraud"), "TrafficRoutingReady");
  ASSERT_NE(ready, nullptr) << status("fraud").dump(1);
  EXPECT_EQ(ready->value("status", ""), "True");
  EXPECT_EQ(ready->value("message", ""), "modelops-gateway carries the weights");

  auto promote = [&](const std::string& id) {
    return cluster().mergePatch(res::modelDeployments(), kNs, "fraud",
                                {{"metadata", {{"annotations", {{"modelops.dev/action", "promote"}, {"modelops.dev/action-id", id}}}}}});
  };
  ASSERT_EQ(promote("p1"), "");
  ASSERT_TRUE(atWeights(60, 40));
  EXPECT_EQ(replicasOf(deploymentFor("fraud", "1.0.0")), 2);
  ASSERT_EQ(promote("p2"), "");
  ASSERT_TRUE(waitHealthyAt("fraud", "2.0.0"));
  EXPECT_EQ(weights(status("fraud")), std::make_pair(std::int64_t{100}, std::int64_t{-1}));

  std::vector<devserver::AuditRecord> routeWrites;
  for (const auto& r : operatorWrites(cluster().server().audit()))
    if (r.resource == "httproutes" || r.resource == "virtualservices") routeWrites.push_back(r);
  EXPECT_TRUE(routeWrites.empty()) << "the operator wrote route objects:\n" << describe(routeWrites);
  // The spec is the user's: the gateway settings are where they were written (the API server adds the
  // schema's default protocol).
  const Json stored = md("fraud")["spec"]["strategy"]["canary"]["trafficRouting"]["gateway"];
  EXPECT_EQ(stored["sticky"], routing["gateway"]["sticky"]);
  EXPECT_EQ(stored["shadow"], routing["gateway"]["shadow"]);
}

}  // namespace
}  // namespace modelops::itest
