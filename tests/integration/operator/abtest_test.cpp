// integration.operator: an A/B test through a Gateway API HTTPRoute: control and treatment at 50/50 in
// the managed rule, a header rule pinning X-Model-Variant: treatment to the treatment, both measured
// by the fake Prometheus; after `duration` the more accurate treatment is promoted to 100%.
#include "operator_fixture.h"

namespace modelops::itest {
namespace {

using AbTest = OperatorTest;

Json abStrategy(const std::string& route) {
  Json s = Json::parse(R"({"abTest": {
      "variants": [
        {"name": "control", "weight": 50},
        {"name": "treatment", "weight": 50, "model": {"version": "1.1.0", "uri": "s3://models/rec/1.1.0"},
         "match": [{"header": {"name": "X-Model-Variant", "value": "treatment"}}]}],
      "duration": "4s", "winnerSelection": "Auto"}})");
  s["abTest"]["trafficRouting"] = gatewayRouting(route);
  return s;
}

TEST_F(AbTest, MoreAccurateVariantWinsAndIsPromoted) {
  prometheus_.set("1.0.0", 800, 1000);  // control: 0.80
  prometheus_.set("1.1.0", 950, 1000);  // treatment: 0.95
  cluster().create(res::httpRoutes(), kNs, httpRoute("rec", "rec"));
  cluster().create(res::modelDeployments(), kNs,
                   modelDeployment("rec", "1.0.0", 2, abStrategy("rec"), accuracyAnalysis(prometheus_.url(), 0.7, 100)));
  WatchRecorder routes(cluster().client(), res::httpRoutes(), kNs);
  startOperator();

  // During the test: 50/50 between the variants' Services and a header rule to the treatment.
  auto split = [&] {
    auto w = httpRouteWeights(cluster().get(res::httpRoutes(), kNs, "rec"));
    return w["rec-control"] == 50 && w["rec-treatment"] == 50;
  };
  ASSERT_TRUE(waitFor(split, 15s)) << cluster().get(res::httpRoutes(), kNs, "rec").dump(1) << status("rec").dump(1) << logTail();
  ASSERT_TRUE(caughtUp(routes, res::httpRoutes(), "rec"));
  bool headerRule = false;
  for (const auto& v : routes.versions("rec"))
    for (const auto& r : v["spec"].value("rules", Json::array()))
      if (r.value("name", "").starts_with("modelops-match-") && r.dump().find("X-Model-Variant") != std::string::npos &&
          r["backendRefs"][0].value("name", "") == "rec-treatment")
        headerRule = true;
  EXPECT_TRUE(headerRule) << "no header rule for the treatment was seen";
  auto running = status("rec");
  ASSERT_EQ(running.value("variants", Json::array()).size(), 2u) << running.dump(1);
  // The analysis gauges have a series per variant (each its own revision) while the test runs.
  std::map<std::string, std::string> revisionOf;
  for (const auto& v : running["variants"]) revisionOf[v.value("name", "")] = std::to_string(v.value("revision", 0));
  auto accuracySeries = [&](const std::string& revision) {
    return op().scrapeMetrics().find("modelops_analysis_accuracy{metric=\"accuracy\",name=\"rec\",namespace=\"" + kNs +
                                     "\",revision=\"" + revision + "\"}") != std::string::npos;
  };
  EXPECT_TRUE(waitFor([&] { return accuracySeries(revisionOf["control"]) && accuracySeries(revisionOf["treatment"]); }, 15s))
      << op().scrapeMetrics();
  EXPECT_TRUE(deploymentFor("rec", "1.0.0").is_object());
  EXPECT_TRUE(deploymentFor("rec", "1.1.0").is_object());

  // After the duration the treatment wins on accuracy and serves 100%.
  ASSERT_TRUE(waitHealthyAt("rec", "1.1.0", 30s));
  auto st = status("rec");
  auto promoted = findHistory(st, "1.1.0", "Promoted");
  ASSERT_NE(promoted, nullptr) << st.dump(1);
  EXPECT_NE(promoted->value("reason", "").find("treatment"), std::string::npos) << promoted->value("reason", "");
  EXPECT_GT(prometheus_.queries("1.0.0"), 0);
  EXPECT_GT(prometheus_.queries("1.1.0"), 0);
  EXPECT_TRUE(waitFor([&] {
    auto route = cluster().get(res::httpRoutes(), kNs, "rec");
    for (const auto& r : route["spec"]["rules"])
      if (r.value("name", "").starts_with("modelops-match-")) return false;
    return httpRouteWeights(route)["rec-stable"] == 100;
  }, 10s)) << cluster().get(res::httpRoutes(), kNs, "rec").dump(1);
  EXPECT_EQ(replicasOf(deploymentFor("rec", "1.1.0")), 2);
  // The loser's revision is no longer run: its series is gone, the winner's stays.
  EXPECT_TRUE(waitFor([&] { return !accuracySeries(revisionOf["control"]) && accuracySeries(revisionOf["treatment"]); }, 10s))
      << op().scrapeMetrics();
  EXPECT_FALSE(eventsWithReason("rec", "Promoted").empty());
}

}  // namespace
}  // namespace modelops::itest
