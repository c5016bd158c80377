// unit.traffic: the modelops-gateway router (trafficRouting.gateway) writes nothing (the gateway reads the
// weights from status), accepts A/B match rules (the gateway applies the pins), and refuses a split it could
// not carry.
#include <gtest/gtest.h>

#include "fakes/fake_kube_client.h"
#include "modelops/traffic/router.h"

namespace modelops::traffic {
namespace {

api::ModelDeployment gatewayRouted() {
  api::ModelDeployment md;
  md.metadata = {{"name", "reco"}, {"namespace", "ml"}};
  md.spec.strategy = api::Strategy{};
  md.spec.strategy->abTest = api::AbTestStrategy{};
  api::TrafficRouting routing;
  routing.gateway = api::GatewayRouting{};
  md.spec.strategy->abTest->trafficRouting = routing;
  return md;
}

TEST(GatewayRouter, WritesNothingAndAcceptsPins) {
  testing::FakeKubeClient client;
  auto md = gatewayRouted();
  auto router = makeRouter(md, client);
  EXPECT_EQ(router->describe(), "modelops-gateway");
  rollout::DesiredTraffic traffic;
  traffic.owner = "reco";
  api::MatchRule pin;
  pin.header = api::NameValue{"X-Variant", "b", {}};
  traffic.backends = {{"reco-a", "a", 70, {}}, {"reco-b", "b", 30, {pin}}};
  auto result = router->apply(md, traffic);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_FALSE(*result);  // nothing written
  EXPECT_EQ(client.countCalls("get"), 0u);
  EXPECT_EQ(client.countCalls("update"), 0u);
  EXPECT_EQ(client.countCalls("create"), 0u);
}

TEST(GatewayRouter, RefusesASplitItCannotCarry) {
  testing::FakeKubeClient client;
  auto md = gatewayRouted();
  auto router = makeRouter(md, client);
  rollout::DesiredTraffic traffic;
  traffic.backends = {{"reco-a", "a", 70, {}}, {"reco-b", "b", 20, {}}};
  auto sum = router->apply(md, traffic);
  ASSERT_FALSE(sum);
  EXPECT_EQ(sum.error().reason, route_reason::kInvalidRoute);
  EXPECT_EQ(sum.error().message, "weights sum to 90, not 100");
  traffic.backends = {{"reco-a", "a", 110, {}}, {"reco-b", "b", -10, {}}};
  auto range = router->apply(md, traffic);
  ASSERT_FALSE(range);
  EXPECT_EQ(range.error().message, "backend reco-a has weight 110 (not 0..100)");
}

}  // namespace
}  // namespace modelops::traffic
