// AnalysisGauges: values, NaN for no data, one series per revision and metric (A/B variants apart),
// retain() drops revisions no longer run, forget() on deletion.
#include <gtest/gtest.h>

#include "modelops/reconciler/analysis_gauges.h"
#include "modelops/runtime/metrics.h"

namespace modelops::reconciler {
namespace {

analysis::Verdict verdict(std::optional<double> value, std::optional<double> lower, double samples) {
  analysis::Verdict v;
  v.metric = "accuracy";
  v.value = value;
  v.lowerBound = lower;
  v.samples = samples;
  return v;
}

TEST(AnalysisGauges, ExportsTheLatestVerdictPerMetric) {
  runtime::MetricsRegistry registry;
  auto gauges = makeAnalysisGauges(registry);
  gauges->record("ml", "fraud", 2, verdict(0.9375, 0.921875, 812));
  auto text = registry.render();
  EXPECT_NE(text.find("modelops_analysis_accuracy{metric=\"accuracy\",name=\"fraud\",namespace=\"ml\",revision=\"2\"} 0.9375"),
            std::string::npos) << text;
  EXPECT_NE(text.find("modelops_analysis_lower_bound{metric=\"accuracy\",name=\"fraud\",namespace=\"ml\",revision=\"2\"} 0.921875"),
            std::string::npos) << text;
  EXPECT_NE(text.find("modelops_analysis_samples{metric=\"accuracy\",name=\"fraud\",namespace=\"ml\",revision=\"2\"} 812"),
            std::string::npos) << text;
}

TEST(AnalysisGauges, NoDataIsNaNNotZero) {
  runtime::MetricsRegistry registry;
  auto gauges = makeAnalysisGauges(registry);
  gauges->record("ml", "fraud", 2, verdict(std::nullopt, std::nullopt, 0));
  auto text = registry.render();
  EXPECT_NE(text.find("revision=\"2\"} Nan"), std::string::npos) << text;
}

TEST(AnalysisGauges, EachRevisionHasItsSeriesUntilItIsNoLongerRun) {
  runtime::MetricsRegistry registry;
  auto gauges = makeAnalysisGauges(registry);
  // An A/B test measures both variants in turn: both series stay, each with its own value.
  gauges->record("ml", "fraud", 2, verdict(0.9, 0.88, 100));
  gauges->record("ml", "fraud", 3, verdict(0.953125, 0.9375, 200));
  gauges->record("ml", "fraud", 2, verdict(0.875, 0.86, 150));
  gauges->record("ml", "other", 1, verdict(0.5, 0.4, 10));
  auto text = registry.render();
  EXPECT_NE(text.find("modelops_analysis_accuracy{metric=\"accuracy\",name=\"fraud\",namespace=\"ml\",revision=\"2\"} 0.875"),
            std::string::npos) << text;
  EXPECT_NE(text.find("modelops_analysis_accuracy{metric=\"accuracy\",name=\"fraud\",namespace=\"ml\",revision=\"3\"} 0.953125"),
            std::string::npos) << text;
  // Revision 3 won and 2 is gone from status: only 3 stays; other ModelDeployments are untouched.
  gauges->retain("ml", "fraud", {3});
  text = registry.render();
  EXPECT_EQ(text.find("revision=\"2\""), std::string::npos) << text;
  EXPECT_NE(text.find("name=\"fraud\",namespace=\"ml\",revision=\"3\"} 0.953125"), std::string::npos) << text;
  EXPECT_NE(text.find("name=\"other\""), std::string::npos) << text;
  gauges->forget("ml", "fraud");
  text = registry.render();
  EXPECT_EQ(text.find("name=\"fraud\""), std::string::npos) << text;
  EXPECT_NE(text.find("name=\"other\""), std::string::npos) << text;
}

}  // namespace
}  // namespace modelops::reconciler
