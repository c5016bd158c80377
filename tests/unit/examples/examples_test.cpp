// Tests of examples/: every ModelDeployment parses with the YAML loader, passes
// api::parseModelDeployment (decode + defaults + validate) and round-trips through decode/encode as
// written; every document uses only fields, types, enum values and ranges its CRD declares (the
// ModelDeployment CRD, or the test-fixture HTTPRoute/VirtualService CRDs); and each required example
// still shows what it is for.
// Thread-safety: single-threaded tests.
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "modelops/api/codec.h"
#include "modelops/api/field_error.h"
#include "schema_check.h"
#include "test_files.h"

namespace modelops::testing {
namespace {

using nlohmann::json;

struct ExampleDoc {
  std::string file;
  json doc;
};

std::vector<ExampleDoc> allExampleDocuments() {
  std::vector<ExampleDoc> out;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(sourceDir() / "examples")) {
    if (entry.path().extension() == ".yaml" || entry.path().extension() == ".yml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    for (json& doc : loadDocuments(file)) out.push_back({file.filename().string(), std::move(doc)});
  }
  return out;
}

std::vector<ExampleDoc> ofKind(const std::vector<ExampleDoc>& docs, const std::string& kind) {
  std::vector<ExampleDoc> out;
  for (const auto& d : docs) {
    if (d.doc.value("kind", "") == kind) out.push_back(d);
  }
  return out;
}

const json* findIn(const std::vector<ExampleDoc>& docs, const std::string& file, const std::string& kind) {
  for (const auto& d : docs) {
    if (d.file == file && d.doc.value("kind", "") == kind) return &d.doc;
  }
  return nullptr;
}

TEST(Examples, TheRequiredExamplesExistInNamespaceMl) {
  auto docs = allExampleDocuments();
  for (const char* file : {"canary-prometheus.yaml", "ab-test.yaml", "canary-gateway-api.yaml", "canary-istio.yaml",
                           "canary-gateway.yaml"}) {
    const json* md = findIn(docs, file, "ModelDeployment");
    ASSERT_NE(md, nullptr) << file;
    EXPECT_EQ((*md)["metadata"]["namespace"], "ml") << file;
  }
  const json* ns = findIn(docs, "00-namespace.yaml", "Namespace");
  ASSERT_NE(ns, nullptr);
  EXPECT_EQ((*ns)["metadata"]["name"], "ml");
  EXPECT_TRUE(std::filesystem::exists(sourceDir() / "examples" / "README.md"));
}

TEST(Examples, EveryModelDeploymentParsesValidatesAndRoundTrips) {
  auto mds = ofKind(allExampleDocuments(), "ModelDeployment");
  ASSERT_GE(mds.size(), 4u);
  for (const auto& [file, doc] : mds) {
    auto parsed = api::parseModelDeployment(doc);
    EXPECT_TRUE(parsed.ok()) << file << ": " << (parsed.ok() ? "" : api::formatFieldErrors(parsed.error()));
    auto decoded = api::decodeModelDeployment(doc);
    ASSERT_TRUE(decoded.ok()) << file << ": " << (decoded.ok() ? "" : api::formatFieldErrors(decoded.error()));
    json encoded = api::encodeModelDeployment(*decoded);
    EXPECT_EQ(encoded, doc) << file << "\nwritten: " << doc.dump() << "\nencoded: " << encoded.dump();
  }
}

TEST(Examples, EveryDocumentUsesOnlyWhatItsCrdDeclares) {
  const std::map<std::string, std::filesystem::path> crdOfKind = {
      {"ModelDeployment", sourceDir() / "crds" / "modelops.dev_modeldeployments.yaml"},
      {"HTTPRoute", sourceDir() / "crds" / "testing" / "gateway.networking.k8s.io_httproutes.yaml"},
      {"VirtualService", sourceDir() / "crds" / "testing" / "networking.istio.io_virtualservices.yaml"},
  };
  const std::set<std::string> builtIn = {"Namespace"};
  std::map<std::string, int> checked;
  for (const auto& [file, doc] : allExampleDocuments()) {
    std::string kind = doc.value("kind", "");
    if (builtIn.count(kind)) continue;
    auto it = crdOfKind.find(kind);
    ASSERT_NE(it, crdOfKind.end()) << file << ": no CRD known for kind " << kind;
    json crd = loadCrd(it->second);
    std::string apiVersion = crd["spec"]["group"].get<std::string>() + "/" +
                             crd["spec"]["versions"][0]["name"].get<std::string>();
    EXPECT_EQ(doc["apiVersion"], apiVersion) << file;
    auto problems = checkDocument(openApiSchema(crd), doc);
    EXPECT_TRUE(problems.empty()) << file << " (" << kind << "): " << ::testing::PrintToString(problems);
    ++checked[kind];
  }
  EXPECT_GE(checked["ModelDeployment"], 4);
  EXPECT_GE(checked["HTTPRoute"], 2);
  EXPECT_GE(checked["VirtualService"], 1);
}

TEST(Examples, TheDocumentCheckRejectsWhatTheCrdDoesNotDeclare) {
  json crd = loadCrd(sourceDir() / "crds" / "modelops.dev_modeldeployments.yaml");
  auto docs = allExampleDocuments();
  const json* md = findIn(docs, "canary-prometheus.yaml", "ModelDeployment");
  ASSERT_NE(md, nullptr);
  ASSERT_TRUE(checkDocument(openApiSchema(crd), *md).empty());
  json bad = *md;
  bad["spec"]["replica"] = 3;                                        // misspelt field
  bad["spec"]["analysis"]["onTimeout"] = "Never";                    // not in the enum
  bad["spec"]["strategy"]["canary"]["steps"][0]["setWeight"] = 150;  // above the maximum
  bad["spec"]["analysis"]["interval"] = "-5m";                       // not a duration
  bad["spec"]["model"].erase("version");                             // required
  bad["spec"]["service"]["targetPort"] = 1.5;                        // neither int nor string
  auto problems = checkDocument(openApiSchema(crd), bad);
  std::set<std::string> got(problems.begin(), problems.end());
  const std::vector<std::string> expected = {
      "spec.replica: unknown field (not declared in the schema)",
      "spec.analysis.onTimeout: value \"Never\" is not one of [\"Rollback\",\"Hold\",\"Promote\"]",
      "spec.strategy.canary.steps[0].setWeight: above the maximum 100",
      "spec.model: missing required field version",
      "spec.service.targetPort: must be an integer or a string",
  };
  for (const auto& e : expected) EXPECT_TRUE(got.count(e)) << e << "\n got: " << ::testing::PrintToString(problems);
  EXPECT_TRUE(std::any_of(problems.begin(), problems.end(), [](const std::string& p) {
    return p.rfind("spec.analysis.interval: \"-5m\" does not match", 0) == 0;
  })) << ::testing::PrintToString(problems);
}

TEST(Examples, EachExampleShowsWhatItIsFor) {
  auto docs = allExampleDocuments();
  {
    const json& md = *findIn(docs, "canary-prometheus.yaml", "ModelDeployment");
    const json& metrics = md["spec"]["analysis"]["metrics"];
    bool accuracy = false, threshold = false;
    for (const json& m : metrics) {
      accuracy = accuracy || (m["provider"].contains("prometheus") && m.contains("accuracy"));
      threshold = threshold || (m["provider"].contains("prometheus") && m.contains("threshold"));
    }
    EXPECT_TRUE(accuracy && threshold);
    EXPECT_TRUE(md["spec"]["strategy"].contains("canary"));
  }
  {
    const json& md = *findIn(docs, "ab-test.yaml", "ModelDeployment");
    const json& ab = md["spec"]["strategy"]["abTest"];
    bool headerMatch = false;
    for (const json& v : ab["variants"]) {
      for (const json& m : v.value("match", json::array())) headerMatch = headerMatch || m.contains("header");
    }
    EXPECT_TRUE(headerMatch);
  }
  {
    const json& md = *findIn(docs, "canary-gateway-api.yaml", "ModelDeployment");
    const json* route = findIn(docs, "canary-gateway-api.yaml", "HTTPRoute");
    ASSERT_NE(route, nullptr);
    EXPECT_EQ(md["spec"]["strategy"]["canary"]["trafficRouting"]["gatewayAPI"]["httpRoute"],
              (*route)["metadata"]["name"]);
    const json& backends = (*route)["spec"]["rules"][0]["backendRefs"];
    std::set<std::string> names;
    for (const json& b : backends) names.insert(b["name"].get<std::string>());
    std::string name = md["metadata"]["name"];
    EXPECT_EQ(names, (std::set<std::string>{name + "-stable", name + "-canary"}));
  }
  {
    const json& md = *findIn(docs, "canary-istio.yaml", "ModelDeployment");
    const json* vs = findIn(docs, "canary-istio.yaml", "VirtualService");
    ASSERT_NE(vs, nullptr);
    const json& ref = md["spec"]["strategy"]["canary"]["trafficRouting"]["istio"]["virtualService"];
    EXPECT_EQ(ref["name"], (*vs)["metadata"]["name"]);
    std::set<std::string> routeNames;
    for (const json& h : (*vs)["spec"]["http"]) routeNames.insert(h.value("name", ""));
    for (const json& r : ref["routes"]) EXPECT_TRUE(routeNames.count(r.get<std::string>())) << r;
  }
  {
    // The gateway's own counters feed the analysis, per true class.
    const json& md = *findIn(docs, "canary-gateway.yaml", "ModelDeployment");
    const json& gateway = md["spec"]["strategy"]["canary"]["trafficRouting"]["gateway"];
    EXPECT_TRUE(gateway.contains("sticky"));
    EXPECT_TRUE(gateway.contains("shadow"));
    const json& metric = md["spec"]["analysis"]["metrics"][0];
    EXPECT_NE(metric["successes"].get<std::string>().find("modelops_feedback_correct_total"), std::string::npos);
    EXPECT_NE(metric["trials"].get<std::string>().find("modelops_feedback_labeled_total"), std::string::npos);
    EXPECT_EQ(metric["segments"]["by"], "class");
  }
}

}  // namespace
}  // namespace modelops::testing
