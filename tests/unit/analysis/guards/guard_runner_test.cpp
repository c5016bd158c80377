// The guard runner over a fake provider: templates rendered per revision with the guards' args, class
// series summed per class label, no data and provider errors never pass, guards that compare with stable
// are not applicable without it, the shared budget, and labels overruling the estimated accuracy.
#include <gtest/gtest.h>

#include <memory>

#include "../providers/fake_metric_provider.h"
#include "modelops/analysis/guard_runner.h"

namespace modelops::analysis {
namespace {

using testing::FakeMetricProvider;

const std::string kClasses = R"(sum by (class) (predictions{version="{{version}}"}[{{args.window}}]))";

TemplateVars revisionOf(const std::string& version, const std::string& track) {
  return TemplateVars{"fd", "ml", "fraud", version, track == "canary" ? "4" : "3", track, {}};
}
std::string render(const std::string& tmpl, const std::string& version) {
  TemplateVars v = revisionOf(version, "x");
  v.args = {{"window", "1h"}};
  return *renderTemplate(tmpl, v, Escaping::PromQL);
}
Sample cls(const std::string& name, double v) { return Sample{{{"class", name}}, v}; }

struct Fixture {
  std::shared_ptr<FakeMetricProvider> fake = std::make_shared<FakeMetricProvider>();
  GuardRunner runner{[this](const MetricSpec&, const TemplateVars&) -> Result<std::shared_ptr<MetricProvider>, ProviderError> {
    return std::shared_ptr<MetricProvider>(fake);
  }};
  MetricSpec provider() const {
    MetricSpec m;
    m.name = "guards";
    m.provider = PrometheusConfig{};
    return m;
  }
  GuardPlan plan() const {
    api::GuardsSpec g;
    g.args = {{"window", "1h"}};
    g.minSamples = 100;
    g.classDistribution = api::ClassDistributionGuard{kClasses, std::nullopt, 0.1, std::nullopt};
    return planGuards(g, {});
  }
};

TEST(GuardRunner, SumsClassSeriesPerRevisionAndFailsAShift) {
  Fixture f;
  f.fake->set(render(kClasses, "2.0.0"), {cls("cat", 100), cls("cat", 300), cls("fox", 1600), Sample{{}, 7}});
  f.fake->set(render(kClasses, "1.0.0"), {cls("cat", 1500), cls("fox", 500)});
  auto verdicts = f.runner.measure(f.plan(), f.provider(), revisionOf("2.0.0", "canary"), revisionOf("1.0.0", "stable"),
                                   CancelToken{});
  ASSERT_EQ(verdicts.size(), 1u);
  const Verdict& v = verdicts[0];
  EXPECT_EQ(v.metric, kGuardClassDistribution);
  EXPECT_EQ(v.phase, VerdictPhase::Fail) << v.reason;
  EXPECT_EQ(v.samples, 2000);  // 100 + 300 + 1600: the unlabelled series is not a class
  ASSERT_FALSE(v.segments.empty());
  // Ordered by contribution to the divergence: cat (0.2 vs 0.75) before fox (0.8 vs 0.25).
  ASSERT_EQ(v.segments.size(), 2u);
  EXPECT_EQ(v.segments[0].segment, "class=cat");
  EXPECT_DOUBLE_EQ(v.segments[0].value, 0.2);
  EXPECT_EQ(v.segments[1].segment, "class=fox");
  EXPECT_EQ(v.segments[1].samples, 1600);
  EXPECT_NE(v.reason.find("1 series without the label class ignored"), std::string::npos) << v.reason;
  EXPECT_EQ(v.query, render(kClasses, "2.0.0"));
}

TEST(GuardRunner, NoDataIsInconclusiveAndAProviderErrorIsAnError) {
  Fixture f;
  f.fake->set(render(kClasses, "2.0.0"), {cls("cat", 100), cls("fox", NAN)});
  f.fake->set(render(kClasses, "1.0.0"), {cls("cat", 1500)});
  auto nan = f.runner.measure(f.plan(), f.provider(), revisionOf("2.0.0", "canary"), revisionOf("1.0.0", "stable"), {});
  EXPECT_EQ(nan[0].phase, VerdictPhase::Inconclusive) << nan[0].reason;
  EXPECT_NE(nan[0].reason.find("no data"), std::string::npos) << nan[0].reason;

  f.fake->fail(render(kClasses, "1.0.0"), ProviderError{ProviderError::Kind::Timeout, "Timeout: no answer in 10s", ""});
  f.fake->set(render(kClasses, "2.0.0"), {cls("cat", 100)});
  auto err = f.runner.measure(f.plan(), f.provider(), revisionOf("2.0.0", "canary"), revisionOf("1.0.0", "stable"), {});
  EXPECT_EQ(err[0].phase, VerdictPhase::Error);
  EXPECT_NE(err[0].reason.find("stable"), std::string::npos) << err[0].reason;
  EXPECT_NE(err[0].reason.find("Timeout"), std::string::npos) << err[0].reason;
}

TEST(GuardRunner, GuardsAgainstStableAreNotApplicableWithoutIt) {
  Fixture f;
  auto v = f.runner.measure(f.plan(), f.provider(), revisionOf("2.0.0", "canary"), std::nullopt, {});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].phase, VerdictPhase::Pass);
  EXPECT_NE(v[0].reason.find("no stable revision"), std::string::npos);
  EXPECT_TRUE(f.fake->asked().empty());
}

TEST(GuardRunner, BudgetIsSharedWithTheFirstAccuracyMetricsTests) {
  api::Metric accuracy;
  accuracy.name = "accuracy";
  accuracy.successes = "s";
  accuracy.accuracy = api::AccuracyCriteria{};
  accuracy.accuracy->confidence = 0.9;
  accuracy.accuracy->maxDropVsStable = 0.02;
  api::GuardsSpec g;
  g.classDistribution = api::ClassDistributionGuard{};
  g.errorRate = api::ErrorRateGuard{};
  auto plan = planGuards(g, {accuracy});
  EXPECT_DOUBLE_EQ(plan.confidence, 0.9);
  EXPECT_NEAR(plan.alphaEach, 0.1 / 4, 1e-12);  // 2 guards + floor + versus stable
  g.confidence = 0.99;
  EXPECT_NEAR(planGuards(g, {}).alphaEach, 0.01 / 2, 1e-12);
  EXPECT_DOUBLE_EQ(planGuards(g, {}).minSamples, 100);
}

TEST(GuardRunner, LabelsOverruleAFailingEstimateUnlessItRollsBack) {
  api::Metric accuracy;
  accuracy.name = "accuracy";
  accuracy.accuracy = api::AccuracyCriteria{};
  api::GuardsSpec g;
  g.estimatedAccuracy = api::EstimatedAccuracyGuard{};
  Verdict estimate;
  estimate.metric = kGuardEstimatedAccuracy;
  estimate.phase = VerdictPhase::Fail;
  estimate.reason = "estimated accuracy canary 0.8 vs stable 0.9";
  Verdict passed;
  passed.metric = "accuracy";
  passed.phase = VerdictPhase::Pass;
  Verdict inconclusive = passed;
  inconclusive.phase = VerdictPhase::Inconclusive;

  auto overruled = overruleEstimate(estimate, {passed}, {accuracy}, g);
  EXPECT_EQ(overruled.phase, VerdictPhase::Pass);
  EXPECT_NE(overruled.reason.find("overruled by labels (accuracy passed)"), std::string::npos) << overruled.reason;
  EXPECT_EQ(overruleEstimate(estimate, {inconclusive}, {accuracy}, g).phase, VerdictPhase::Fail);
  g.estimatedAccuracy->rollback = true;
  EXPECT_EQ(overruleEstimate(estimate, {passed}, {accuracy}, g).phase, VerdictPhase::Fail);
}

}  // namespace
}  // namespace modelops::analysis
