// The dev API server's schema machinery (modelops_apimachinery) accepts the CRDs as structural schemas,
// finds no violation or unknown field in any example, and evaluates the Accuracy printer column's
// JSONPath to the accuracy metric's value, so `kubectl apply -f examples/` and `kubectl get md` work
// in the local demo as they would on a real cluster; and the analysis bookkeeping the operator keeps in
// status (analysis::toJson(AnalysisProgress)) is declared, so the API server does not prune it.
// Thread-safety: single-threaded tests.
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "modelops/analysis/limits.h"
#include "modelops/analysis/verdict.h"
#include "modelops/apimachinery/jsonpath.h"
#include "modelops/apimachinery/schema.h"
#include "test_files.h"

namespace modelops::testing {
namespace {

using nlohmann::json;

TEST(DevServerSchema, AcceptsTheCrdsAndEveryExample) {
  std::map<std::string, apimachinery::StructuralSchema> schemaOfKind;
  for (const char* file : {"modelops.dev_modeldeployments.yaml", "testing/gateway.networking.k8s.io_httproutes.yaml",
                           "testing/networking.istio.io_virtualservices.yaml"}) {
    json crd = loadCrd(sourceDir() / "crds" / file);
    auto schema = apimachinery::StructuralSchema::fromJson(openApiSchema(crd));
    ASSERT_TRUE(schema.ok()) << file << ": " << schema.error().message;
    schemaOfKind.emplace(crd["spec"]["names"]["kind"].get<std::string>(), *schema);
  }
  int checked = 0;
  for (const char* file : {"canary-prometheus.yaml", "ab-test.yaml", "canary-gateway-api.yaml", "canary-istio.yaml"}) {
    for (const json& doc : loadDocuments(sourceDir() / "examples" / file)) {
      auto it = schemaOfKind.find(doc.value("kind", ""));
      ASSERT_NE(it, schemaOfKind.end()) << file << ": " << doc.value("kind", "");
      auto violations = it->second.validate(doc);
      EXPECT_TRUE(violations.empty()) << file << ": " << apimachinery::joinViolations(violations);
      EXPECT_TRUE(it->second.unknownFields(doc).empty()) << file;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 7);  // four ModelDeployments, two HTTPRoutes, one VirtualService
}

TEST(DevServerSchema, TheAccuracyColumnReadsTheAccuracyMetric) {
  json crd = loadCrd(sourceDir() / "crds" / "modelops.dev_modeldeployments.yaml");
  std::string path;
  for (const json& column : crd["spec"]["versions"][0]["additionalPrinterColumns"]) {
    if (column["name"] == "Accuracy") path = column["jsonPath"];
  }
  ASSERT_FALSE(path.empty());
  // A threshold metric first, then the accuracy metric: the column shows the accuracy, not the latency.
  json object = json::parse(R"({"status": {"analysis": {"runs": [
      {"metric": "p99-latency-seconds", "phase": "Successful", "value": 0.18},
      {"metric": "accuracy", "phase": "Running", "value": 0.941, "lowerBound": 0.928, "samples": 812}]}}})");
  auto values = apimachinery::evalJsonPath(object, path);
  ASSERT_TRUE(values.ok()) << values.error().message;
  ASSERT_FALSE(values->empty());
  EXPECT_EQ((*values)[0], json(0.941));
  auto none = apimachinery::evalJsonPath(json::parse(R"({"status": {}})"), path);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());  // an empty cell before the first analysis
}

TEST(DevServerSchema, AnalysisProgressInStatusSurvivesPruning) {
  json crd = loadCrd(sourceDir() / "crds" / "modelops.dev_modeldeployments.yaml");
  auto schema = apimachinery::StructuralSchema::fromJson(openApiSchema(crd));
  ASSERT_TRUE(schema.ok()) << schema.error().message;

  // Every field the judge writes: a verdict with bounds, a stable comparison and segments.
  analysis::Verdict verdict;
  verdict.metric = "accuracy";
  verdict.phase = analysis::VerdictPhase::Fail;
  verdict.value = 0.89;
  verdict.lowerBound = 0.87;
  verdict.upperBound = 0.91;
  verdict.samples = 812;
  verdict.stableValue = 0.93;
  verdict.labelCoverage = 0.4;
  verdict.vsStable = analysis::StableComparison{-0.04, -0.06, -0.02, 0.02, 900, analysis::VerdictPhase::Fail,
                                                "canary 0.890 vs stable 0.930"};
  verdict.segments.push_back({"segment=eu-west", analysis::VerdictPhase::Fail, 0.8, 0.75, 0.85, 240, "too low"});
  verdict.query = "sum(x)";
  verdict.reason = "accuracy upper bound 0.91 < 0.92";
  verdict.warmUp = true;  // issue 15: warm-up, the labels projection, segments versus stable
  verdict.labelsNeeded = 1200;
  verdict.segments[0].vsStable = verdict.vsStable;
  analysis::AnalysisProgress progress;
  progress.startedAt = WallTime{} + std::chrono::hours(24 * 365 * 56);
  progress.outcome = analysis::AnalysisOutcome::Failed;
  progress.timedOut = true;
  progress.reason = "accuracy failed";
  progress.decidedBy = "accuracy";
  progress.metrics.push_back({"accuracy", 3, 1, 1, 1, 0, verdict});
  progress.metrics[0].accumulating = 2;  // issue 15: looks that did not spend inconclusiveLimit, the rate
  progress.metrics[0].latestAt = progress.startedAt;
  progress.metrics[0].labelsPerSecond = 1.5;
  json progressJson = analysis::toJson(progress);
  ASSERT_TRUE(progressJson["metrics"][0].contains("latest"));

  json md = loadDocuments(sourceDir() / "examples" / "canary-prometheus.yaml").at(0);
  md["status"] = {{"phase", "Progressing"},
                  {"analysis", {{"progress", progressJson}, {"progressByVariant", {{"treatment", progressJson}}}}}};
  EXPECT_EQ(schema->unknownFields(md), std::vector<std::string>{});
  auto violations = schema->validate(md);
  EXPECT_TRUE(violations.empty()) << apimachinery::joinViolations(violations);
  json pruned = md;
  schema->prune(pruned);
  EXPECT_EQ(pruned["status"], md["status"]);
}

}  // namespace
}  // namespace modelops::testing
