// Replica math through whole canary rollouts at 0, 1 and odd replica counts, with a router (stable keeps
// every pod, the canary gets ceil(replicas * weight / 100), at least 1) and without one (replica ratio:
// the stable gives up the pods the canary carries but keeps one while it has weight). Worked example,
// 5 replicas at 50%: ceil(2.5) = 3 canary pods; replica ratio leaves 5 - 3 = 2 stable pods (60%).
#include <gtest/gtest.h>

#include "world.h"

namespace modelops::rollout::testing {
namespace {

struct Pods {
  std::int64_t stable, canary;
  bool operator==(const Pods&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Pods& p) { return os << p.stable << " stable + " << p.canary << " canary"; }

struct Case {
  std::int64_t replicas;
  bool router;
  Pods at10, at50;
};

// 1.0.0 serving `replicas`, then 2.0.0 through setWeight 10, pause {}, setWeight 50, pause {}.
World worldFor(const Case& c) {
  World w;
  w.doc["spec"]["replicas"] = c.replicas;
  w.doc["spec"].erase("analysis");
  w.doc["spec"]["strategy"]["canary"]["steps"] =
      nlohmann::json::parse(R"([{"setWeight": 10}, {"pause": {}}, {"setWeight": 50}, {"pause": {}}])");
  if (!c.router) w.doc["spec"]["strategy"]["canary"].erase("trafficRouting");
  return w;
}

Pods pods(const World& w, const std::string& stable, const std::string& canary) {
  auto of = [&](const std::string& h) { return w.deployment(h) ? w.deployment(h)->replicas : -1; };
  return {of(stable), of(canary)};
}

TEST(ReplicaMath, RolloutAtZeroOneAndOddReplicaCounts) {
  const Case cases[] = {
      {0, true, {0, 0}, {0, 0}},  {0, false, {0, 0}, {0, 0}},  // no pods asked: none made, not even a canary
      {1, true, {1, 1}, {1, 1}},  {1, false, {1, 1}, {1, 1}},  // stable keeps one pod while it has weight
      {3, true, {3, 1}, {3, 2}},  {3, false, {2, 1}, {1, 2}},
      {5, true, {5, 1}, {5, 3}},  {5, false, {4, 1}, {2, 3}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::to_string(c.replicas) + " replicas, " + (c.router ? "router" : "replica ratio"));
    auto w = worldFor(c);
    w.settle();
    ASSERT_EQ(w.status.phase, "Healthy") << *w.status.message;
    const auto stable = *w.status.stable->hash;
    EXPECT_EQ(w.deployment(stable)->replicas, c.replicas);

    w.setVersion("2.0.0");
    w.settle();
    ASSERT_TRUE(w.status.canary);
    const auto canary = *w.status.canary->hash;
    EXPECT_EQ(w.status.canary->weight, 10);
    EXPECT_EQ(pods(w, stable, canary), c.at10);

    w.request("promote", "p1");
    w.settle();
    ASSERT_TRUE(w.status.canary);
    EXPECT_EQ(w.status.canary->weight, 50);
    EXPECT_EQ(pods(w, stable, canary), c.at50);

    w.request("promote", "p2");
    w.settle();
    EXPECT_EQ(w.status.phase, "Healthy") << *w.status.message;
    EXPECT_EQ(w.status.stable->hash, canary);
    EXPECT_EQ(w.deployment(canary)->replicas, c.replicas);
    w.advance(std::chrono::seconds(30));  // scaleDownDelaySeconds (router mode keeps the old pods that long)
    w.step();
    EXPECT_EQ(w.deployment(stable)->replicas, 0);
  }
}

// trafficRouting.gateway: the gateway carries the weights (it reads them from status), so pods are sized as
// with any router, never by weight, and status holds the weights of each step.
TEST(ReplicaMath, GatewayRoutingSizesPodsLikeARouter) {
  auto w = worldFor({5, true, {}, {}});
  w.doc["spec"]["strategy"]["canary"]["trafficRouting"] = {{"gateway", nlohmann::json::object()}};
  w.settle();
  ASSERT_EQ(w.status.phase, "Healthy") << *w.status.message;
  const auto stable = *w.status.stable->hash;
  w.setVersion("2.0.0");
  w.settle();
  ASSERT_TRUE(w.status.canary);
  const auto canary = *w.status.canary->hash;
  EXPECT_EQ(w.status.canary->weight, 10);
  EXPECT_EQ(w.status.stable->weight, 90);
  EXPECT_EQ(pods(w, stable, canary), (Pods{5, 1}));
  w.request("promote", "p1");
  w.settle();
  EXPECT_EQ(w.status.canary->weight, 50);
  EXPECT_EQ(w.status.stable->weight, 50);
  EXPECT_EQ(pods(w, stable, canary), (Pods{5, 3}));
}

}  // namespace
}  // namespace modelops::rollout::testing
