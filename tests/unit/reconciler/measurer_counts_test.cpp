// AnalysisMeasurer and counts since the analysis started (issue 15 items 2 and 7): {{analysis.elapsed}}
// is rendered from the request's time since the counts' start, the same for canary and stable, at least
// 60s; the segment count the analysis has seen so far reaches the judge as expectedSegments.
// Thread-safety: single-threaded tests.
#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "modelops/api/codec.h"
#include "modelops/api/defaults.h"
#include "modelops/reconciler/measurer.h"

namespace modelops::reconciler {
namespace {

api::ModelDeployment segmentedComparison() {
  auto doc = nlohmann::json::parse(R"json({"apiVersion": "modelops.dev/v1alpha1", "kind": "ModelDeployment",
    "metadata": {"name": "fraud", "namespace": "ml"},
    "spec": {"model": {"version": "2"}, "template": {"spec": {"containers": [{"name": "s", "image": "i"}]}},
      "analysis": {"metrics": [{"name": "accuracy",
        "provider": {"prometheus": {"address": "http://prom:9090"}},
        "successes": "sum by (region) (increase(correct{version=\"{{version}}\"}[{{analysis.elapsed}}]))",
        "trials": "sum by (region) (increase(labeled{version=\"{{version}}\"}[{{analysis.elapsed}}]))",
        "accuracy": {"min": 0.9, "maxDropVsStable": 0.02}, "segments": {"by": "region"}}]}}})json");
  auto m = api::decodeModelDeployment(doc).value();
  api::applyDefaults(m);
  return m;
}

// Records every query as sent and the segment count each measurement was judged with.
struct Sent {
  std::mutex mu;
  std::vector<std::string> queries;
  std::vector<std::optional<int>> expectedSegments;
};

class RecordingProvider final : public analysis::MetricProvider {
 public:
  explicit RecordingProvider(Sent& sent) : sent_(sent) {}
  Result<analysis::QueryResult, analysis::ProviderError> query(const std::string& q, const CancelToken&) override {
    std::lock_guard lock(sent_.mu);
    sent_.queries.push_back(q);
    return analysis::QueryResult{{{{{"region", "eu"}}, 500}}, q, std::nullopt};
  }

 private:
  Sent& sent_;
};

AnalysisMeasurer measurerSending(Sent& sent) {
  return AnalysisMeasurer({}, true, analysis::AnalysisRunner([&sent](const analysis::MetricSpec& spec,
                                                                     const analysis::TemplateVars&)
                                                                 -> Result<std::shared_ptr<analysis::MetricProvider>,
                                                                           analysis::ProviderError> {
    {
      std::lock_guard lock(sent.mu);
      sent.expectedSegments.push_back(spec.segments ? spec.segments->expectedSegments : std::nullopt);
    }
    return std::shared_ptr<analysis::MetricProvider>(std::make_shared<RecordingProvider>(sent));
  }));
}

rollout::MeasurementRequest canaryAgainstStable() {
  rollout::MeasurementRequest r;
  r.track = "canary";
  r.revision = 2;
  r.hash = "h2";
  r.version = "2";
  api::TrackStatus stable;
  stable.revision = 1;
  stable.version = "1";
  stable.hash = "h1";
  r.stable = stable;
  return r;
}

TEST(MeasurerCounts, ElapsedIsRenderedForBothArmsAndTheSegmentCountReachesTheJudge) {
  Sent sent;
  auto request = canaryAgainstStable();
  request.sinceCountsStart = std::chrono::milliseconds(754'900);
  request.expectedSegments = {{"accuracy", 4}};
  auto m = measurerSending(sent).measure(segmentedComparison(), request, CancelToken());
  ASSERT_EQ(m.verdicts.size(), 1u);
  ASSERT_FALSE(sent.queries.empty());
  bool canary = false, stable = false;
  for (const auto& q : sent.queries) {
    EXPECT_NE(q.find("[754s]"), std::string::npos) << q;
    canary = canary || q.find("version=\"2\"") != std::string::npos;
    stable = stable || q.find("version=\"1\"") != std::string::npos;
  }
  EXPECT_TRUE(canary && stable) << "both arms over the same range";
  ASSERT_FALSE(sent.expectedSegments.empty());
  for (const auto& k : sent.expectedSegments) EXPECT_EQ(k, 4);
  // One series answered, four expected: the look cannot pass (docs/statistics.md section 4).
  EXPECT_NE(m.verdicts[0].phase, analysis::VerdictPhase::Pass) << m.verdicts[0].reason;
}

TEST(MeasurerCounts, WithoutAKnownStartTheRangeIsTheMinimum) {
  Sent sent;
  auto m = measurerSending(sent).measure(segmentedComparison(), canaryAgainstStable(), CancelToken());
  ASSERT_FALSE(sent.queries.empty());
  for (const auto& q : sent.queries) EXPECT_NE(q.find("[60s]"), std::string::npos) << q;
  for (const auto& k : sent.expectedSegments) EXPECT_FALSE(k.has_value());
}

}  // namespace
}  // namespace modelops::reconciler
