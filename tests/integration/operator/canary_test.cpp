// integration.operator: full canary rollouts by the real operator binary against the dev API server
// (issue 5 acceptance): Gateway API and Istio routing stepping 10 -> 50 -> promotion with the old
// revision scaled down, replica-ratio mode, and an analysis failure rolled back.
#include "operator_fixture.h"

namespace modelops::itest {
namespace {

Json stepsWithAnalysis() {
  return Json::parse(R"([{"setWeight": 10}, {"pause": {"duration": "1s"}}, {"analysis": {}},
                         {"setWeight": 50}, {"pause": {"duration": "1s"}}])");
}

using CanaryTest = OperatorTest;

// The operator's writes since a rollout started, in the server's order. The audit names no object on a
// create (a POST to the collection), so the canary is the Deployment other than `stableName` that the
// operator changed after creating one: its last change (the scale-down patch or the delete) must come
// after the last change of the route, and the route must have changed after the canary was created.
void expectRouteRevertedBeforeCanaryShrank(const std::vector<devserver::AuditRecord>& writes,
                                           const std::string& stableName) {
  std::uint64_t created = 0, lastRoute = 0, lastCanaryChange = 0;
  std::string canaryName;
  for (const auto& r : writes) {
    if (!r.changed) continue;
    if (r.resource == "deployments" && r.verb == "create" && !created) created = r.seq;
    if (!created) continue;
    if (r.resource == "httproutes") lastRoute = r.seq;
    if (r.resource == "deployments" && r.subresource.empty() && r.verb != "create" && r.name != stableName) {
      EXPECT_TRUE(canaryName.empty() || canaryName == r.name) << "two canaries:\n" << describe(writes);
      canaryName = r.name;
      lastCanaryChange = r.seq;
    }
  }
  ASSERT_NE(created, 0u) << "no canary Deployment created:\n" << describe(writes);
  ASSERT_NE(lastCanaryChange, 0u) << "the canary was never scaled down or deleted:\n" << describe(writes);
  ASSERT_NE(lastRoute, 0u) << "the route never changed after the canary existed:\n" << describe(writes);
  EXPECT_LT(lastRoute, lastCanaryChange) << "canary " << canaryName << " shrank before the route was reverted:\n"
                                         << describe(writes);
}

TEST_F(CanaryTest, GatewayApiCanaryStepsToPromotionAndScalesDownOldRevision) {
  prometheus_.set("1.0.0", 990, 1000);
  prometheus_.set("2.0.0", 985, 1000);
  cluster().create(res::httpRoutes(), kNs, httpRoute("fraud", "fraud"));
  cluster().create(res::modelDeployments(), kNs,
                   modelDeployment("fraud", "1.0.0", 2, canaryStrategy(stepsWithAnalysis(), gatewayRouting("fraud")),
                                   accuracyAnalysis(prometheus_.url())));
  startOperator();
  ASSERT_TRUE(waitHealthyAt("fraud", "1.0.0"));
  auto oldDeployment = deploymentFor("fraud", "1.0.0");
  ASSERT_FALSE(oldDeployment.is_null());
  const std::string oldName = oldDeployment["metadata"]["name"];
  EXPECT_EQ(replicasOf(oldDeployment), 2);
  auto routeBefore = cluster().get(res::httpRoutes(), kNs, "fraud");
  EXPECT_EQ(httpRouteWeights(routeBefore)["fraud-stable"], 100);

  WatchRecorder routes(cluster().client(), res::httpRoutes(), kNs);
  ASSERT_EQ(setVersion("fraud", "2.0.0"), "");
  ASSERT_TRUE(waitHealthyAt("fraud", "2.0.0"));
  ASSERT_TRUE(caughtUp(routes, res::httpRoutes(), "fraud"));

  // The canary's weight stepped 10 -> 50 in the route, then promotion put the stable backend at 100.
  auto canaryWeights = distinctSequence(routes.versions("fraud"), [](const Json& r) -> std::optional<std::int64_t> {
    auto w = httpRouteWeights(r);
    if (!w.count("fraud-canary")) return std::nullopt;
    return w["fraud-canary"];
  });
  EXPECT_TRUE(subsequence({10, 50, 0}, canaryWeights)) << seqText(canaryWeights);
  for (auto w : canaryWeights) EXPECT_TRUE(w == 0 || w == 10 || w == 50) << seqText(canaryWeights);
  auto route = cluster().get(res::httpRoutes(), kNs, "fraud");
  auto weights = httpRouteWeights(route);
  EXPECT_EQ(weights["fraud-stable"], 100);
  EXPECT_EQ(weights["fraud-canary"], 0);
  // The user's other rule is untouched.
  EXPECT_EQ(route["spec"]["rules"][1]["backendRefs"], routeBefore["spec"]["rules"][1]["backendRefs"]);
  EXPECT_EQ(route["spec"]["parentRefs"], routeBefore["spec"]["parentRefs"]);

  // The analysis step ran against the canary's version and passed.
  EXPECT_GT(prometheus_.queries("2.0.0"), 0);
  auto st = status("fraud");
  EXPECT_EQ(st["stable"].value("revision", 0), 2);
  EXPECT_EQ(st["stable"].value("weight", 0), 100);
  auto promoted = findHistory(st, "2.0.0", "Promoted");
  ASSERT_NE(promoted, nullptr) << st.dump(1);
  EXPECT_EQ(promoted->value("revision", 0), 2);
  EXPECT_NE(findHistory(st, "1.0.0", "Promoted"), nullptr) << st.dump(1);

  // The new revision serves with every replica; the old one is scaled to 0 after scaleDownDelaySeconds.
  auto fresh = deploymentFor("fraud", "2.0.0");
  EXPECT_EQ(replicasOf(fresh), 2);
  EXPECT_TRUE(waitFor([&] { return replicasOf(cluster().get(res::deployments(), kNs, oldName)) <= 0; }, 10s))
      << cluster().get(res::deployments(), kNs, oldName).dump(1);
  auto stableSvc = cluster().get(res::services(), kNs, "fraud-stable");
  EXPECT_EQ(stableSvc["spec"]["selector"].value("modelops.dev/revision-hash", ""),
            fresh["metadata"]["labels"].value("modelops.dev/revision-hash", "x"));
  EXPECT_FALSE(eventsWithReason("fraud", "Promoted").empty());
  EXPECT_FALSE(eventsWithReason("fraud", "AnalysisPassed").empty());
}

TEST_F(CanaryTest, IstioCanaryStepsToPromotion) {
  cluster().create(res::virtualServices(), kNs, virtualService("ranker", "ranker"));
  auto steps = Json::parse(R"([{"setWeight": 10}, {"pause": {"duration": "1s"}}, {"setWeight": 50}, {"pause": {"duration": "1s"}}])");
  cluster().create(res::modelDeployments(), kNs, modelDeployment("ranker", "1.0.0", 2, canaryStrategy(steps, istioRouting("ranker"))));
  startOperator();
  ASSERT_TRUE(waitHealthyAt("ranker", "1.0.0"));
  auto oldName = deploymentFor("ranker", "1.0.0")["metadata"].value("name", "");
  auto before = cluster().get(res::virtualServices(), kNs, "ranker");
  WatchRecorder vss(cluster().client(), res::virtualServices(), kNs);
  ASSERT_EQ(setVersion("ranker", "2.0.0"), "");
  ASSERT_TRUE(waitHealthyAt("ranker", "2.0.0"));
  ASSERT_TRUE(caughtUp(vss, res::virtualServices(), "ranker"));
  auto canaryWeights = distinctSequence(vss.versions("ranker"), [](const Json& v) -> std::optional<std::int64_t> {
    auto w = virtualServiceWeights(v, "primary");
    if (!w.count("ranker-canary")) return std::nullopt;
    return w["ranker-canary"];
  });
  EXPECT_TRUE(subsequence({10, 50, 0}, canaryWeights)) << seqText(canaryWeights);
  auto vs = cluster().get(res::virtualServices(), kNs, "ranker");
  auto w = virtualServiceWeights(vs, "primary");
  EXPECT_EQ(w["ranker-stable"], 100);
  EXPECT_EQ(w["ranker-canary"], 0);
  EXPECT_EQ(vs["spec"]["http"][0], before["spec"]["http"][0]) << "the user's other route was changed";
  EXPECT_EQ(vs["spec"]["hosts"], before["spec"]["hosts"]);
  auto st = status("ranker");
  ASSERT_NE(findHistory(st, "2.0.0", "Promoted"), nullptr) << st.dump(1);
  EXPECT_TRUE(waitFor([&] { return replicasOf(cluster().get(res::deployments(), kNs, oldName)) <= 0; }, 10s));
  EXPECT_EQ(replicasOf(deploymentFor("ranker", "2.0.0")), 2);
}

TEST_F(CanaryTest, ReplicaRatioModeCarriesWeightInReplicaCounts) {
  auto steps = Json::parse(R"([{"setWeight": 25}, {"pause": {"duration": "3s"}}, {"setWeight": 50}, {"pause": {"duration": "3s"}}])");
  cluster().create(res::modelDeployments(), kNs, modelDeployment("scorer", "1.0.0", 4, canaryStrategy(steps)));
  startOperator();
  ASSERT_TRUE(waitHealthyAt("scorer", "1.0.0"));
  EXPECT_EQ(replicasOf(deploymentFor("scorer", "1.0.0")), 4);
  ASSERT_EQ(setVersion("scorer", "2.0.0"), "");
  auto counts = [&] { return std::pair(replicasOf(deploymentFor("scorer", "1.0.0")), replicasOf(deploymentFor("scorer", "2.0.0"))); };
  // 25%: one canary pod beside three stable ones. The pass writes the Deployments before its status, so
  // wait for both.
  auto canaryWeight = [&] {
    auto s = status("scorer");
    return s.contains("canary") ? s["canary"].value("weight", std::int64_t{-1}) : std::int64_t{-1};
  };
  EXPECT_TRUE(waitFor([&] { return counts() == std::pair<std::int64_t, std::int64_t>(3, 1) && canaryWeight() == 25; }, 10s))
      << counts().first << "/" << counts().second << "\n" << status("scorer").dump(1);
  auto st = status("scorer");
  EXPECT_EQ(st["canary"].value("weight", 0), 25);
  EXPECT_NE(st.value("message", "").find("approximated by 1/4 pods (25%)"), std::string::npos) << st.value("message", "");
  // 50%: two and two.
  EXPECT_TRUE(waitFor([&] { return counts() == std::pair<std::int64_t, std::int64_t>(2, 2); }, 10s))
      << counts().first << "/" << counts().second << "\n" << status("scorer").dump(1);
  ASSERT_TRUE(waitHealthyAt("scorer", "2.0.0"));
  EXPECT_TRUE(waitFor([&] { return counts() == std::pair<std::int64_t, std::int64_t>(0, 4); }, 10s))
      << counts().first << "/" << counts().second;
  EXPECT_TRUE(cluster().list(res::httpRoutes(), kNs).empty());
}

TEST_F(CanaryTest, FailedAnalysisRollsBackWithMeasuredValues) {
  prometheus_.set("1.0.0", 990, 1000);
  prometheus_.set("2.0.0", 500, 1000);  // far below min 0.9 with enough samples
  cluster().create(res::httpRoutes(), kNs, httpRoute("churn", "churn"));
  auto steps = Json::parse(R"([{"setWeight": 20}, {"analysis": {}}, {"setWeight": 50}])");
  cluster().create(res::modelDeployments(), kNs,
                   modelDeployment("churn", "1.0.0", 2, canaryStrategy(steps, gatewayRouting("churn")),
                                   accuracyAnalysis(prometheus_.url())));
  startOperator();
  ASSERT_TRUE(waitHealthyAt("churn", "1.0.0"));
  WatchRecorder routes(cluster().client(), res::httpRoutes(), kNs);
  const std::string stableName = deploymentFor("churn", "1.0.0")["metadata"].value("name", "");
  const auto beforeRollout = lastSeq(cluster().server().audit());
  ASSERT_EQ(setVersion("churn", "2.0.0"), "");
  ASSERT_TRUE(waitFor([&] { return phase("churn") == "RolledBack"; }, 30s)) << status("churn").dump(1) << logTail();
  ASSERT_TRUE(caughtUp(routes, res::httpRoutes(), "churn"));

  auto st = status("churn");
  EXPECT_FALSE(st.contains("canary")) << st.dump(1);
  EXPECT_EQ(st["stable"].value("version", ""), "1.0.0");
  auto entry = findHistory(st, "2.0.0", "RolledBack");
  ASSERT_NE(entry, nullptr) << st.dump(1);
  auto reason = entry->value("reason", "");
  EXPECT_NE(reason.find("0.5"), std::string::npos) << reason;
  EXPECT_NE(reason.find("1000"), std::string::npos) << reason;
  auto accuracy = findCondition(st, "AccuracyHealthy");
  ASSERT_NE(accuracy, nullptr);
  EXPECT_EQ(accuracy->value("status", ""), "False");
  // One rollback and the first deploy's promotion on the outcome counter, for alerts.
  auto metrics = op().scrapeMetrics();
  EXPECT_NE(metrics.find("modelops_rollout_outcomes_total{name=\"churn\",namespace=\"" + kNs + "\",outcome=\"RolledBack\"} 1"),
            std::string::npos) << metrics;
  EXPECT_NE(metrics.find("modelops_rollout_outcomes_total{name=\"churn\",namespace=\"" + kNs + "\",outcome=\"Promoted\"} 1"),
            std::string::npos) << metrics;

  // The canary had 20% and is back to 0, stable 100; the canary Deployment is scaled to 0.
  auto canaryWeights = distinctSequence(routes.versions("churn"), [](const Json& r) -> std::optional<std::int64_t> {
    auto w = httpRouteWeights(r);
    if (!w.count("churn-canary")) return std::nullopt;
    return w["churn-canary"];
  });
  EXPECT_TRUE(subsequence({20, 0}, canaryWeights)) << seqText(canaryWeights);
  EXPECT_EQ(std::count(canaryWeights.begin(), canaryWeights.end(), 50), 0) << seqText(canaryWeights);
  auto weights = httpRouteWeights(cluster().get(res::httpRoutes(), kNs, "churn"));
  EXPECT_EQ(weights["churn-stable"], 100);
  EXPECT_EQ(weights["churn-canary"], 0);
  auto canary = deploymentFor("churn", "2.0.0");
  EXPECT_TRUE(canary.is_null() || replicasOf(canary) == 0) << canary.dump(1);
  EXPECT_EQ(replicasOf(deploymentFor("churn", "1.0.0")), 2);

  // Traffic left the canary before its pods did: judged from the dev server's audit, which keeps the
  // canary's create and its scale-down or delete even when the Deployment is gone by now.
  expectRouteRevertedBeforeCanaryShrank(operatorWrites(cluster().server().audit(), beforeRollout), stableName);
  auto warnings = eventsWithReason("churn", "RolledBack");
  ASSERT_FALSE(warnings.empty());
  EXPECT_EQ(warnings[0].value("type", ""), "Warning");
  EXPECT_NE(warnings[0].value("message", "").find("2.0.0"), std::string::npos);

  // The spec still declares 2.0.0 and the operator does not retry it by itself.
  EXPECT_EQ(md("churn")["spec"]["model"].value("version", ""), "2.0.0");
  ASSERT_TRUE(forceReconcile("churn", "1"));
  EXPECT_EQ(phase("churn"), "RolledBack");
  auto again = deploymentFor("churn", "2.0.0");
  EXPECT_TRUE(again.is_null() || replicasOf(again) == 0);
}

}  // namespace
}  // namespace modelops::itest
