// Tests of the OpenAPI v3 documents (openapi.h): the index kubectl reads first, and a group/version
// document with what kubectl 1.32 needs for server-side field validation, apply patch types and explain.
// Thread-safety: single-threaded tests.
#include "modelops/apimachinery/openapi.h"

#include <gtest/gtest.h>

namespace modelops::apimachinery {
namespace {

using nlohmann::json;

ResourceDescription modelDeployment() {
  ResourceDescription r;
  r.group = "modelops.dev";
  r.version = "v1alpha1";
  r.kind = "ModelDeployment";
  r.plural = "modeldeployments";
  r.namespaced = true;
  r.statusSubresource = true;
  r.schema = json::parse(R"({"type": "object", "description": "A model rolled out progressively.",
    "properties": {"spec": {"type": "object", "description": "Desired state.", "properties": {
      "strategy": {"type": "object", "description": "How to roll out.", "properties": {
        "canary": {"type": "object", "description": "Progressive delivery in steps.",
                   "properties": {"steps": {"type": "array", "items": {"type": "object"}}}}}}}}}})");
  return r;
}

TEST(OpenApiNames, ReverseGroups) {
  EXPECT_EQ(openApiSchemaName("modelops.dev", "v1alpha1", "ModelDeployment"), "dev.modelops.v1alpha1.ModelDeployment");
  EXPECT_EQ(openApiSchemaName("", "v1", "ConfigMap"), "io.k8s.api.core.v1.ConfigMap");
  EXPECT_EQ(openApiSchemaName("apps", "v1", "Deployment"), "io.k8s.api.apps.v1.Deployment");
  EXPECT_EQ(openApiSchemaName("coordination.k8s.io", "v1", "Lease"), "io.k8s.api.coordination.v1.Lease");
  EXPECT_EQ(openApiSchemaName("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
            "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition");
  EXPECT_EQ(openApiSchemaName("gateway.networking.k8s.io", "v1", "HTTPRoute"), "io.k8s.api.gateway.v1.HTTPRoute");
  EXPECT_EQ(openApiSchemaName("networking.istio.io", "v1beta1", "VirtualService"), "io.istio.networking.v1beta1.VirtualService");
}

TEST(OpenApiIndex, ListsEveryGroupVersionWithHashedUrl) {
  json index = openApiV3Index({{"", "v1", ""}, {"apps", "v1", "ABC"}, {"modelops.dev", "v1alpha1", "DEF"}});
  ASSERT_EQ(index["paths"].size(), 3u);
  EXPECT_EQ(index["paths"]["apis/apps/v1"]["serverRelativeURL"], "/openapi/v3/apis/apps/v1?hash=ABC");
  EXPECT_EQ(index["paths"]["apis/modelops.dev/v1alpha1"]["serverRelativeURL"], "/openapi/v3/apis/modelops.dev/v1alpha1?hash=DEF");
  std::string core = index["paths"]["api/v1"]["serverRelativeURL"];
  EXPECT_EQ(core.rfind("/openapi/v3/api/v1?hash=", 0), 0u);
  EXPECT_GT(core.size(), std::string("/openapi/v3/api/v1?hash=").size());
}

TEST(OpenApiHash, ChangesWithTheDocument) {
  json a = {{"x", 1}}, b = {{"x", 2}};
  EXPECT_EQ(openApiV3DocHash(a), openApiV3DocHash(json{{"x", 1}}));
  EXPECT_NE(openApiV3DocHash(a), openApiV3DocHash(b));
  EXPECT_EQ(openApiV3DocHash(a).size(), 32u);
}

TEST(OpenApiDoc, PostOperationsDeclareFieldValidationAndGvk) {
  GroupVersion gv{"modelops.dev", "v1alpha1", ""};
  json doc = openApiV3GroupVersionDoc(gv, {modelDeployment()});
  EXPECT_EQ(doc["openapi"], "3.0.0");
  const json& paths = doc["paths"];
  const std::string collection = "/apis/modelops.dev/v1alpha1/namespaces/{namespace}/modeldeployments";
  ASSERT_TRUE(paths.contains(collection));
  ASSERT_TRUE(paths.contains(collection + "/{name}"));
  ASSERT_TRUE(paths.contains(collection + "/{name}/status"));
  ASSERT_TRUE(paths.contains("/apis/modelops.dev/v1alpha1/modeldeployments"));
  json gvk = {{"group", "modelops.dev"}, {"version", "v1alpha1"}, {"kind", "ModelDeployment"}};

  // What cli-runtime's query_param_verifier_v3 looks for: a post with the GVK object and the parameter.
  const json& post = paths[collection]["post"];
  EXPECT_EQ(post["x-kubernetes-group-version-kind"], gvk);
  EXPECT_EQ(post["x-kubernetes-action"], "post");
  EXPECT_EQ(post["operationId"], "createModelopsDevV1alpha1NamespacedModelDeployment");
  auto hasParam = [](const json& op, const std::string& name) {
    for (const auto& p : op["parameters"]) {
      if (p["name"] == name && p["in"] == "query") return true;
    }
    return false;
  };
  EXPECT_TRUE(hasParam(post, "fieldValidation"));
  EXPECT_TRUE(hasParam(post, "fieldManager"));
  for (const char* verb : {"put", "patch"}) {
    EXPECT_TRUE(hasParam(paths[collection + "/{name}"][verb], "fieldValidation")) << verb;
    EXPECT_EQ(paths[collection + "/{name}"][verb]["x-kubernetes-group-version-kind"], gvk);
  }
  EXPECT_TRUE(hasParam(paths[collection + "/{name}"]["patch"], "force"));
  EXPECT_TRUE(hasParam(paths[collection]["get"], "labelSelector"));

  // Custom resources: no strategic merge patch, so kubectl apply falls back to a merge patch.
  const json& content = paths[collection + "/{name}"]["patch"]["requestBody"]["content"];
  EXPECT_TRUE(content.contains("application/merge-patch+json"));
  EXPECT_TRUE(content.contains("application/json-patch+json"));
  EXPECT_TRUE(content.contains("application/apply-patch+yaml"));
  EXPECT_FALSE(content.contains("application/strategic-merge-patch+json"));
}

TEST(OpenApiDoc, ComponentSchemasServeKubectlExplain) {
  json doc = openApiV3GroupVersionDoc({"modelops.dev", "v1alpha1", ""}, {modelDeployment()});
  const json& schemas = doc["components"]["schemas"];
  ASSERT_TRUE(schemas.contains("dev.modelops.v1alpha1.ModelDeployment"));
  const json& md = schemas["dev.modelops.v1alpha1.ModelDeployment"];
  EXPECT_EQ(md["x-kubernetes-group-version-kind"],
            json::array({{{"group", "modelops.dev"}, {"version", "v1alpha1"}, {"kind", "ModelDeployment"}}}));
  EXPECT_EQ(md["properties"]["spec"]["properties"]["strategy"]["properties"]["canary"]["description"],
            "Progressive delivery in steps.");
  EXPECT_TRUE(md["properties"]["kind"]["description"].is_string());
  // metadata refers to ObjectMeta, which must be present for $ref resolution.
  std::string ref = md["properties"]["metadata"]["allOf"][0]["$ref"];
  EXPECT_EQ(ref, "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  EXPECT_TRUE(schemas.contains("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
  EXPECT_TRUE(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]["properties"].contains("name"));
  // Every $ref in the document resolves.
  std::function<void(const json&)> check = [&](const json& v) {
    if (v.is_object()) {
      if (auto it = v.find("$ref"); it != v.end()) {
        std::string target = it->get<std::string>().substr(std::string("#/components/schemas/").size());
        EXPECT_TRUE(schemas.contains(target)) << *it;
      }
      for (const auto& [k, x] : v.items()) check(x);
    } else if (v.is_array()) {
      for (const auto& x : v) check(x);
    }
  };
  check(doc);
  const json& list = schemas["dev.modelops.v1alpha1.ModelDeploymentList"];
  EXPECT_EQ(list["properties"]["items"]["items"]["$ref"], "#/components/schemas/dev.modelops.v1alpha1.ModelDeployment");
}

TEST(OpenApiDoc, BuiltinsAndClusterScopedResources) {
  ResourceDescription deploy{"apps", "v1", "Deployment", "deployments", true, true, true, false, nullptr, "Deployment enables declarative updates."};
  json doc = openApiV3GroupVersionDoc({"apps", "v1", ""}, {deploy});
  const json& d = doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"];
  EXPECT_EQ(d["type"], "object");
  EXPECT_EQ(d["x-kubernetes-preserve-unknown-fields"], true);
  EXPECT_EQ(d["description"], "Deployment enables declarative updates.");
  EXPECT_EQ(doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments"]["post"]["operationId"],
            "createAppsV1NamespacedDeployment");

  ResourceDescription ns{"", "v1", "Namespace", "namespaces", false, true, false, true, nullptr, ""};
  json core = openApiV3GroupVersionDoc({"", "v1", ""}, {ns});
  ASSERT_TRUE(core["paths"].contains("/api/v1/namespaces"));
  ASSERT_TRUE(core["paths"].contains("/api/v1/namespaces/{name}"));
  EXPECT_EQ(core["paths"]["/api/v1/namespaces"]["post"]["operationId"], "createCoreV1Namespace");
  EXPECT_TRUE(core["paths"]["/api/v1/namespaces/{name}"]["patch"]["requestBody"]["content"].contains(
      "application/strategic-merge-patch+json"));
  for (const auto& p : core["paths"]["/api/v1/namespaces/{name}"]["parameters"]) EXPECT_NE(p["name"], "namespace");
}

}  // namespace
}  // namespace modelops::apimachinery
