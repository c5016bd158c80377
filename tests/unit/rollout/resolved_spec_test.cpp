// The resolved spec the planner, the reconciler and the routers act on (api/defaults.h): every documented
// default when a field is absent, the written value when present, and the same values whether or not the
// document was defaulted first (so a caller cannot get a different answer by skipping applyDefaults).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "modelops/api/codec.h"
#include "modelops/api/defaults.h"

namespace modelops::api {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

ModelDeployment decoded(const char* spec) {
  auto doc = nlohmann::json::parse(R"({"apiVersion": "modelops.dev/v1alpha1", "kind": "ModelDeployment",
    "metadata": {"name": "fraud", "namespace": "ml"}})");
  doc["spec"] = nlohmann::json::parse(spec);
  return decodeModelDeployment(doc).value();
}

TEST(ResolvedSpec, AbsentFieldsResolveToTheDocumentedDefaults) {
  auto r = resolve(decoded(R"({"model": {"version": "1"}})").spec);
  EXPECT_EQ(r.replicas, 1);
  EXPECT_EQ(r.servicePort, 80);
  EXPECT_EQ(r.targetPort.stringValue(), "http");
  EXPECT_EQ(r.scaleDownDelay, seconds(30));
  EXPECT_EQ(r.progressDeadline, seconds(600));
  EXPECT_EQ(r.revisionHistoryLimit, 5);
  EXPECT_FALSE(r.paused);
  EXPECT_TRUE(r.automaticRollback);
  EXPECT_EQ(r.winnerSelection, kWinnerAuto);
  EXPECT_FALSE(r.analysis);
  EXPECT_FALSE(r.monitoring.enabled);
  EXPECT_EQ(r.monitoring.onDegraded, kOnDegradedRollback);
  EXPECT_EQ(r.monitoring.onError, kOnErrorHold);
  EXPECT_EQ(r.monitoring.interval, milliseconds(30'000));
}

TEST(ResolvedSpec, AnalysisDefaultsPerMetric) {
  auto r = resolve(decoded(R"({"model": {"version": "1"}, "analysis": {"metrics": [
      {"name": "a", "query": "q", "threshold": {"min": 1}},
      {"name": "b", "query": "q", "threshold": {"min": 1}, "failureLimit": 2, "inconclusiveLimit": 3,
       "consecutiveErrorLimit": 7}]}})").spec);
  ASSERT_TRUE(r.analysis);
  EXPECT_EQ(r.analysis->interval, milliseconds(30'000));
  EXPECT_FALSE(r.analysis->maxDuration);
  EXPECT_EQ(r.analysis->onTimeout, kOnTimeoutRollback);
  ASSERT_EQ(r.analysis->metrics.size(), 2u);
  EXPECT_EQ(r.analysis->metrics[0], (ResolvedMetricLimits{"a", 0, 10, 4}));
  EXPECT_EQ(r.analysis->metrics[1], (ResolvedMetricLimits{"b", 2, 3, 7}));
}

TEST(ResolvedSpec, WrittenValuesWin) {
  auto r = resolve(decoded(R"({"model": {"version": "1"}, "replicas": 3, "paused": true,
      "service": {"port": 8080, "targetPort": 9000},
      "strategy": {"canary": {"scaleDownDelaySeconds": 5}}, "progressDeadlineSeconds": 60,
      "revisionHistoryLimit": 2, "rollback": {"automatic": false},
      "analysis": {"interval": "1m", "maxDuration": "10m", "onTimeout": "Hold", "metrics": []},
      "monitoring": {"enabled": true, "onDegraded": "Alert", "onError": "Ignore"}})").spec);
  EXPECT_EQ(r.replicas, 3);
  EXPECT_TRUE(r.paused);
  EXPECT_EQ(r.servicePort, 8080);
  EXPECT_EQ(r.targetPort.intValue(), 9000);
  EXPECT_EQ(r.scaleDownDelay, seconds(5));
  EXPECT_EQ(r.progressDeadline, seconds(60));
  EXPECT_EQ(r.revisionHistoryLimit, 2);
  EXPECT_FALSE(r.automaticRollback);
  ASSERT_TRUE(r.analysis);
  EXPECT_EQ(r.analysis->interval, milliseconds(60'000));
  EXPECT_EQ(r.analysis->maxDuration, milliseconds(600'000));
  EXPECT_EQ(r.analysis->onTimeout, kOnTimeoutHold);
  EXPECT_TRUE(r.monitoring.enabled);
  EXPECT_EQ(r.monitoring.onDegraded, kOnDegradedAlert);
  EXPECT_EQ(r.monitoring.onError, kOnErrorIgnore);
  // Monitoring without an interval of its own measures at the analysis interval.
  EXPECT_EQ(r.monitoring.interval, milliseconds(60'000));
}

TEST(ResolvedSpec, MonitoringIntervalOfItsOwn) {
  auto r = resolve(decoded(R"({"model": {"version": "1"}, "monitoring": {"enabled": true, "interval": "5m"}})").spec);
  EXPECT_EQ(r.monitoring.interval, milliseconds(300'000));
}

TEST(ResolvedSpec, AnAbTestResolvesItsWinnerSelection) {
  auto r = resolve(decoded(R"({"model": {"version": "1"}, "strategy": {"abTest": {"winnerSelection": "Manual",
      "variants": [{"name": "a", "weight": 50}, {"name": "b", "weight": 50}]}}})").spec);
  EXPECT_EQ(r.winnerSelection, kWinnerManual);
  EXPECT_EQ(r.scaleDownDelay, seconds(30));  // no field of its own: the default
}

TEST(ResolvedSpec, SameWithOrWithoutApplyDefaults) {
  for (const char* spec : {R"({"model": {"version": "1"}})",
                           R"({"model": {"version": "1"}, "replicas": 2, "analysis": {"interval": "10s", "metrics": [
                                {"name": "a", "query": "q", "threshold": {"min": 1}, "failureLimit": 1}]}})"}) {
    auto md = decoded(spec);
    auto fromRaw = resolve(md.spec);
    auto fromApply = applyDefaults(md);
    EXPECT_EQ(fromRaw, fromApply) << spec;
    EXPECT_EQ(resolve(md.spec), fromApply) << spec;  // and resolving the defaulted document again
  }
}

}  // namespace
}  // namespace modelops::api
