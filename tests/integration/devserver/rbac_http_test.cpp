// integration.devserver: ServiceAccounts and the rbac.authorization.k8s.io/v1 kinds over HTTP, as kubectl
// needs them for `kubectl apply`: legacy discovery, the OpenAPI v3 documents (schemas and the cluster or
// namespaced paths whose writes declare fieldValidation), CRUD at the right scope, and Tables.
// Thread-safety: gtest main thread only.
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>

#include <nlohmann/json.hpp>

#include "modelops/devserver/dev_server.h"

namespace modelops::devserver {
namespace {

using nlohmann::json;

class RbacHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = DevServer::start(DevServerOptions{});
    ASSERT_TRUE(s.ok()) << s.error().message;
    server = std::move(s).value();
    client = std::make_unique<httplib::Client>("127.0.0.1", server->port());
    client->set_read_timeout(10, 0);
  }
  void TearDown() override {
    if (server) server->stop();
  }
  // GET (body null) or POST; the parsed answer and its status code.
  std::pair<int, json> call(const std::string& path, const json& body = nullptr, httplib::Headers headers = {}) {
    auto r = body.is_null() ? client->Get(path.c_str(), headers)
                            : client->Post(path.c_str(), headers, body.dump(), "application/json");
    if (!r) return {-1, json()};
    return {r->status, json::parse(r->body, nullptr, false)};
  }
  std::unique_ptr<DevServer> server;
  std::unique_ptr<httplib::Client> client;
};

const json kBinding = {{"apiVersion", "rbac.authorization.k8s.io/v1"},
                       {"kind", "ClusterRoleBinding"},
                       {"metadata", {{"name", "op"}}},
                       {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "op"}}},
                       {"subjects", json::array({{{"kind", "ServiceAccount"}, {"name", "op"}, {"namespace", "default"}}})}};

TEST_F(RbacHttpTest, DiscoveryAndOpenApiDescribeTheKindsAtTheirScope) {
  auto [code, groups] = call("/apis");
  ASSERT_EQ(code, 200);
  bool listed = false;
  for (const auto& g : groups["groups"]) listed = listed || g["name"] == "rbac.authorization.k8s.io";
  EXPECT_TRUE(listed);
  auto [listCode, list] = call("/apis/rbac.authorization.k8s.io/v1");
  ASSERT_EQ(listCode, 200);
  EXPECT_EQ(list["resources"].size(), 4u);

  auto [indexCode, index] = call("/openapi/v3");
  ASSERT_EQ(indexCode, 200);
  ASSERT_TRUE(index["paths"].contains("apis/rbac.authorization.k8s.io/v1")) << index.dump();
  auto [docCode, doc] = call(index["paths"]["apis/rbac.authorization.k8s.io/v1"]["serverRelativeURL"]);
  ASSERT_EQ(docCode, 200);
  for (const char* kind : {"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"})
    EXPECT_TRUE(doc["components"]["schemas"].contains(std::string("io.k8s.api.rbac.v1.") + kind)) << kind;
  const json& paths = doc["paths"];
  EXPECT_TRUE(paths.contains("/apis/rbac.authorization.k8s.io/v1/clusterroles"));
  EXPECT_TRUE(paths.contains("/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/roles"));
  EXPECT_FALSE(paths.contains("/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/clusterroles"));
  bool declaresFieldValidation = false;
  for (const auto& p : paths["/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"]["post"]["parameters"])
    declaresFieldValidation = declaresFieldValidation || p.value("name", "") == "fieldValidation";
  EXPECT_TRUE(declaresFieldValidation) << "kubectl apply would fall back to /openapi/v2 and fail";

  auto [coreCode, core] = call(index["paths"]["api/v1"]["serverRelativeURL"]);
  ASSERT_EQ(coreCode, 200);
  EXPECT_TRUE(core["components"]["schemas"].contains("io.k8s.api.core.v1.ServiceAccount"));
  EXPECT_TRUE(core["paths"].contains("/api/v1/namespaces/{namespace}/serviceaccounts"));
}

TEST_F(RbacHttpTest, ClusterScopedAndNamespacedWritesAndTables) {
  auto [created, binding] = call("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", kBinding);
  ASSERT_EQ(created, 201) << binding.dump();
  EXPECT_FALSE(binding["metadata"].contains("namespace"));
  // A cluster-scoped kind has no namespaced path.
  auto [namespaced, err] = call("/apis/rbac.authorization.k8s.io/v1/namespaces/default/clusterrolebindings", kBinding);
  EXPECT_EQ(namespaced, 404) << err.dump();
  auto [saCode, sa] = call("/api/v1/namespaces/default/serviceaccounts",
                           {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", {{"name", "op"}}}});
  ASSERT_EQ(saCode, 201) << sa.dump();
  EXPECT_EQ(sa["metadata"]["namespace"], "default");

  auto [tableCode, table] = call("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", nullptr,
                                 {{"Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"}});
  ASSERT_EQ(tableCode, 200);
  EXPECT_EQ(table["kind"], "Table");
  ASSERT_EQ(table["rows"].size(), 1u);
  EXPECT_EQ(table["rows"][0]["cells"][0], "op");
  EXPECT_EQ(table["rows"][0]["cells"][1], "ClusterRole/op");
  EXPECT_EQ(table["rows"][0]["cells"][5], "default/op");

  json changed = binding;
  changed["roleRef"]["name"] = "admin";
  auto r = client->Put("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/op", changed.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422);
  EXPECT_EQ(json::parse(r->body)["reason"], "Invalid");
}

}  // namespace
}  // namespace modelops::devserver
