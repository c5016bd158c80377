// `kubectl modelops get` shows each guard's verdict with value, bounds, n, segment, its limit and what it
// waits for, from a ModelDeployment as the API returns it.
#include <gtest/gtest.h>

#include "modelops/api/codec.h"
#include "modelops/common/time.h"
#include "render.h"
#include "render_guards.h"

namespace modelops::plugin {
namespace {

using nlohmann::json;

json deploymentWithGuards() {
  return json::parse(R"({
    "apiVersion": "modelops.dev/v1alpha1", "kind": "ModelDeployment",
    "metadata": {"name": "fraud", "namespace": "default", "generation": 2, "creationTimestamp": "2026-01-01T00:00:00Z"},
    "spec": {"model": {"name": "fraud", "version": "v2"},
      "analysis": {"metrics": [{"name": "accuracy", "provider": {"prometheus": {"address": "http://127.0.0.1:9"}},
                                "successes": "s", "trials": "t", "accuracy": {"min": 0.9}}],
        "guards": {"classDistribution": {"query": "q", "maxDistance": 0.1},
                   "errorRate": {"errorsQuery": "e", "totalQuery": "t", "maxIncrease": 0.01}}}},
    "status": {"phase": "Progressing", "observedGeneration": 2,
      "stable": {"revision": 1, "version": "v1"}, "canary": {"revision": 2, "version": "v2", "weight": 10},
      "analysis": {
        "runs": [
          {"metric": "guard:classDistribution", "phase": "Failed", "value": 0.2312, "lowerBound": 0.1804,
           "upperBound": 0.2911, "samples": 1200, "message": "class distribution: Jensen-Shannon distance 0.231, lower bound 0.18 > 0.1",
           "segments": [{"segment": "class=cat", "phase": "Failed", "value": 0.7, "samples": 840},
                        {"segment": "class=dog", "phase": "Successful", "value": 0.3, "samples": 360}]},
          {"metric": "guard:errorRate", "phase": "Inconclusive", "value": 0.002, "lowerBound": -0.01,
           "upperBound": 0.014, "samples": 300, "message": "error rate ...; waiting for about 900 more canary requests"}],
        "progress": {"outcome": "Running", "metrics": [
          {"metric": "guard:classDistribution", "measurements": 1, "failures": 1, "inconclusives": 0, "errors": 0,
           "consecutiveErrors": 0, "latest": {"metric": "guard:classDistribution", "phase": "Failed"}},
          {"metric": "guard:errorRate", "measurements": 1, "failures": 0, "inconclusives": 1, "errors": 0,
           "consecutiveErrors": 0, "latest": {"metric": "guard:errorRate", "phase": "Inconclusive", "labelsNeeded": 900}}]}}}
  })");
}

TEST(RenderGuards, TreeShowsValueBoundsSamplesSegmentLimitAndWaitingFor) {
  const auto text = renderTree(deploymentWithGuards(), {}, *parseRfc3339("2026-01-01T00:10:00Z"), Style{});
  EXPECT_NE(text.find("guard:classDistribution  Failed  value 0.231  bounds [0.180, 0.291]  n 1200  segment class=cat"
                      "  max distance 0.100  waiting for -"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("guard:errorRate  Inconclusive  value 0.002  bounds [-0.010, 0.014]  n 300  segment all"
                      "  max increase 0.010  waiting for about 900 more predictions"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("lower bound 0.18 > 0.1"), std::string::npos) << text;
}

TEST(RenderGuards, ListAccuracyColumnNeverShowsAGuardsValue) {
  const auto text = renderList({deploymentWithGuards()}, false, *parseRfc3339("2026-01-01T00:10:00Z"));
  EXPECT_EQ(text.find("0.231"), std::string::npos) << text;
  EXPECT_EQ(text.find("0.002"), std::string::npos) << text;
}

TEST(RenderGuards, WaitingForReadsWarmUpAndProjectionsFromProgress) {
  const auto progress = api::decodeAnalysisProgress(json::parse(R"({"metrics": [
    {"metric": "guard:agreement", "latest": {"phase": "Inconclusive", "warmUp": true, "labelsNeeded": 250}},
    {"metric": "guard:latency", "latest": {"phase": "Inconclusive"}},
    {"metric": "guard:errorRate", "latest": {"phase": "Successful"}}]})"));
  ASSERT_TRUE(progress.ok());
  EXPECT_EQ(guardWaitingFor(progress.value(), "guard:agreement"), "minSamples (about 250 more predictions)");
  EXPECT_EQ(guardWaitingFor(progress.value(), "guard:latency"), "data (no projection)");
  EXPECT_EQ(guardWaitingFor(progress.value(), "guard:errorRate"), "-");
  EXPECT_EQ(guardWaitingFor(progress.value(), "guard:missing"), "-");
  EXPECT_EQ(guardWaitingFor(std::nullopt, "guard:agreement"), "-");
}

}  // namespace
}  // namespace modelops::plugin
