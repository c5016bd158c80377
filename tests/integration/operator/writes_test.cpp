// integration.operator: what the operator writes, from the dev server's audit records.
// - It never writes the spec of a ModelDeployment: every write of its user agent ("modelops/...") to
//   modeldeployments goes through the status subresource, even through promote/abort actions.
// - A reconcile that finds everything as desired makes zero writes, whether woken by an unrelated
//   label change or by an operator restart (full relist).
#include "operator_fixture.h"

namespace modelops::itest {
namespace {

using WritesTest = OperatorTest;

TEST_F(WritesTest, OperatorNeverWritesModelDeploymentSpec) {
  cluster().create(res::httpRoutes(), kNs, httpRoute("spam", "spam"));
  auto steps = Json::parse(R"([{"setWeight": 30}, {"pause": {}}, {"setWeight": 60}])");
  cluster().create(res::modelDeployments(), kNs, modelDeployment("spam", "1.0.0", 2, canaryStrategy(steps, gatewayRouting("spam"))));
  startOperator();
  ASSERT_TRUE(waitHealthyAt("spam", "1.0.0"));
  // Rollout of 2.0.0 held by an indefinite pause, aborted by request; then 3.0.0 promoted by request.
  ASSERT_EQ(setVersion("spam", "2.0.0"), "");
  ASSERT_TRUE(waitFor([&] { return phase("spam") == "Paused"; }, 20s)) << status("spam").dump(1);
  ASSERT_EQ(cluster().mergePatch(res::modelDeployments(), kNs, "spam",
                                 {{"metadata", {{"annotations", {{"modelops.dev/action", "abort"}, {"modelops.dev/action-id", "a1"}}}}}}), "");
  ASSERT_TRUE(waitFor([&] { return phase("spam") == "RolledBack"; }, 20s)) << status("spam").dump(1);
  ASSERT_EQ(setVersion("spam", "3.0.0"), "");
  ASSERT_TRUE(waitFor([&] { return phase("spam") == "Paused"; }, 20s)) << status("spam").dump(1);
  ASSERT_EQ(cluster().mergePatch(res::modelDeployments(), kNs, "spam",
                                 {{"metadata", {{"annotations", {{"modelops.dev/action", "promote"}, {"modelops.dev/action-id", "p1"}}}}}}), "");
  ASSERT_TRUE(waitHealthyAt("spam", "3.0.0"));

  auto object = md("spam");
  EXPECT_EQ(object["metadata"].value("generation", 0), 3) << "only the test's three spec writes bump generation";
  EXPECT_EQ(object["spec"]["model"].value("version", ""), "3.0.0");
  int statusWrites = 0;
  for (const auto& r : cluster().server().audit().records()) {
    if (r.resource != "modeldeployments" || !isWrite(r)) continue;
    if (isOperatorRequest(r)) {
      EXPECT_EQ(r.subresource, "status") << describe({r});
      EXPECT_FALSE(r.specChanged) << describe({r});
      if (r.changed) ++statusWrites;
    } else if (r.specChanged) {
      EXPECT_EQ(r.userAgent, "modelops-itest/1") << "a spec write by someone else: " << describe({r});
    }
  }
  EXPECT_GE(statusWrites, 5) << "the operator's status writes were not seen in the audit";
  EXPECT_TRUE(operatorSpecWrites(cluster().server().audit()).empty());
}

TEST_F(WritesTest, NoOpReconcileMakesZeroWrites) {
  cluster().create(res::httpRoutes(), kNs, httpRoute("gw", "gw"));
  auto steps = Json::parse(R"([{"setWeight": 50}, {"pause": {"duration": "500ms"}}])");
  cluster().create(res::modelDeployments(), kNs, modelDeployment("gw", "1.0.0", 2, canaryStrategy(steps, gatewayRouting("gw"))));
  cluster().create(res::modelDeployments(), kNs, modelDeployment("ratio", "1.0.0", 3, canaryStrategy(steps)));
  startOperator();
  ASSERT_TRUE(waitHealthyAt("gw", "1.0.0"));
  ASSERT_TRUE(waitHealthyAt("ratio", "1.0.0"));
  ASSERT_EQ(setVersion("gw", "2.0.0"), "");
  ASSERT_EQ(setVersion("ratio", "2.0.0"), "");
  ASSERT_TRUE(waitHealthyAt("gw", "2.0.0"));
  ASSERT_TRUE(waitHealthyAt("ratio", "2.0.0"));
  ASSERT_TRUE(waitFor([&] { return replicasOf(deploymentFor("gw", "1.0.0")) == 0 && replicasOf(deploymentFor("ratio", "1.0.0")) == 0; }, 10s));
  ASSERT_TRUE(waitOperatorQuiet(1500ms, 15s)) << describe(operatorWrites(cluster().server().audit()));

  const auto mark = lastSeq(cluster().server().audit());
  // Woken by an unrelated label change: reconciles, writes nothing.
  ASSERT_TRUE(forceReconcile("gw", "1"));
  ASSERT_TRUE(forceReconcile("ratio", "1"));
  // Woken by a restart: the new process lists everything and reconciles every object.
  op().process().signal(SIGTERM);
  ASSERT_EQ(op().process().wait(10s), std::optional<int>(0));
  startOperator();
  ASSERT_TRUE(waitFor([&] { return op().reconciles() >= 2; }, 15s)) << op().scrapeMetrics();
  ASSERT_TRUE(forceReconcile("gw", "2"));
  auto writes = operatorWrites(cluster().server().audit(), mark);
  EXPECT_TRUE(writes.empty()) << "writes by no-op reconciles:\n" << describe(writes);
  EXPECT_EQ(phase("gw"), "Healthy");
  EXPECT_EQ(phase("ratio"), "Healthy");
}

}  // namespace
}  // namespace modelops::itest
