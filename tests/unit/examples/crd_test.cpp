// Tests of crds/modelops.dev_modeldeployments.yaml: names, version, subresource and printer columns as the
// API requires; a structural schema with a description on every field and preserve-unknown-fields only
// on spec.template; and enumerations and defaults equal to the API library's (names.h, defaults.h), so
// the CRD and the C++ types cannot drift apart. Also checks the test-fixture CRDs in crds/testing/.
// Thread-safety: single-threaded tests.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "modelops/api/defaults.h"
#include "modelops/api/model_deployment.h"
#include "modelops/api/names.h"
#include "schema_check.h"
#include "test_files.h"

namespace modelops::testing {
namespace {

using nlohmann::json;

json modelDeploymentCrd() { return loadCrd(sourceDir() / "crds" / "modelops.dev_modeldeployments.yaml"); }

TEST(ModelDeploymentCrd, NamesScopeAndVersion) {
  json crd = modelDeploymentCrd();
  EXPECT_EQ(crd["apiVersion"], "apiextensions.k8s.io/v1");
  EXPECT_EQ(crd["kind"], "CustomResourceDefinition");
  EXPECT_EQ(crd["metadata"]["name"], "modeldeployments.modelops.dev");
  const json& spec = crd["spec"];
  EXPECT_EQ(spec["group"], std::string(api::kGroup));
  EXPECT_EQ(spec["scope"], "Namespaced");
  EXPECT_EQ(spec["names"]["kind"], std::string(api::kKind));
  EXPECT_EQ(spec["names"]["listKind"], std::string(api::kListKind));
  EXPECT_EQ(spec["names"]["plural"], std::string(api::kPlural));
  EXPECT_EQ(spec["names"]["singular"], std::string(api::kSingular));
  EXPECT_EQ(spec["names"]["shortNames"], json::array({"md", "mdeploy"}));
  EXPECT_EQ(spec["names"]["categories"], json::array({"all", "modelops"}));
  ASSERT_EQ(spec["versions"].size(), 1u);
  const json& v = spec["versions"][0];
  EXPECT_EQ(v["name"], std::string(api::kVersion));
  EXPECT_EQ(v["served"], true);
  EXPECT_EQ(v["storage"], true);
  EXPECT_EQ(v["subresources"], (json{{"status", json::object()}}));
}

TEST(ModelDeploymentCrd, PrinterColumns) {
  json crd = modelDeploymentCrd();
  const json& columns = crd["spec"]["versions"][0]["additionalPrinterColumns"];
  struct Column {
    std::string name, type, jsonPath;
  };
  const std::vector<Column> expected = {
      {"Phase", "string", ".status.phase"},
      {"Stable", "string", ".status.stable.version"},
      {"Canary", "string", ".status.canary.version"},
      {"Weight", "integer", ".status.canary.weight"},
      {"Accuracy", "number", ".status.analysis.runs[?(@.lowerBound)].value"},
      {"Age", "date", ".metadata.creationTimestamp"},
  };
  ASSERT_EQ(columns.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(columns[i]["name"], expected[i].name);
    EXPECT_EQ(columns[i]["type"], expected[i].type) << expected[i].name;
    EXPECT_EQ(columns[i]["jsonPath"], expected[i].jsonPath) << expected[i].name;
  }
  // Every status path a column reads is declared in the schema with the column's type.
  const json& schema = openApiSchema(crd);
  const std::vector<std::pair<std::string, std::string>> declared = {
      {"status.phase", "string"},         {"status.stable.version", "string"},
      {"status.canary.version", "string"}, {"status.canary.weight", "integer"},
      {"status.analysis.runs[].value", "number"}, {"status.analysis.runs[].lowerBound", "number"}};
  for (const auto& [path, type] : declared) {
    const json* node = schemaAt(schema, path);
    ASSERT_NE(node, nullptr) << path;
    EXPECT_EQ(node->value("type", ""), type) << path;
  }
}

TEST(ModelDeploymentCrd, SchemaIsStructuralWithDescriptions) {
  json crd = modelDeploymentCrd();
  StructuralReport report = checkStructural(openApiSchema(crd));
  EXPECT_TRUE(report.problems.empty()) << ::testing::PrintToString(report.problems);
  EXPECT_EQ(report.preservedPaths, std::vector<std::string>{"spec.template"});
  const json* targetPort = schemaAt(openApiSchema(crd), "spec.service.targetPort");
  ASSERT_NE(targetPort, nullptr);
  EXPECT_EQ(targetPort->value("x-kubernetes-int-or-string", false), true);
}

TEST(ModelDeploymentCrd, TheStructuralCheckCatchesBrokenSchemas) {
  json schema = openApiSchema(modelDeploymentCrd());
  json broken = schema;
  broken["properties"]["spec"]["properties"]["replicas"].erase("type");
  broken["properties"]["spec"]["properties"]["service"]["x-kubernetes-preserve-unknown-fields"] = true;
  broken["properties"]["spec"]["properties"]["paused"].erase("description");
  broken["properties"]["spec"]["properties"]["analysis"]["properties"]["onTimeout"]["default"] = "Never";
  StructuralReport report = checkStructural(broken);
  std::set<std::string> problems(report.problems.begin(), report.problems.end());
  EXPECT_TRUE(problems.count("spec.replicas: has no valid type")) << ::testing::PrintToString(report.problems);
  EXPECT_TRUE(problems.count("spec.paused: has no description"));
  EXPECT_TRUE(std::any_of(problems.begin(), problems.end(), [](const std::string& p) {
    return p.rfind("spec.analysis.onTimeout: default is invalid", 0) == 0;
  }));
  EXPECT_EQ(report.preservedPaths, (std::vector<std::string>{"spec.service", "spec.template"}));
}

std::vector<std::string> strings(std::initializer_list<std::string_view> values) {
  return std::vector<std::string>(values.begin(), values.end());
}

TEST(ModelDeploymentCrd, EnumerationsMatchTheApi) {
  const json schema = openApiSchema(modelDeploymentCrd());
  using namespace api;
  const std::vector<std::pair<std::string, std::vector<std::string>>> enums = {
      {"status.phase", strings({phase::kProgressing, phase::kPaused, phase::kHealthy, phase::kDegraded,
                                phase::kRolledBack, phase::kFailed, phase::kInvalid})},
      {"status.analysis.runs[].phase", strings({run_phase::kSuccessful, run_phase::kFailed,
                                                run_phase::kInconclusive, run_phase::kError, run_phase::kRunning})},
      {"status.analysis.runs[].segments[].phase",
       strings({run_phase::kSuccessful, run_phase::kFailed, run_phase::kInconclusive, run_phase::kError,
                run_phase::kRunning})},
      {"status.history[].outcome", strings({outcome::kPromoted, outcome::kRolledBack, outcome::kAborted,
                                            outcome::kDegraded, outcome::kSuperseded})},
      {"status.conditions[].status", strings({condition::kTrue, condition::kFalse, condition::kUnknown})},
      {"status.pendingAction.action", strings({kActionPromote, kActionPromoteFull, kActionAbort, kActionRetry,
                                               kActionPause, kActionResume})},
      {"spec.strategy.abTest.winnerSelection", strings({kWinnerAuto, kWinnerManual})},
      {"spec.analysis.onTimeout", strings({kOnTimeoutRollback, kOnTimeoutHold, kOnTimeoutPromote})},
      {"spec.monitoring.onDegraded", strings({kOnDegradedRollback, kOnDegradedAlert})},
      {"spec.analysis.metrics[].provider.web.method", strings({kMethodGet, kMethodPost})},
      {"spec.strategy.canary.trafficRouting.gateway.protocol", strings({kProtocolKServeV1, kProtocolOpenInferenceV2})},
      {"spec.strategy.abTest.trafficRouting.gateway.prediction.task", strings({kTaskClassification, kTaskRegression})},
  };
  for (const auto& [path, values] : enums) {
    const json* node = schemaAt(schema, path);
    ASSERT_NE(node, nullptr) << path;
    ASSERT_TRUE(node->contains("enum")) << path;
    std::set<std::string> actual, wanted(values.begin(), values.end());
    for (const json& v : (*node)["enum"]) actual.insert(v.get<std::string>());
    EXPECT_EQ(actual, wanted) << path;
  }
}

TEST(ModelDeploymentCrd, DefaultsMatchTheApi) {
  const json schema = openApiSchema(modelDeploymentCrd());
  namespace d = api::defaults;
  const std::vector<std::pair<std::string, json>> defaults = {
      {"spec.replicas", d::kReplicas},
      {"spec.service.port", d::kServicePort},
      {"spec.service.targetPort", d::kTargetPort},
      {"spec.strategy.canary.scaleDownDelaySeconds", d::kScaleDownDelaySeconds},
      {"spec.strategy.abTest.winnerSelection", std::string(api::kWinnerAuto)},
      {"spec.progressDeadlineSeconds", d::kProgressDeadlineSeconds},
      {"spec.revisionHistoryLimit", d::kRevisionHistoryLimit},
      {"spec.paused", false},
      {"spec.analysis.interval", api::Duration::of(d::kAnalysisInterval).text},
      {"spec.analysis.onTimeout", std::string(api::kOnTimeoutRollback)},
      {"spec.analysis.metrics[].failureLimit", d::kFailureLimit},
      {"spec.analysis.metrics[].inconclusiveLimit", d::kInconclusiveLimit},
      {"spec.analysis.metrics[].consecutiveErrorLimit", d::kConsecutiveErrorLimit},
      {"spec.analysis.metrics[].accuracy.confidence", d::kConfidence},
      {"spec.analysis.metrics[].accuracy.minSamples", d::kMinSamples},
      {"spec.analysis.metrics[].provider.prometheus.timeout", api::Duration::of(d::kProviderTimeout).text},
      {"spec.analysis.metrics[].provider.web.timeout", api::Duration::of(d::kProviderTimeout).text},
      {"spec.analysis.metrics[].provider.web.method", std::string(api::kMethodGet)},
      {"spec.analysis.metrics[].provider.prometheus.auth.bearerTokenSecretRef.key", "token"},
      {"spec.analysis.metrics[].provider.prometheus.tls.caSecretRef.key", "ca.crt"},
      {"spec.analysis.metrics[].provider.prometheus.tls.insecureSkipVerify", false},
      {"spec.monitoring.enabled", false},
      {"spec.monitoring.onDegraded", std::string(api::kOnDegradedRollback)},
      {"spec.rollback.automatic", true},
      {"spec.strategy.canary.trafficRouting.gateway.protocol", std::string(api::kProtocolKServeV1)},
      {"spec.strategy.canary.trafficRouting.gateway.prediction.task", std::string(api::kTaskClassification)},
      {"spec.strategy.abTest.trafficRouting.gateway.prediction.argmax", false},
  };
  for (const auto& [path, value] : defaults) {
    const json* node = schemaAt(schema, path);
    ASSERT_NE(node, nullptr) << path;
    ASSERT_TRUE(node->contains("default")) << path;
    EXPECT_EQ((*node)["default"], value) << path;
  }
}

TEST(TestFixtureCrds, AreStructuralAndMarkedAsFixtures) {
  for (const char* file : {"gateway.networking.k8s.io_httproutes.yaml", "networking.istio.io_virtualservices.yaml"}) {
    json crd = loadCrd(sourceDir() / "crds" / "testing" / file);
    EXPECT_EQ(crd["apiVersion"], "apiextensions.k8s.io/v1") << file;
    EXPECT_TRUE(crd["metadata"]["annotations"].contains("modelops.dev/test-fixture")) << file;
    StructuralReport report = checkStructural(openApiSchema(crd));
    EXPECT_TRUE(report.problems.empty()) << file << ": " << ::testing::PrintToString(report.problems);
    EXPECT_TRUE(report.preservedPaths.empty()) << file;
  }
  json route = loadCrd(sourceDir() / "crds" / "testing" / "gateway.networking.k8s.io_httproutes.yaml");
  EXPECT_EQ(route["spec"]["group"], "gateway.networking.k8s.io");
  EXPECT_EQ(route["spec"]["versions"][0]["name"], "v1");
  const json& rs = openApiSchema(route);
  for (const char* path : {"spec.parentRefs[].name", "spec.hostnames", "spec.rules[].matches[].path.value",
                           "spec.rules[].matches[].headers[].name", "spec.rules[].backendRefs[].name",
                           "spec.rules[].backendRefs[].namespace", "spec.rules[].backendRefs[].port",
                           "spec.rules[].backendRefs[].weight"}) {
    EXPECT_NE(schemaAt(rs, path), nullptr) << path;
  }
  json vs = loadCrd(sourceDir() / "crds" / "testing" / "networking.istio.io_virtualservices.yaml");
  EXPECT_EQ(vs["spec"]["group"], "networking.istio.io");
  EXPECT_EQ(vs["spec"]["versions"][0]["name"], "v1beta1");
  const json& vss = openApiSchema(vs);
  for (const char* path : {"spec.hosts", "spec.gateways", "spec.http[].name", "spec.http[].match[].headers",
                           "spec.http[].route[].destination.host", "spec.http[].route[].destination.subset",
                           "spec.http[].route[].destination.port.number", "spec.http[].route[].weight"}) {
    EXPECT_NE(schemaAt(vss, path), nullptr) << path;
  }
}

}  // namespace
}  // namespace modelops::testing
