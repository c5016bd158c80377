// ModelDeploymentReconciler's failure paths, in process (reconciler_test_world.h): a failed create, a
// router error during a rollback, a 409 on the status write, a routing object that is missing. Each
// checks what the reconciler reports (error, requeue, status condition), that a step that failed
// stopped the writes after it, and that the next reconcile completes the plan without losing or
// repeating anything. Also the order of the rollback's writes through the client: route, then pods.
#include <gtest/gtest.h>

#include <algorithm>

#include "reconciler_test_world.h"

namespace modelops::reconciler::testing {
namespace {

using modelops::testing::makeApiError;
using std::chrono::milliseconds;
using Call = FakeKubeClient::Call;

bool isWrite(const Call& c) { return c.verb != "get" && c.verb != "list" && c.verb != "watch"; }

std::size_t writesTo(const FakeKubeClient& client, const std::string& resource) {
  auto calls = client.calls();
  return static_cast<std::size_t>(
      std::count_if(calls.begin(), calls.end(), [&](const Call& c) { return isWrite(c) && c.resource == resource; }));
}

std::string callLog(const FakeKubeClient& client) {
  std::string out;
  for (const auto& c : client.calls())
    if (isWrite(c)) out += "  " + c.verb + " " + c.resource + " " + c.ns + "/" + c.name + "\n";
  return out;
}

// Healthy at 1.0.0, then 2.0.0 as a canary at weight 20 waiting in its indefinite pause.
void canaryAtTwenty(ReconcilerWorld& w) {
  w.server.put(res::httpRoutes(), fraudRoute());
  w.server.put(res::modelDeployments(), fraudModelDeployment("1.0.0"));
  w.settle();
  ASSERT_EQ(w.phase(), "Healthy") << w.status().dump(1);
  w.updateSpec([](Json& md) {
    md["spec"]["model"]["version"] = "2.0.0";
    md["spec"]["model"]["uri"] = "s3://m/2.0.0";
  });
  w.settle();
  ASSERT_EQ(w.routeWeight("fraud-canary"), 20) << w.status().dump(1);
  ASSERT_FALSE(w.deploymentOfRevision(2).is_null());
  ASSERT_GT(w.deploymentOfRevision(2)["spec"].value("replicas", 0), 0);
}

void requestAbort(ReconcilerWorld& w, const std::string& id) {
  auto md = *w.server.stored(res::modelDeployments(), kNs, "fraud");
  md["metadata"]["annotations"]["modelops.dev/action"] = "abort";
  md["metadata"]["annotations"]["modelops.dev/action-id"] = id;
  w.server.put(res::modelDeployments(), md);
}

std::size_t historyEntries(const Json& status, const std::string& outcome) {
  auto history = status.value("history", Json::array());
  return static_cast<std::size_t>(std::count_if(history.begin(), history.end(), [&](const Json& h) {
    return h.value("outcome", "") == outcome && h.value("version", "") == "2.0.0";
  }));
}

TEST(ReconcilerFailures, FailedCreateStopsTheRestAndTheNextReconcileCompletes) {
  ReconcilerWorld w;
  w.server.put(res::httpRoutes(), fraudRoute());
  w.server.put(res::modelDeployments(), fraudModelDeployment("1.0.0"));
  w.client.failNext("create", makeApiError(403, "Forbidden", "deployments.apps is forbidden"), 1, "deployments");

  auto r = w.reconcile();
  ASSERT_TRUE(r.error) << callLog(w.client);
  EXPECT_NE(r.error->find("create Deployment fraud-"), std::string::npos) << *r.error;
  EXPECT_NE(r.error->find("forbidden"), std::string::npos) << *r.error;
  // Nothing after the failed create: no Service, no route write, no status claiming a stable revision.
  EXPECT_EQ(writesTo(w.client, "services"), 0u) << callLog(w.client);
  EXPECT_EQ(writesTo(w.client, "httproutes"), 0u) << callLog(w.client);
  EXPECT_EQ(writesTo(w.client, "modeldeployments"), 0u) << callLog(w.client);
  EXPECT_TRUE(w.server.storedList(res::deployments()).empty());
  EXPECT_TRUE(w.status().empty()) << w.status().dump(1);

  w.settle();
  EXPECT_EQ(w.phase(), "Healthy") << w.status().dump(1);
  EXPECT_EQ(w.server.storedList(res::deployments()).size(), 1u);
  EXPECT_EQ(w.routeWeight("fraud-stable"), 100);
  EXPECT_EQ(w.status()["stable"].value("version", ""), "1.0.0");
}

TEST(ReconcilerFailures, RouterErrorDuringRollbackKeepsTheCanaryPodsAndTheStatus) {
  ReconcilerWorld w;
  canaryAtTwenty(w);
  const auto canaryName = w.deploymentOfRevision(2)["metadata"].value("name", "");
  const auto canaryReplicas = w.deploymentOfRevision(2)["spec"].value("replicas", 0);
  const auto statusBefore = w.status();
  requestAbort(w, "a1");
  w.client.failNext("update", makeApiError(500, "InternalError", "etcdserver: request timed out"), 1, "httproutes");
  w.client.clearCalls();

  auto r = w.reconcile();
  ASSERT_TRUE(r.error) << callLog(w.client);
  EXPECT_NE(r.error->find("traffic HTTPRoute"), std::string::npos) << *r.error;
  // The route still sends the canary 20%: its pods stay, and the status does not claim the rollback.
  EXPECT_EQ(w.routeWeight("fraud-canary"), 20);
  ASSERT_FALSE(w.deploymentOfRevision(2).is_null());
  EXPECT_EQ(w.deploymentOfRevision(2)["spec"].value("replicas", 0), canaryReplicas) << callLog(w.client);
  EXPECT_EQ(writesTo(w.client, "deployments"), 0u) << callLog(w.client);
  EXPECT_EQ(writesTo(w.client, "modeldeployments"), 0u) << callLog(w.client);
  EXPECT_EQ(w.status(), statusBefore);

  // The router answers again: the rollback completes, route first, then the canary's pods.
  w.client.clearCalls();
  auto again = w.reconcile();
  EXPECT_FALSE(again.error) << *again.error;
  EXPECT_EQ(w.routeWeight("fraud-canary"), 0);
  EXPECT_EQ(w.routeWeight("fraud-stable"), 100);
  auto calls = w.client.calls();
  auto routeWrite = std::find_if(calls.begin(), calls.end(), [](const Call& c) {
    return isWrite(c) && c.resource == "httproutes";
  });
  auto canaryShrink = std::find_if(calls.begin(), calls.end(), [&](const Call& c) {
    return isWrite(c) && c.resource == "deployments" && c.name == canaryName;
  });
  ASSERT_NE(routeWrite, calls.end()) << callLog(w.client);
  ASSERT_NE(canaryShrink, calls.end()) << callLog(w.client);
  EXPECT_LT(routeWrite - calls.begin(), canaryShrink - calls.begin()) << callLog(w.client);
  auto canary = w.deploymentOfRevision(2);
  EXPECT_TRUE(canary.is_null() || canary["spec"].value("replicas", -1) == 0) << canary.dump(1);
  EXPECT_EQ(historyEntries(w.status(), "Aborted"), 1u) << w.status().dump(1);
  EXPECT_EQ(w.status().value("lastHandledActionId", ""), "a1");
}

TEST(ReconcilerFailures, ConflictOnStatusRequeuesAtOnceAndTheRollbackIsRecordedOnce) {
  ReconcilerWorld w;
  canaryAtTwenty(w);
  requestAbort(w, "a1");
  const auto versionBefore = w.statusVersion();
  w.client.failNext("updateStatus", makeApiError(409, "Conflict", "the object has been modified"), 1, "modeldeployments");

  auto r = w.reconcile();
  EXPECT_FALSE(r.error) << *r.error;
  ASSERT_TRUE(r.requeueAfter) << "a 409 on status must requeue";
  EXPECT_EQ(*r.requeueAfter, milliseconds(0));
  // The children were written (idempotently repeated next time); the status was not.
  EXPECT_EQ(w.statusVersion(), versionBefore);
  EXPECT_EQ(historyEntries(w.status(), "Aborted"), 0u);
  EXPECT_EQ(w.routeWeight("fraud-canary"), 0);

  // The retry plans from what the cluster shows and records the abort exactly once.
  auto again = w.reconcile();
  EXPECT_FALSE(again.error) << *again.error;
  EXPECT_NE(w.statusVersion(), versionBefore);
  EXPECT_EQ(historyEntries(w.status(), "Aborted"), 1u) << w.status().dump(1);
  EXPECT_EQ(w.status().value("lastHandledActionId", ""), "a1");
  EXPECT_FALSE(w.status().contains("canary")) << w.status().dump(1);
  w.settle();
  EXPECT_EQ(historyEntries(w.status(), "Aborted"), 1u) << w.status().dump(1);
  EXPECT_EQ(w.routeWeight("fraud-stable"), 100);
}

TEST(ReconcilerFailures, MissingRouteIsReportedInStatusAndRetriedWithoutTouchingPods) {
  ReconcilerWorld w;
  canaryAtTwenty(w);
  const auto canaryReplicas = w.deploymentOfRevision(2)["spec"].value("replicas", 0);
  w.server.erase(res::httpRoutes(), kNs, "fraud");
  requestAbort(w, "a1");
  w.client.clearCalls();

  auto r = w.reconcile();
  EXPECT_FALSE(r.error) << *r.error;  // reported in status instead: a human must fix it
  ASSERT_TRUE(r.requeueAfter);
  EXPECT_GT(*r.requeueAfter, milliseconds(0));
  EXPECT_EQ(w.phase(), "Failed") << w.status().dump(1);
  auto status = w.status();
  Json routing;
  for (const auto& c : status.value("conditions", Json::array()))
    if (c.value("type", "") == "TrafficRoutingReady") routing = c;
  ASSERT_TRUE(routing.is_object()) << status.dump(1);
  EXPECT_EQ(routing.value("status", ""), "False");
  EXPECT_NE(routing.value("message", "").find("HTTPRoute ml/fraud"), std::string::npos) << routing.dump();
  // The canary keeps its pods (whatever routes to it is unknown) and the abort is not recorded as done.
  EXPECT_EQ(w.deploymentOfRevision(2)["spec"].value("replicas", 0), canaryReplicas) << callLog(w.client);
  EXPECT_EQ(writesTo(w.client, "deployments"), 0u) << callLog(w.client);
  EXPECT_EQ(historyEntries(status, "Aborted"), 0u) << status.dump(1);

  // The route is back: the abort completes.
  w.server.put(res::httpRoutes(), fraudRoute());
  w.reconcile();
  EXPECT_EQ(historyEntries(w.status(), "Aborted"), 1u) << w.status().dump(1);
  EXPECT_EQ(w.routeWeight("fraud-stable"), 100);
}

}  // namespace
}  // namespace modelops::reconciler::testing
