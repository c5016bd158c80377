// Tests of meta.k8s.io/v1 Table rendering (table.h): column definitions, cells per column type, missing
// fields as null cells, server-side ages for date columns, row objects, built-in printers.
// Thread-safety: single-threaded tests.
#include "modelops/apimachinery/table.h"

#include <gtest/gtest.h>

#include "modelops/common/time.h"

namespace modelops::apimachinery {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const Clock::WallTime kNow = *parseRfc3339("2026-11-25T12:00:00Z");

json modelDeployment(const std::string& name, const std::string& created, json status) {
  return json{{"apiVersion", "modelops.dev/v1alpha1"},
              {"kind", "ModelDeployment"},
              {"metadata", {{"name", name}, {"namespace", "default"}, {"creationTimestamp", created}, {"uid", "u-" + name}}},
              {"spec", {{"replicas", 3}, {"model", {{"version", "v2"}}}}},
              {"status", std::move(status)}};
}

TEST(HumanDuration, MatchesKubernetes) {
  struct Case {
    std::chrono::milliseconds d;
    const char* text;
  };
  std::vector<Case> cases = {{-5s, "<invalid>"}, {-1500ms, "0s"}, {0s, "0s"}, {45s, "45s"}, {119s, "119s"},
                             {120s, "2m"}, {330s, "5m30s"}, {600s, "10m"}, {179min, "179m"}, {3h + 2min, "3h2m"},
                             {5h, "5h"}, {8h + 30min, "8h"}, {47h, "47h"}, {48h, "2d"}, {24h * 3 + 4h, "3d4h"},
                             {24h * 8, "8d"}, {24h * 400, "400d"}, {24h * 365 * 2, "2y"},
                             {24h * (365 * 3 + 10), "3y10d"}, {24h * 365 * 9, "9y"}};
  for (const auto& c : cases) EXPECT_EQ(humanDuration(c.d), c.text) << c.d.count();
}

TEST(Table, CrdPrinterColumnsWithMissingFieldsAndDates) {
  json columns = json::parse(R"([
    {"name": "Phase", "type": "string", "jsonPath": ".status.phase", "description": "Where the rollout stands"},
    {"name": "Weight", "type": "integer", "jsonPath": ".status.canaryWeight"},
    {"name": "Ratio", "type": "number", "jsonPath": ".status.ratio"},
    {"name": "Paused", "type": "boolean", "jsonPath": ".status.paused"},
    {"name": "Available", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Available\")].status"},
    {"name": "Version", "type": "string", "jsonPath": ".spec.model.version", "priority": 1},
    {"name": "Started", "type": "date", "jsonPath": ".status.startedAt"},
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}])");
  std::vector<json> objects = {
      modelDeployment("a", "2026-11-25T11:55:00Z",
                      {{"phase", "Progressing"}, {"canaryWeight", 20.0}, {"ratio", 1}, {"paused", false},
                       {"conditions", {{{"type", "Available"}, {"status", "True"}}}},
                       {"startedAt", "2026-11-25T08:58:00Z"}}),
      modelDeployment("b", "2026-11-22T12:00:00Z", {{"canaryWeight", "not-a-number"}, {"startedAt", "garbage"}})};
  json t = renderTable(objects, crdColumns(columns), "42", "next-token", kNow, true);

  EXPECT_EQ(t["kind"], "Table");
  EXPECT_EQ(t["apiVersion"], "meta.k8s.io/v1");
  EXPECT_EQ(t["metadata"], (json{{"resourceVersion", "42"}, {"continue", "next-token"}}));
  const json& defs = t["columnDefinitions"];
  ASSERT_EQ(defs.size(), 9u);
  EXPECT_EQ(defs[0]["name"], "Name");
  EXPECT_EQ(defs[0]["format"], "name");
  EXPECT_EQ(defs[1], (json{{"name", "Phase"}, {"type", "string"}, {"format", ""}, {"description", "Where the rollout stands"}, {"priority", 0}}));
  EXPECT_EQ(defs[2]["description"], "Custom resource definition column (in JSONPath format): .status.canaryWeight");
  EXPECT_EQ(defs[6]["priority"], 1);
  EXPECT_EQ(defs[7]["type"], "date");

  ASSERT_EQ(t["rows"].size(), 2u);
  EXPECT_EQ(t["rows"][0]["cells"], json::parse(R"(["a", "Progressing", 20, 1.0, false, "True", "v2", "3h2m", "5m"])"));
  // Missing fields and type mismatches are null cells; an unparsable date is "<invalid>".
  EXPECT_EQ(t["rows"][1]["cells"], json::parse(R"(["b", null, null, null, null, null, "v2", "<invalid>", "3d"])"));
  EXPECT_EQ(t["rows"][0]["object"],
            (json{{"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", objects[0]["metadata"]}}));
}

TEST(Table, IncludeObjectModesAndEmptyMetadata) {
  std::vector<json> objects = {modelDeployment("a", "2026-11-25T11:59:30Z", json::object())};
  json full = renderTable(objects, crdColumns(nullptr), "", "", kNow, false);
  EXPECT_EQ(full["rows"][0]["object"], objects[0]);
  EXPECT_EQ(full["metadata"], json::object());
  EXPECT_EQ(full["rows"][0]["cells"], json::parse(R"(["a", "30s"])"));  // default CRD column: Age
  json none = renderTable(objects, crdColumns(json::array()), "1", "", kNow, IncludeObject::None);
  EXPECT_TRUE(none["rows"][0]["object"].is_null());
  EXPECT_EQ(none["columnDefinitions"][1]["name"], "Age");
  EXPECT_EQ(none["columnDefinitions"][1]["type"], "date");
  json empty = renderTable({}, crdColumns(nullptr), "7", "", kNow, true);
  EXPECT_EQ(empty["rows"], json::array());
}

TEST(Table, StringColumnsPrintNonStringsLikeGo) {
  json cols = json::parse(R"([{"name": "R", "type": "string", "jsonPath": ".spec.replicas"},
                              {"name": "M", "type": "string", "jsonPath": ".spec.model"}])");
  json t = renderTable({modelDeployment("a", "2026-11-25T11:00:00Z", json::object())}, crdColumns(cols), "", "", kNow, true);
  EXPECT_EQ(t["rows"][0]["cells"], json::parse(R"(["a", "3", "map[version:v2]"])"));
}

TEST(Table, BuiltinDeploymentServiceConfigMap) {
  json deploy = json::parse(R"({"kind": "Deployment", "metadata": {"name": "web", "creationTimestamp": "2026-11-25T11:00:00Z"},
      "spec": {"replicas": 3}, "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}})");
  json t = renderTable({deploy}, builtinColumns("Deployment"), "", "", kNow, true);
  std::vector<std::string> names;
  for (const auto& d : t["columnDefinitions"]) names.push_back(d["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"Name", "Ready", "Up-to-date", "Available", "Age"}));
  EXPECT_EQ(t["rows"][0]["cells"], json::parse(R"(["web", "2/3", 3, 2, "60m"])"));

  json fresh = json::parse(R"({"kind": "Deployment", "metadata": {"name": "new"}, "spec": {}})");
  EXPECT_EQ(renderTable({fresh}, builtinColumns("Deployment"), "", "", kNow, true)["rows"][0]["cells"],
            json::parse(R"(["new", "0/1", 0, 0, "<unknown>"])"));

  json svc = json::parse(R"({"kind": "Service", "metadata": {"name": "api", "creationTimestamp": "2026-11-25T11:59:00Z"},
      "spec": {"type": "NodePort", "clusterIP": "10.0.0.7", "ports": [{"port": 80, "nodePort": 30080}, {"port": 53, "protocol": "UDP"}]}})");
  EXPECT_EQ(renderTable({svc}, builtinColumns("Service"), "", "", kNow, true)["rows"][0]["cells"],
            json::parse(R"(["api", "NodePort", "10.0.0.7", "<none>", "80:30080/TCP,53/UDP", "60s"])"));
  json lb = json::parse(R"({"kind": "Service", "metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer", "clusterIP": "10.0.0.8"}})");
  EXPECT_EQ(renderTable({lb}, builtinColumns("Service"), "", "", kNow, true)["rows"][0]["cells"][3], "<pending>");

  json cm = json::parse(R"({"kind": "ConfigMap", "metadata": {"name": "cfg", "creationTimestamp": "2026-11-20T12:00:00Z"},
      "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}})");
  EXPECT_EQ(renderTable({cm}, builtinColumns("ConfigMap"), "", "", kNow, true)["rows"][0]["cells"],
            json::parse(R"(["cfg", 3, "5d"])"));
}

TEST(Table, BuiltinNamespaceSecretLeaseCrdEventAndDefault) {
  json ns = json::parse(R"({"metadata": {"name": "prod", "creationTimestamp": "2026-11-25T11:00:00Z"}, "status": {"phase": "Active"}})");
  EXPECT_EQ(renderTable({ns}, builtinColumns("Namespace"), "", "", kNow, true)["rows"][0]["cells"],
            json::parse(R"(["prod", "Active", "60m"])"));
  json secret = json::parse(R"({"metadata": {"name": "s"}, "type": "kubernetes.io/tls", "data": {"tls.crt": "", "tls.key": ""}})");
  EXPECT_EQ(renderTable({secret}, builtinColumns("Secret"), "", "", kNow, true)["rows"][0]["cells"],
            json::parse(R"(["s", "kubernetes.io/tls", 2, "<unknown>"])"));
  json lease = json::parse(R"({"metadata": {"name": "leader"}, "spec": {"holderIdentity": "pod-1"}})");
  EXPECT_EQ(renderTable({lease}, builtinColumns("Lease"), "", "", kNow, true)["rows"][0]["cells"][1], "pod-1");
  json crd = json::parse(R"({"metadata": {"name": "modeldeployments.modelops.dev", "creationTimestamp": "2026-11-25T10:00:00Z"}})");
  json crdTable = renderTable({crd}, builtinColumns("CustomResourceDefinition"), "", "", kNow, true);
  EXPECT_EQ(crdTable["columnDefinitions"][1]["name"], "Created At");
  EXPECT_EQ(crdTable["columnDefinitions"][1]["type"], "date");
  EXPECT_EQ(crdTable["rows"][0]["cells"], json::parse(R"(["modeldeployments.modelops.dev", "2026-11-25T10:00:00Z"])"));

  json event = json::parse(R"({"metadata": {"name": "web.1"}, "type": "Normal", "reason": "Promoted",
      "involvedObject": {"kind": "ModelDeployment", "name": "web"}, "message": "canary promoted",
      "lastTimestamp": "2026-11-25T11:58:00Z", "firstTimestamp": "2026-11-25T11:50:00Z", "count": 2,
      "source": {"component": "modelops-operator"}})");
  json et = renderTable({event}, builtinColumns("Event"), "", "", kNow, true);
  EXPECT_EQ(et["columnDefinitions"][0]["name"], "Last Seen");  // events put Name last (priority 1)
  EXPECT_EQ(et["rows"][0]["cells"], json::parse(R"(["2m", "Normal", "Promoted", "modeldeployment/web", null,
      "modelops-operator", "canary promoted", "10m", 2, "web.1"])"));

  json other = json::parse(R"({"metadata": {"name": "x", "creationTimestamp": "2026-11-25T11:59:59Z"}})");
  EXPECT_EQ(renderTable({other}, builtinColumns("Whatever"), "", "", kNow, true)["rows"][0]["cells"],
            json::parse(R"(["x", "1s"])"));
}

}  // namespace
}  // namespace modelops::apimachinery
