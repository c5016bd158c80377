// Tests of strategic merge patch for built-in kinds (patch.h): lists merged by their Kubernetes merge
// keys, directives ($patch, $retainKeys, $deleteFromPrimitiveList, $setElementOrder), null deletes.
// Thread-safety: single-threaded tests.
#include <gtest/gtest.h>

#include "modelops/apimachinery/patch.h"

namespace modelops::apimachinery {
namespace {

using nlohmann::json;

json deployment() {
  return json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "finalizers": ["a"], "labels": {"app": "web", "old": "x"}},
    "spec": {
      "replicas": 2,
      "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
      "template": {"spec": {
        "containers": [
          {"name": "app", "image": "app:v1",
           "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
           "ports": [{"containerPort": 8080, "name": "http"}],
           "args": ["--x"]},
          {"name": "sidecar", "image": "proxy:v1"}
        ],
        "tolerations": [{"key": "k1", "operator": "Exists"}],
        "volumes": [{"name": "data", "emptyDir": {}}]
      }}
    }
  })");
}

json containers(const json& d) { return d["spec"]["template"]["spec"]["containers"]; }

TEST(StrategicMerge, ContainersMergeByNameAndEnvByName) {
  json patch = json::parse(R"({"spec": {"template": {"spec": {"containers": [
      {"name": "app", "image": "app:v2", "env": [{"name": "B", "value": "20"}, {"name": "C", "value": "3"}]}]}}}})");
  auto r = applyStrategicMergePatch(deployment(), patch, "Deployment");
  ASSERT_TRUE(r.ok()) << r.error().message;
  json c = containers(*r);
  ASSERT_EQ(c.size(), 2u);  // sidecar kept: merge, not replace
  EXPECT_EQ(c[0]["image"], "app:v2");
  EXPECT_EQ(c[1]["name"], "sidecar");
  EXPECT_EQ(c[0]["env"], json::parse(R"([{"name":"A","value":"1"},{"name":"B","value":"20"},{"name":"C","value":"3"}])"));
  EXPECT_EQ(c[0]["ports"], json::parse(R"([{"containerPort":8080,"name":"http"}])"));
}

TEST(StrategicMerge, PortsMergeByContainerPortAndArgsReplace) {
  json patch = json::parse(R"({"spec": {"template": {"spec": {"containers": [
      {"name": "app", "ports": [{"containerPort": 9090, "name": "metrics"}, {"containerPort": 8080, "protocol": "TCP"}],
       "args": ["--y"]}]}}}})");
  auto r = applyStrategicMergePatch(deployment(), patch, "Deployment");
  ASSERT_TRUE(r.ok()) << r.error().message;
  json c = containers(*r)[0];
  EXPECT_EQ(c["ports"], json::parse(R"([{"containerPort":8080,"name":"http","protocol":"TCP"},{"containerPort":9090,"name":"metrics"}])"));
  EXPECT_EQ(c["args"], json::parse(R"(["--y"])"));
}

TEST(StrategicMerge, PatchDeleteRemovesListElementsAndMaps) {
  json patch = json::parse(R"({"spec": {
      "strategy": {"rollingUpdate": {"$patch": "delete"}},
      "template": {"spec": {"containers": [
        {"name": "sidecar", "$patch": "delete"},
        {"name": "app", "env": [{"name": "A", "$patch": "delete"}]}]}}}})");
  auto r = applyStrategicMergePatch(deployment(), patch, "Deployment");
  ASSERT_TRUE(r.ok()) << r.error().message;
  json c = containers(*r);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0]["name"], "app");
  EXPECT_EQ(c[0]["env"], json::parse(R"([{"name":"B","value":"2"}])"));
  EXPECT_FALSE((*r)["spec"]["strategy"].contains("rollingUpdate"));
  EXPECT_EQ((*r)["spec"]["strategy"]["type"], "RollingUpdate");
}

TEST(StrategicMerge, PatchReplaceReplacesListsAndMaps) {
  json patch = json::parse(R"({"spec": {"template": {"spec": {"containers": [
      {"$patch": "replace"}, {"name": "only", "image": "only:v1"}]}},
      "strategy": {"$patch": "replace", "type": "Recreate"}}})");
  auto r = applyStrategicMergePatch(deployment(), patch, "Deployment");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(containers(*r), json::parse(R"([{"name":"only","image":"only:v1"}])"));
  EXPECT_EQ((*r)["spec"]["strategy"], json::parse(R"({"type":"Recreate"})"));
}

TEST(StrategicMerge, RetainKeysDropsUnlistedFields) {
  json patch = json::parse(R"({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}})");
  auto r = applyStrategicMergePatch(deployment(), patch, "Deployment");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)["spec"]["strategy"], json::parse(R"({"type":"Recreate"})"));
}

TEST(StrategicMerge, NullDeletesAndTolerationsReplace) {
  json patch = json::parse(R"({"metadata": {"labels": {"old": null, "new": "y"}},
      "spec": {"template": {"spec": {"tolerations": [{"key": "k2", "operator": "Exists"}]}}}})");
  auto r = applyStrategicMergePatch(deployment(), patch, "Deployment");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)["metadata"]["labels"], json::parse(R"({"app":"web","new":"y"})"));
  EXPECT_EQ((*r)["spec"]["template"]["spec"]["tolerations"], json::parse(R"([{"key":"k2","operator":"Exists"}])"));
}

TEST(StrategicMerge, FinalizersAreASetAndDeleteFromPrimitiveList) {
  json add = json::parse(R"({"metadata": {"finalizers": ["a", "b"]}})");
  auto r = applyStrategicMergePatch(deployment(), add, "Deployment");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["metadata"]["finalizers"], json::parse(R"(["a","b"])"));
  json del = json::parse(R"({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}})");
  auto r2 = applyStrategicMergePatch(*r, del, "Deployment");
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ((*r2)["metadata"]["finalizers"], json::parse(R"(["b"])"));
}

TEST(StrategicMerge, SetElementOrderReordersMergedList) {
  json patch = json::parse(R"({"spec": {"template": {"spec": {
      "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "app"}],
      "containers": [{"name": "app", "image": "app:v3"}]}}}})");
  auto r = applyStrategicMergePatch(deployment(), patch, "Deployment");
  ASSERT_TRUE(r.ok()) << r.error().message;
  json c = containers(*r);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0]["name"], "sidecar");
  EXPECT_EQ(c[1]["image"], "app:v3");
}

TEST(StrategicMerge, ServicePortsMergeByPort) {
  json svc = json::parse(R"({"kind": "Service", "spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443}]}})");
  json patch = json::parse(R"({"spec": {"ports": [{"port": 80, "targetPort": 9090}]}})");
  auto r = applyStrategicMergePatch(svc, patch, "Service");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)["spec"]["ports"], json::parse(R"([{"port":80,"targetPort":9090},{"port":443}])"));
}

TEST(StrategicMerge, ConditionsByTypeAndOwnerReferencesByUid) {
  json d = json::parse(R"({"metadata": {"ownerReferences": [{"uid": "u1", "name": "a"}]},
      "status": {"conditions": [{"type": "Available", "status": "False"}, {"type": "Progressing", "status": "True"}]}})");
  json patch = json::parse(R"({"metadata": {"ownerReferences": [{"uid": "u2", "name": "b"}]},
      "status": {"conditions": [{"type": "Available", "status": "True"}]}})");
  auto r = applyStrategicMergePatch(d, patch, "Deployment");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)["status"]["conditions"][0]["status"], "True");
  EXPECT_EQ((*r)["status"]["conditions"].size(), 2u);
  EXPECT_EQ((*r)["metadata"]["ownerReferences"].size(), 2u);
}

TEST(StrategicMerge, UnknownKindsReplaceListsButKeepMetadataStrategies) {
  json obj = json::parse(R"({"metadata": {"finalizers": ["x"]}, "spec": {"steps": [{"name": "a"}, {"name": "b"}]}})");
  json patch = json::parse(R"({"metadata": {"finalizers": ["y"]}, "spec": {"steps": [{"name": "c"}]}})");
  auto r = applyStrategicMergePatch(obj, patch, "ModelDeployment");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["spec"]["steps"], json::parse(R"([{"name":"c"}])"));
  EXPECT_EQ((*r)["metadata"]["finalizers"], json::parse(R"(["x","y"])"));
}

TEST(StrategicMerge, NewListsAndMapsAreAddedWithoutDirectives) {
  json d = json::parse(R"({"spec": {"template": {"spec": {}}}})");
  json patch = json::parse(R"({"spec": {"template": {"spec": {"containers": [
      {"name": "a", "image": "a", "env": [{"name": "X", "value": "1"}, {"name": "Y", "$patch": "delete"}]}]}}}})");
  auto r = applyStrategicMergePatch(d, patch, "Deployment");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(containers(*r), json::parse(R"([{"name":"a","image":"a","env":[{"name":"X","value":"1"}]}])"));
}

TEST(StrategicMerge, Errors) {
  auto missingKey = applyStrategicMergePatch(
      deployment(), json::parse(R"({"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}})"), "Deployment");
  ASSERT_FALSE(missingKey.ok());
  EXPECT_NE(missingKey.error().message.find("does not contain declared merge key: name"), std::string::npos)
      << missingKey.error().message;
  EXPECT_NE(missingKey.error().message.find("spec.template.spec.containers"), std::string::npos);

  auto badDirective = applyStrategicMergePatch(deployment(), json::parse(R"({"spec": {"$patch": "explode"}})"), "Deployment");
  ASSERT_FALSE(badDirective.ok());
  EXPECT_NE(badDirective.error().message.find("Unknown patch type"), std::string::npos);

  EXPECT_FALSE(applyStrategicMergePatch(deployment(), json::array(), "Deployment").ok());
}

}  // namespace
}  // namespace modelops::apimachinery
