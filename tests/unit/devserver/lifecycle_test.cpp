// unit.devserver: deletion (finalizers, Background/Foreground/Orphan propagation, ownerReference
// garbage collection, namespace termination), server-side apply with field ownership, and the
// Deployment simulator on a fake clock.
// Thread-safety: test thread only (controllers are driven with runOnce()).
#include "core_fixture.h"

namespace modelops::devserver::testing {
namespace {

Json ownedConfigMap(const std::string& name, const Json& owner) {
  Json cm = configMap(name);
  cm["metadata"]["ownerReferences"] = {{{"apiVersion", owner["apiVersion"]}, {"kind", owner["kind"]},
                                        {"name", metaString(owner, "name")}, {"uid", metaString(owner, "uid")},
                                        {"blockOwnerDeletion", true}}};
  return cm;
}

TEST_F(CoreTest, FinalizersHoldDeletion) {
  Json cm = configMap("f");
  cm["metadata"]["finalizers"] = {"example.com/hold"};
  ASSERT_TRUE(core.create(configMaps(), "ns", cm, {}).ok());
  auto del = core.remove(configMaps(), "ns", "f", {});
  ASSERT_TRUE(del.ok());
  EXPECT_EQ((*del)["kind"], "ConfigMap");  // 200 with the object, not a Status
  EXPECT_TRUE(hasDeletionTimestamp(*del));
  auto still = core.get(configMaps(), "ns", "f");
  ASSERT_TRUE(still.ok());
  Json more = *still;
  more["metadata"]["finalizers"].push_back("example.com/late");
  auto refused = core.update(configMaps(), "ns", "f", more, "", {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, 422);
  EXPECT_NE(refused.error().message.find("no new finalizers can be added if the object is being deleted"), std::string::npos);
  Json released = *still;
  released["metadata"]["finalizers"] = Json::array();
  ASSERT_TRUE(core.update(configMaps(), "ns", "f", released, "", {}).ok());
  EXPECT_FALSE(core.get(configMaps(), "ns", "f").ok());
  // Without finalizers a delete answers a Success Status.
  ASSERT_TRUE(core.create(configMaps(), "ns", configMap("g"), {}).ok());
  auto plain = core.remove(configMaps(), "ns", "g", {});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ((*plain)["kind"], "Status");
  EXPECT_EQ((*plain)["status"], "Success");
}

TEST_F(CoreTest, BackgroundDeletionCollectsDependents) {
  auto owner = core.create(widgets(), "ns", widget("owner", 1), {});
  ASSERT_TRUE(owner.ok());
  ASSERT_TRUE(core.create(configMaps(), "ns", ownedConfigMap("dep", *owner), {}).ok());
  GarbageCollector gc(core);
  EXPECT_FALSE(gc.runOnce());  // owner alive: nothing to collect
  ASSERT_TRUE(core.get(configMaps(), "ns", "dep").ok());
  ASSERT_TRUE(core.remove(widgets(), "ns", "owner", {}).ok());
  EXPECT_TRUE(gc.runOnce());
  EXPECT_FALSE(core.get(configMaps(), "ns", "dep").ok());
}

TEST_F(CoreTest, OrphanDeletionKeepsDependentsWithoutTheReference) {
  auto owner = core.create(widgets(), "ns", widget("owner", 1), {});
  ASSERT_TRUE(core.create(configMaps(), "ns", ownedConfigMap("dep", *owner), {}).ok());
  DeleteOptions orphan;
  orphan.propagationPolicy = "Orphan";
  ASSERT_TRUE(core.remove(widgets(), "ns", "owner", orphan).ok());
  GarbageCollector gc(core);
  gc.runOnce();
  auto dep = core.get(configMaps(), "ns", "dep");
  ASSERT_TRUE(dep.ok());
  EXPECT_TRUE(metaField(*dep, "ownerReferences").is_null());
}

TEST_F(CoreTest, ForegroundDeletionWaitsForDependents) {
  auto owner = core.create(widgets(), "ns", widget("owner", 1), {});
  ASSERT_TRUE(core.create(configMaps(), "ns", ownedConfigMap("dep", *owner), {}).ok());
  DeleteOptions fg;
  fg.propagationPolicy = "Foreground";
  auto del = core.remove(widgets(), "ns", "owner", fg);
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(finalizers(*del), std::vector<std::string>{"foregroundDeletion"});
  EXPECT_TRUE(core.get(widgets(), "ns", "owner").ok());  // held while dependents exist
  GarbageCollector gc(core);
  for (int i = 0; i < 5 && gc.runOnce(); ++i) {
  }
  EXPECT_FALSE(core.get(configMaps(), "ns", "dep").ok());
  EXPECT_FALSE(core.get(widgets(), "ns", "owner").ok());
}

TEST_F(CoreTest, PreconditionsAndUnknownPolicy) {
  ASSERT_TRUE(core.create(configMaps(), "ns", configMap("p"), {}).ok());
  DeleteOptions wrongUid;
  wrongUid.preconditionUid = "00000000-0000-0000-0000-000000000000";
  auto r = core.remove(configMaps(), "ns", "p", wrongUid);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, 409);
  DeleteOptions bogus;
  bogus.propagationPolicy = "Sideways";
  r = core.remove(configMaps(), "ns", "p", bogus);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, 422);
}

TEST_F(CoreTest, NamespaceDeletionEmptiesThenRemovesIt) {
  ASSERT_TRUE(core.create(configMaps(), "ns", configMap("a"), {}).ok());
  auto del = core.remove(type("", "v1", "namespaces"), "", "ns", {});
  ASSERT_TRUE(del.ok());
  EXPECT_EQ((*del)["status"]["phase"], "Terminating");
  auto refused = core.create(configMaps(), "ns", configMap("b"), {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, 403);
  GarbageCollector gc(core);
  for (int i = 0; i < 5 && gc.runOnce(); ++i) {
  }
  EXPECT_FALSE(core.get(configMaps(), "ns", "a").ok());
  EXPECT_FALSE(core.get(type("", "v1", "namespaces"), "", "ns").ok());
}

TEST_F(CoreTest, ServerSideApplyOwnsFieldsAndReportsConflicts) {
  WriteOptions alice;
  alice.fieldManager = "alice";
  Json applied = widget("w", 1);
  applied["metadata"]["labels"] = {{"team", "a"}};
  auto created = core.patch(widgets(), "ns", "w", PatchType::Apply, applied, "", alice);
  ASSERT_TRUE(created.ok()) << created.error().message;
  Json mf = metaField(*created, "managedFields");
  ASSERT_EQ(mf.size(), 1u);
  EXPECT_EQ(mf[0]["manager"], "alice");
  EXPECT_EQ(mf[0]["operation"], "Apply");
  EXPECT_TRUE(mf[0]["fieldsV1"]["f:spec"].contains("f:size"));

  WriteOptions bob;
  bob.fieldManager = "bob";
  auto bobWrite = core.patch(widgets(), "ns", "w", PatchType::Merge, Json{{"spec", {{"size", 5}}}}, "", bob);
  ASSERT_TRUE(bobWrite.ok());
  applied["spec"]["size"] = 2;
  auto conflict = core.patch(widgets(), "ns", "w", PatchType::Apply, applied, "", alice);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code, 409);
  EXPECT_EQ(conflict.error().message, "Apply failed with 1 conflict: conflict with \"bob\" using example.com/v1: .spec.size");
  ASSERT_EQ(conflict.error().causes.size(), 1u);
  EXPECT_EQ(conflict.error().causes[0].type, "FieldManagerConflict");
  EXPECT_EQ(conflict.error().causes[0].field, ".spec.size");
  alice.force = true;
  auto forced = core.patch(widgets(), "ns", "w", PatchType::Apply, applied, "", alice);
  ASSERT_TRUE(forced.ok()) << forced.error().message;
  EXPECT_EQ((*forced)["spec"]["size"], 2);
  // Dropping a field from the applied configuration removes it.
  alice.force = false;
  applied["metadata"].erase("labels");
  auto dropped = core.patch(widgets(), "ns", "w", PatchType::Apply, applied, "", alice);
  ASSERT_TRUE(dropped.ok()) << dropped.error().message;
  EXPECT_FALSE(metaField(*dropped, "labels").contains("team"));
  WriteOptions nobody;
  auto noManager = core.patch(widgets(), "ns", "w", PatchType::Apply, applied, "", nobody);
  ASSERT_FALSE(noManager.ok());
  EXPECT_EQ(noManager.error().code, 400);
}

TEST_F(CoreTest, WorkloadSimulatorMakesDeploymentsAvailableOverTime) {
  Json d = {{"metadata", {{"name", "web"}}}, {"spec", {{"replicas", 3}}}};
  ASSERT_TRUE(core.create(deployments(), "ns", d, {}).ok());
  Json never = {{"metadata", {{"name", "stuck"}, {"annotations", {{"devserver.modelops.dev/never-ready", "true"}}}}},
                {"spec", {{"replicas", 1}, {"progressDeadlineSeconds", 30}}}};
  ASSERT_TRUE(core.create(deployments(), "ns", never, {}).ok());
  WorkloadSimulator sim(core, std::chrono::milliseconds(100));
  sim.runOnce();
  auto status = [&](const std::string& name) { return (*core.get(deployments(), "ns", name))["status"]; };
  auto cond = [&](const Json& st, const std::string& t) {
    for (const auto& c : st["conditions"])
      if (c["type"] == t) return c;
    return Json();
  };
  EXPECT_EQ(status("web")["observedGeneration"], 1);
  EXPECT_EQ(status("web")["availableReplicas"], 0);
  clock.advance(std::chrono::milliseconds(150));
  sim.runOnce();
  EXPECT_EQ(status("web")["readyReplicas"], 1);
  EXPECT_EQ(cond(status("web"), "Available")["status"], "False");
  clock.advance(std::chrono::milliseconds(200));
  sim.runOnce();
  Json st = status("web");
  EXPECT_EQ(st["replicas"], 3);
  EXPECT_EQ(st["updatedReplicas"], 3);
  EXPECT_EQ(st["availableReplicas"], 3);
  EXPECT_EQ(cond(st, "Available")["status"], "True");
  EXPECT_EQ(cond(st, "Progressing")["reason"], "NewReplicaSetAvailable");
  // A new generation is observed and rolls out again.
  ASSERT_TRUE(core.patch(deployments(), "ns", "web", PatchType::Merge, Json{{"spec", {{"replicas", 4}}}}, "", {}).ok());
  sim.runOnce();
  EXPECT_EQ(status("web")["observedGeneration"], 2);
  EXPECT_EQ(cond(status("web"), "Progressing")["reason"], "ReplicaSetUpdated");
  EXPECT_EQ(status("stuck")["availableReplicas"], 0);
  clock.advance(std::chrono::seconds(31));
  sim.runOnce();
  EXPECT_EQ(cond(status("stuck"), "Progressing")["reason"], "ProgressDeadlineExceeded");
  EXPECT_EQ(cond(status("stuck"), "Progressing")["status"], "False");
  EXPECT_EQ(cond(status("web"), "Available")["status"], "True");
}

}  // namespace
}  // namespace modelops::devserver::testing
