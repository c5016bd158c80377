// integration.operator: a canary whose pods never become available is rolled back after
// progressDeadlineSeconds (issue 5, automatic rollback): phase RolledBack, a history entry with the
// reason, a Warning Event, canary weight 0 in the HTTPRoute throughout, and the stable revision untouched.
// The new revision's pod template carries devserver.modelops.dev/never-ready, which the dev server's
// simulated Deployment controller honours (docs/devserver.md); the stable revision's template does not.
#include "operator_fixture.h"

namespace modelops::itest {
namespace {

using ProgressDeadlineTest = OperatorTest;

constexpr std::int64_t kDeadlineSeconds = 3;

TEST_F(ProgressDeadlineTest, CanaryNeverAvailableRollsBackAfterTheDeadline) {
  cluster().create(res::httpRoutes(), kNs, httpRoute("stuck", "stuck"));
  auto steps = Json::parse(R"([{"setWeight": 50}, {"pause": {"duration": "1s"}}])");
  auto spec = modelDeployment("stuck", "1.0.0", 2, canaryStrategy(steps, gatewayRouting("stuck")));
  spec["spec"]["progressDeadlineSeconds"] = kDeadlineSeconds;
  cluster().create(res::modelDeployments(), kNs, spec);
  startOperator();
  ASSERT_TRUE(waitHealthyAt("stuck", "1.0.0"));
  const auto stableBefore = deploymentFor("stuck", "1.0.0");
  ASSERT_FALSE(stableBefore.is_null());
  const std::string stableName = stableBefore["metadata"].value("name", "");

  WatchRecorder routes(cluster().client(), res::httpRoutes(), kNs);
  const auto seqBefore = lastSeq(cluster().server().audit());
  const auto changedAt = std::chrono::steady_clock::now();
  ASSERT_EQ(cluster().mergePatch(res::modelDeployments(), kNs, "stuck",
                                 {{"spec",
                                   {{"model", {{"version", "2.0.0"}, {"uri", "s3://models/stuck/2.0.0"}}},
                                    {"template", {{"metadata", {{"annotations", {{"devserver.modelops.dev/never-ready", "true"}}}}}}}}}}),
            "");
  ASSERT_TRUE(waitFor([&] { return phase("stuck") == "RolledBack"; }, 30s)) << status("stuck").dump(1) << logTail();
  const auto tookMs = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - changedAt);

  // The canary existed, carried the annotation in its pod template and never had a pod available.
  auto canary = deploymentFor("stuck", "2.0.0");
  ASSERT_FALSE(canary.is_null()) << "the canary Deployment was never created";
  EXPECT_EQ(canary["spec"]["template"]["metadata"]["annotations"].value("devserver.modelops.dev/never-ready", ""), "true");
  EXPECT_EQ(canary["status"].value("availableReplicas", std::int64_t{0}), 0) << canary["status"].dump();
  EXPECT_GE(tookMs.count(), kDeadlineSeconds * 1000 - 500) << "rolled back before progressDeadlineSeconds";

  // Status: no canary, stable 1.0.0, a history entry with the reason, Progressing False.
  auto st = status("stuck");
  EXPECT_FALSE(st.contains("canary")) << st.dump(1);
  EXPECT_EQ(stableVersion("stuck"), "1.0.0");
  auto entry = findHistory(st, "2.0.0", "RolledBack");
  ASSERT_NE(entry, nullptr) << st.dump(1);
  auto reason = entry->value("reason", "");
  EXPECT_NE(reason.find("progressDeadlineSeconds (3s)"), std::string::npos) << reason;
  EXPECT_NE(reason.find("0/1 replicas available"), std::string::npos) << reason;
  auto progressing = findCondition(st, "Progressing");
  ASSERT_NE(progressing, nullptr) << st.dump(1);
  EXPECT_EQ(progressing->value("status", ""), "False");
  EXPECT_EQ(progressing->value("reason", ""), "RolledBack");
  auto warnings = eventsWithReason("stuck", "RolledBack");
  ASSERT_FALSE(warnings.empty());
  EXPECT_EQ(warnings[0].value("type", ""), "Warning");
  EXPECT_NE(warnings[0].value("message", "").find("2.0.0"), std::string::npos) << warnings[0].dump();
  EXPECT_NE(warnings[0].value("message", "").find("progressDeadlineSeconds"), std::string::npos) << warnings[0].dump();

  // Traffic: the canary backend never carried weight; the stable backend kept 100 and the user's rule stayed.
  ASSERT_TRUE(caughtUp(routes, res::httpRoutes(), "stuck"));
  const auto versions = routes.versions("stuck");
  for (const auto& v : versions) {
    auto w = httpRouteWeights(v);
    EXPECT_EQ(w.count("stuck-canary") ? w["stuck-canary"] : 0, 0) << v["spec"].dump();
    EXPECT_EQ(w["stuck-stable"], 100) << v["spec"].dump();
  }
  auto route = cluster().get(res::httpRoutes(), kNs, "stuck");
  auto weights = httpRouteWeights(route);
  EXPECT_EQ(weights["stuck-stable"], 100);
  EXPECT_EQ(weights.count("stuck-canary") ? weights["stuck-canary"] : 0, 0);
  EXPECT_EQ(route["spec"]["rules"][1]["backendRefs"][0].value("name", ""), "admin-ui");

  // The canary is scaled down; the stable Deployment was never written by the operator and still serves.
  EXPECT_TRUE(waitFor([&] { return replicasOf(deploymentFor("stuck", "2.0.0")) <= 0; }, 10s))
      << deploymentFor("stuck", "2.0.0").dump(1);
  std::vector<devserver::AuditRecord> stableWrites;
  for (const auto& r : operatorWrites(cluster().server().audit(), seqBefore))
    if (r.resource == "deployments" && r.name == stableName) stableWrites.push_back(r);
  EXPECT_TRUE(stableWrites.empty()) << describe(stableWrites);
  auto stableNow = cluster().get(res::deployments(), kNs, stableName);
  EXPECT_EQ(stableNow["spec"], stableBefore["spec"]);
  EXPECT_EQ(stableNow["status"].value("availableReplicas", std::int64_t{0}), 2);

  // The spec still declares 2.0.0; the operator does not try it again by itself.
  EXPECT_EQ(md("stuck")["spec"]["model"].value("version", ""), "2.0.0");
  ASSERT_TRUE(forceReconcile("stuck", "1"));
  EXPECT_EQ(phase("stuck"), "RolledBack");
  EXPECT_LE(replicasOf(deploymentFor("stuck", "2.0.0")), 0);
}

}  // namespace
}  // namespace modelops::itest
