// unit.devserver: the core/v1 ServiceAccount and rbac.authorization.k8s.io/v1 kinds (ClusterRole,
// ClusterRoleBinding, Role, RoleBinding) that install manifests carry: discovery (scope, short names),
// CRUD at the right scope, roleRef validation and immutability, strategic merge patch, and the
// `kubectl get` Table columns of kube-apiserver's printers.
// Thread-safety: test thread only.
#include <gmock/gmock.h>

#include "core_fixture.h"
#include "modelops/apimachinery/table.h"
#include "printers.h"

namespace modelops::devserver::testing {
namespace {

using ::testing::HasSubstr;

const Json* findResource(const Json& list, const std::string& name) {
  for (const auto& r : list["resources"])
    if (r["name"] == name) return &r;
  return nullptr;
}

Json binding(const std::string& kind, const std::string& name, const std::string& roleKind, const std::string& role) {
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", kind},
          {"metadata", {{"name", name}}},
          {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", roleKind}, {"name", role}}},
          {"subjects", Json::array({{{"kind", "ServiceAccount"}, {"name", "op"}, {"namespace", "ns"}},
                                    {{"kind", "User"}, {"name", "alice"}},
                                    {{"kind", "ServiceAccount"}, {"name", "ci"}, {"namespace", "build"}},
                                    {{"kind", "Group"}, {"name", "sre"}}})}};
}

Json role(const std::string& kind, const std::string& name) {
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", kind},
          {"metadata", {{"name", name}}},
          {"rules", Json::array({{{"apiGroups", {"apps"}}, {"resources", {"deployments"}}, {"verbs", {"get", "list"}}}})}};
}

TEST(RbacDiscoveryTest, ServedWithTheirScopes) {
  Registry r;
  auto core = r.resourceList("", "v1");
  ASSERT_TRUE(core);
  const Json* sa = findResource(*core, "serviceaccounts");
  ASSERT_NE(sa, nullptr);
  EXPECT_EQ((*sa)["kind"], "ServiceAccount");
  EXPECT_EQ((*sa)["namespaced"], true);
  EXPECT_EQ((*sa)["shortNames"], Json({"sa"}));

  auto rbac = r.resourceList("rbac.authorization.k8s.io", "v1");
  ASSERT_TRUE(rbac);
  EXPECT_EQ((*rbac)["groupVersion"], "rbac.authorization.k8s.io/v1");
  struct Expect {
    const char* plural;
    const char* kind;
    bool namespaced;
  };
  for (const auto& e : {Expect{"clusterroles", "ClusterRole", false}, Expect{"clusterrolebindings", "ClusterRoleBinding", false},
                        Expect{"roles", "Role", true}, Expect{"rolebindings", "RoleBinding", true}}) {
    const Json* res = findResource(*rbac, e.plural);
    ASSERT_NE(res, nullptr) << e.plural;
    EXPECT_EQ((*res)["kind"], e.kind);
    EXPECT_EQ((*res)["namespaced"], e.namespaced) << e.plural;
    EXPECT_EQ((*res)["verbs"].size(), 8u) << e.plural;
  }
  EXPECT_EQ((*rbac)["resources"].size(), 4u);  // no status subresources
  auto group = r.group("rbac.authorization.k8s.io");
  ASSERT_TRUE(group);
  EXPECT_EQ((*group)["preferredVersion"]["groupVersion"], "rbac.authorization.k8s.io/v1");
  bool listed = false;
  const Json groups = r.groupList();
  for (const auto& g : groups["groups"]) listed = listed || g["name"] == "rbac.authorization.k8s.io";
  EXPECT_TRUE(listed);
  EXPECT_EQ(r.findByKind("rbac.authorization.k8s.io/v1", "ClusterRoleBinding")->plural, "clusterrolebindings");
  EXPECT_EQ(r.findByKind("v1", "ServiceAccount")->plural, "serviceaccounts");
}

TEST_F(CoreTest, RbacObjectsAreStoredAtTheirScope) {
  const auto& clusterRoles = type("rbac.authorization.k8s.io", "v1", "clusterroles");
  const auto& roles = type("rbac.authorization.k8s.io", "v1", "roles");
  auto cr = core.create(clusterRoles, "", role("ClusterRole", "reader"), {});
  ASSERT_TRUE(cr.ok()) << cr.error().message;
  EXPECT_FALSE(cr->at("metadata").contains("namespace"));
  EXPECT_TRUE(metaField(*cr, "generation").is_null());
  auto r = core.create(roles, "ns", role("Role", "leases"), {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(metaString(*r, "namespace"), "ns");
  EXPECT_EQ((*r)["rules"][0]["verbs"], Json({"get", "list"}));
  auto missingNs = core.create(roles, "ghost", role("Role", "x"), {});
  ASSERT_FALSE(missingNs.ok());
  EXPECT_EQ(missingNs.error().code, 404);

  // Built-ins take strategic merge patches; rules have no merge key, so the list is replaced.
  auto patched = core.patch(roles, "ns", "leases", PatchType::Strategic,
                            Json::parse(R"({"rules": [{"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
                                            "verbs": ["get", "create", "update"]}]})"),
                            "", {});
  ASSERT_TRUE(patched.ok()) << patched.error().message;
  ASSERT_EQ((*patched)["rules"].size(), 1u);
  EXPECT_EQ((*patched)["rules"][0]["resources"], Json({"leases"}));

  const auto& sas = type("", "v1", "serviceaccounts");
  auto sa = core.create(sas, "ns", Json{{"metadata", {{"name", "op"}}}}, {});
  ASSERT_TRUE(sa.ok()) << sa.error().message;
  EXPECT_EQ((*sa)["kind"], "ServiceAccount");
  auto listed = core.list(sas, "ns", {});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ((*listed)["items"].size(), 1u);
}

TEST_F(CoreTest, BindingsNeedAValidRoleRefThatNeverChanges) {
  const auto& crbs = type("rbac.authorization.k8s.io", "v1", "clusterrolebindings");
  const auto& rbs = type("rbac.authorization.k8s.io", "v1", "rolebindings");
  auto wrongKind = core.create(crbs, "", binding("ClusterRoleBinding", "b", "Role", "r"), {});
  ASSERT_FALSE(wrongKind.ok());
  EXPECT_EQ(wrongKind.error().code, 422);
  EXPECT_THAT(wrongKind.error().message, HasSubstr("ClusterRoleBinding.rbac.authorization.k8s.io \"b\" is invalid"));
  EXPECT_THAT(wrongKind.error().message, HasSubstr("roleRef.kind: Unsupported value: \"Role\""));
  Json noName = binding("RoleBinding", "b", "Role", "");
  auto missing = core.create(rbs, "ns", noName, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("roleRef.name: Required value"));

  auto created = core.create(rbs, "ns", binding("RoleBinding", "b", "Role", "r"), {});
  ASSERT_TRUE(created.ok()) << created.error().message;
  Json subjectsChanged = *created;
  subjectsChanged["subjects"] = Json::array({{{"kind", "User"}, {"name", "bob"}}});
  auto updated = core.update(rbs, "ns", "b", subjectsChanged, "", {});
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  Json roleChanged = *updated;
  roleChanged["roleRef"]["name"] = "admin";
  auto refused = core.update(rbs, "ns", "b", roleChanged, "", {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, 422);
  EXPECT_THAT(refused.error().message, HasSubstr("roleRef: Invalid value: cannot change roleRef"));
}

// Cells of a one-row Table for obj rendered with the printer columns of type.
Json cellsOf(const ResourceType& t, const Json& obj, Clock::WallTime now, Json* columns) {
  Json table = apimachinery::renderTable({obj}, printerColumns(t), "1", "", now, apimachinery::IncludeObject::None);
  *columns = Json::array();
  for (const auto& c : table["columnDefinitions"]) columns->push_back(c["name"]);
  return table["rows"][0]["cells"];
}

TEST_F(CoreTest, TablesFollowTheKubeApiserverPrinters) {
  const auto& crbs = type("rbac.authorization.k8s.io", "v1", "clusterrolebindings");
  const auto& crs = type("rbac.authorization.k8s.io", "v1", "clusterroles");
  const auto& sas = type("", "v1", "serviceaccounts");
  auto b = core.create(crbs, "", binding("ClusterRoleBinding", "op", "ClusterRole", "reader"), {});
  auto r = core.create(crs, "", role("ClusterRole", "reader"), {});
  auto sa = core.create(sas, "ns", Json{{"metadata", {{"name", "op"}}}, {"secrets", Json::array({{{"name", "t"}}})}}, {});
  ASSERT_TRUE(b.ok() && r.ok() && sa.ok());
  clock.advance(std::chrono::minutes(5));

  Json columns;
  Json cells = cellsOf(crbs, *b, clock.now(), &columns);
  EXPECT_EQ(columns, Json({"Name", "Role", "Age", "Users", "Groups", "ServiceAccounts"}));
  EXPECT_EQ(cells, Json({"op", "ClusterRole/reader", "5m", "alice", "sre", "ns/op, build/ci"}));

  cells = cellsOf(crs, *r, clock.now(), &columns);
  EXPECT_EQ(columns, Json({"Name", "Created At"}));
  EXPECT_EQ(cells[1], metaString(*r, "creationTimestamp"));  // a timestamp, not an age, as kubectl shows it

  cells = cellsOf(sas, *sa, clock.now(), &columns);
  EXPECT_EQ(columns, Json({"Name", "Secrets", "Age"}));
  EXPECT_EQ(cells, Json({"op", 1, "5m"}));

  // Kinds with their own printers elsewhere keep them.
  EXPECT_EQ(printerColumns(deployments()).front().name, "Ready");
  EXPECT_EQ(printerColumns(widgets()).front().name, "Size");
}

}  // namespace
}  // namespace modelops::devserver::testing
