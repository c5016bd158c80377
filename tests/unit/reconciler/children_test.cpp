// Owned children: Deployment and Service manifests (labels, selector, owner, env), the Service patch
// that is null when nothing differs, and Deployments read back as the planner's observations.
#include <gtest/gtest.h>

#include "modelops/api/codec.h"
#include "modelops/api/defaults.h"
#include "modelops/reconciler/children.h"

namespace modelops::reconciler {
namespace {

api::ModelDeployment exampleWithTemplate() {
  auto doc = Json::parse(R"({"apiVersion": "modelops.dev/v1alpha1", "kind": "ModelDeployment",
    "metadata": {"name": "fraud", "namespace": "ml", "uid": "u-1"},
    "spec": {"replicas": 2, "model": {"version": "2.0.0", "uri": "s3://m/2"}, "service": {"port": 8080, "targetPort": 9000},
      "template": {"metadata": {"labels": {"team": "risk"}}, "spec": {"containers": [
        {"name": "server", "image": "srv:1", "env": [{"name": "MODEL_URI", "value": "old"}, {"name": "KEEP", "value": "1"}]}]}}}})");
  auto m = api::decodeModelDeployment(doc).value();
  api::applyDefaults(m);
  return m;
}

TEST(Children, DeploymentCarriesLabelsSelectorOwnerAndModelEnv) {
  auto m = exampleWithTemplate();
  rollout::DesiredDeployment d{"fraud-abc", "abc", 2, "canary", 1, m.spec.model};
  auto dep = renderDeployment(m, d);
  EXPECT_EQ(dep["metadata"]["name"], "fraud-abc");
  EXPECT_EQ(dep["metadata"]["namespace"], "ml");
  EXPECT_EQ(dep["metadata"]["labels"]["modelops.dev/name"], "fraud");
  EXPECT_EQ(dep["metadata"]["labels"]["modelops.dev/revision"], "2");
  EXPECT_EQ(dep["metadata"]["labels"]["modelops.dev/track"], "canary");
  EXPECT_EQ(dep["metadata"]["ownerReferences"][0]["uid"], "u-1");
  EXPECT_EQ(dep["metadata"]["ownerReferences"][0]["controller"], true);
  EXPECT_EQ(dep["spec"]["replicas"], 1);
  EXPECT_EQ(dep["spec"]["selector"]["matchLabels"]["modelops.dev/revision-hash"], "abc");
  const auto& pod = dep["spec"]["template"];
  EXPECT_EQ(pod["metadata"]["labels"]["team"], "risk");
  EXPECT_EQ(pod["metadata"]["labels"]["modelops.dev/revision-hash"], "abc");
  auto env = pod["spec"]["containers"][0]["env"];
  auto find = [&](const std::string& n) {
    for (const auto& e : env)
      if (e["name"] == n) return e["value"].get<std::string>();
    return std::string("<missing>");
  };
  EXPECT_EQ(find("MODEL_URI"), "s3://m/2");
  EXPECT_EQ(find("MODEL_VERSION"), "2.0.0");
  EXPECT_EQ(find("MODEL_NAME"), "fraud");
  EXPECT_EQ(find("KEEP"), "1");
  EXPECT_EQ(env.size(), 4u) << "MODEL_URI replaced, not duplicated";
}

TEST(Children, ServiceSelectsTheRevisionAndPatchIsNullWhenEqual) {
  auto m = exampleWithTemplate();
  auto svc = renderService(m, {"fraud-canary", "canary", "abc"});
  EXPECT_EQ(svc["spec"]["selector"]["modelops.dev/revision-hash"], "abc");
  EXPECT_EQ(svc["spec"]["ports"][0]["port"], 8080);
  EXPECT_EQ(svc["spec"]["ports"][0]["targetPort"], 9000);
  auto served = svc;
  served["spec"]["clusterIP"] = "10.0.0.1";  // fields the server adds are not ours to reset
  served["spec"]["ports"][0]["nodePort"] = 30000;
  served["metadata"]["resourceVersion"] = "5";
  EXPECT_TRUE(servicePatch(served, svc).is_null());
  auto moved = renderService(m, {"fraud-canary", "canary", "def"});
  auto patch = servicePatch(served, moved);
  ASSERT_FALSE(patch.is_null());
  EXPECT_EQ(patch["spec"]["selector"]["modelops.dev/revision-hash"], "def");
  EXPECT_FALSE(patch["spec"].contains("ports"));
}

TEST(Children, ObservedDeploymentsCountAvailabilityOnlyWhenStatusCaughtUp) {
  auto current = Json::parse(R"({"metadata": {"name": "fraud-abc", "generation": 3, "labels": {
      "modelops.dev/revision-hash": "abc", "modelops.dev/revision": "2", "modelops.dev/track": "canary"}},
      "spec": {"replicas": 2}, "status": {"observedGeneration": 3, "availableReplicas": 2}})");
  auto stale = current;
  stale["metadata"]["name"] = "fraud-def";
  stale["metadata"]["labels"]["modelops.dev/revision-hash"] = "def";
  stale["status"]["observedGeneration"] = 2;
  auto foreign = Json::parse(R"({"metadata": {"name": "x", "labels": {}}, "spec": {"replicas": 1}})");
  auto garbage = Json::parse(R"({"metadata": {"name": "y", "labels": {"modelops.dev/revision-hash": "zzz"}}, "spec": {"replicas": "two"}})");
  auto observed = observeDeployments({current, stale, foreign, garbage});
  ASSERT_EQ(observed.deployments.size(), 2u);
  EXPECT_EQ(observed.find("abc")->availableReplicas, 2);
  EXPECT_EQ(observed.find("abc")->revision, 2);
  EXPECT_EQ(observed.find("abc")->track, "canary");
  EXPECT_EQ(observed.find("def")->availableReplicas, 0);
}

}  // namespace
}  // namespace modelops::reconciler
