// integration.operator: a spec the CRD schema accepts but the operator's validation rejects (an analysis
// step without spec.analysis, with a new version) is held: phase Invalid, an InvalidSpec condition and
// a Warning Event naming the field, the running Deployments and route untouched; another
// ModelDeployment keeps being reconciled meanwhile.
#include "operator_fixture.h"

namespace modelops::itest {
namespace {

using InvalidSpecTest = OperatorTest;

TEST_F(InvalidSpecTest, InvalidSpecIsReportedAndWorkloadsAreLeftAlone) {
  auto steps = Json::parse(R"([{"setWeight": 50}, {"pause": {"duration": "500ms"}}])");
  cluster().create(res::httpRoutes(), kNs, httpRoute("bad", "bad"));
  cluster().create(res::modelDeployments(), kNs, modelDeployment("bad", "1.0.0", 2, canaryStrategy(steps, gatewayRouting("bad"))));
  cluster().create(res::modelDeployments(), kNs, modelDeployment("good", "1.0.0", 2, canaryStrategy(steps)));
  startOperator();
  ASSERT_TRUE(waitHealthyAt("bad", "1.0.0"));
  ASSERT_TRUE(waitHealthyAt("good", "1.0.0"));
  ASSERT_TRUE(waitFor([&] { return httpRouteWeights(cluster().get(res::httpRoutes(), kNs, "bad"))["bad-stable"] == 100; }, 10s));
  ASSERT_TRUE(waitOperatorQuiet(1000ms, 10s));
  auto deploymentsBefore = deploymentsOf("bad");
  auto routeBefore = cluster().get(res::httpRoutes(), kNs, "bad");
  auto servicesBefore = cluster().list(res::services(), kNs, "modelops.dev/name=bad");

  const auto mark = lastSeq(cluster().server().audit());
  // Accepted by the API server (the schema has no cross-field rule), rejected by the operator.
  auto err = cluster().mergePatch(res::modelDeployments(), kNs, "bad",
                                  {{"spec", {{"model", {{"version", "2.0.0"}}},
                                             {"strategy", {{"canary", {{"steps", Json::parse(R"([{"setWeight": 10}, {"analysis": {}}])")}}}}}}}});
  ASSERT_EQ(err, "");
  ASSERT_TRUE(waitFor([&] { return phase("bad") == "Invalid"; }, 15s)) << status("bad").dump(1) << logTail();
  auto st = status("bad");
  auto invalid = findCondition(st, "InvalidSpec");
  ASSERT_NE(invalid, nullptr) << st.dump(1);
  EXPECT_EQ(invalid->value("status", ""), "True");
  EXPECT_NE(invalid->value("message", "").find("spec.strategy.canary.steps[1].analysis"), std::string::npos)
      << invalid->value("message", "");
  EXPECT_EQ(st.value("observedGeneration", 0), md("bad")["metadata"].value("generation", -1));
  EXPECT_EQ(st["stable"].value("version", ""), "1.0.0");
  auto events = eventsWithReason("bad", "InvalidSpec");
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].value("type", ""), "Warning");
  EXPECT_NE(events[0].value("message", "").find("spec.strategy.canary.steps[1].analysis"), std::string::npos);

  // Meanwhile the other ModelDeployment rolls out normally.
  ASSERT_EQ(setVersion("good", "2.0.0"), "");
  ASSERT_TRUE(waitHealthyAt("good", "2.0.0"));
  ASSERT_TRUE(forceReconcile("bad", "1"));

  // Nothing of "bad" was touched: same Deployments (same resourceVersions), route, Services.
  auto deploymentsAfter = deploymentsOf("bad");
  ASSERT_EQ(deploymentsAfter.size(), deploymentsBefore.size());
  for (std::size_t i = 0; i < deploymentsBefore.size(); ++i) {
    EXPECT_EQ(deploymentsAfter[i]["metadata"]["name"], deploymentsBefore[i]["metadata"]["name"]);
    EXPECT_EQ(deploymentsAfter[i]["spec"], deploymentsBefore[i]["spec"]);
  }
  EXPECT_EQ(cluster().get(res::httpRoutes(), kNs, "bad")["metadata"]["resourceVersion"], routeBefore["metadata"]["resourceVersion"]);
  EXPECT_EQ(cluster().list(res::services(), kNs, "modelops.dev/name=bad").size(), servicesBefore.size());
  for (const auto& r : operatorWrites(cluster().server().audit(), mark))
    if (r.resource == "deployments" || r.resource == "httproutes" || r.resource == "services") {
      EXPECT_NE(r.name.rfind("bad", 0), 0u) << "a child of the invalid ModelDeployment was written:\n" << describe({r});
    }
  EXPECT_EQ(phase("bad"), "Invalid");

  // Fixing the spec resumes: the rollout of 2.0.0 proceeds.
  ASSERT_EQ(cluster().mergePatch(res::modelDeployments(), kNs, "bad", {{"spec", {{"strategy", {{"canary", {{"steps", steps}}}}}}}}), "");
  ASSERT_TRUE(waitHealthyAt("bad", "2.0.0"));
}

}  // namespace
}  // namespace modelops::itest
