// The dev API server's schema machinery (modelops_apimachinery) accepts the CRDs as structural schemas,
// finds no violation or unknown field in any example, and evaluates the Accuracy printer column's
// JSONPath to the accuracy metric's value, so `kubectl apply -f examples/` and `kubectl get md` work
// in the local demo as they would on a real cluster.
// Thread-safety: single-threaded tests.
#include <map>
#include <string>

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace modelops::testing
