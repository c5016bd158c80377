// ReconcilerWorld: ModelDeploymentReconciler in process, against the FakeKubeClient (the API server
// stand-in, with per-call fault injection and a call log), real informers filling the caches, and the
// real HTTPRoute router writing through the same client. No metric provider: analysis steps wait.
// The fake has no Deployment controller: podsBecomeAvailable() plays its part.
// Thread-safety: one test thread; the informers run their own threads and only fill the caches.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "fakes/fake_clock.h"
#include "fakes/fake_kube_client.h"
#include "fakes/wait.h"
#include "modelops/reconciler/reconciler.h"
#include "modelops/runtime/informer.h"

namespace modelops::reconciler::testing {

using modelops::testing::FakeClock;
using modelops::testing::FakeKubeClient;
namespace res = kube::resources;

inline const std::string kNs = "ml";

// A canary that stops at weight 20 (indefinite pause), routed through HTTPRoute ml/fraud.
inline Json fraudModelDeployment(const std::string& version) {
  return Json::parse(R"({
    "apiVersion": "modelops.dev/v1alpha1", "kind": "ModelDeployment",
    "metadata": {"name": "fraud", "namespace": "ml", "generation": 1},
    "spec": {
      "replicas": 2,
      "model": {"version": ")" + version + R"(", "uri": "s3://m/)" + version + R"("},
      "template": {"spec": {"containers": [{"name": "server", "image": "srv:1"}]}},
      "strategy": {"canary": {"steps": [{"setWeight": 20}, {"pause": {}}],
        "trafficRouting": {"gatewayAPI": {"httpRoute": "fraud"}}}}
    }})");
}

inline Json fraudRoute() {
  return Json::parse(R"({
    "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
    "metadata": {"name": "fraud", "namespace": "ml"},
    "spec": {"parentRefs": [{"name": "gw"}],
             "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                        "backendRefs": [{"name": "fraud-stable", "port": 80, "weight": 100}]}]}})");
}

struct ReconcilerWorld {
  FakeClock clock;
  FakeKubeClient client;  // the reconciler's client: faults and call log
  FakeKubeClient server{client.cluster()};  // the test's own view of the same cluster (not logged)
  runtime::InformerSet caches;
  ModelDeploymentReconciler reconciler{ReconcilerOptions{}};
  runtime::ReconcileRequest request{kNs, "fraud"};

  ReconcilerWorld() {
    for (const auto* r : {&res::modelDeployments(), &res::deployments(), &res::services()})
      caches.add(std::make_unique<runtime::Informer>(server, *r, clock, clock));
    caches.startAll();
    EXPECT_TRUE(caches.waitForSync(std::chrono::seconds(10)));
  }
  ~ReconcilerWorld() { caches.stopAll(); }

  // One reconcile, after the caches show everything the cluster holds (as the informer event that
  // queued it would guarantee).
  runtime::ReconcileResult reconcile() {
    EXPECT_TRUE(cachesCaughtUp()) << "the caches did not catch up with the cluster";
    runtime::ReconcileContext ctx{client, clock, caches, nullptr, CancelToken{}};
    return reconciler.reconcile(request, ctx);
  }

  bool cachesCaughtUp() {
    return modelops::testing::waitFor([&] {
      for (const auto* r : {&res::modelDeployments(), &res::deployments(), &res::services()}) {
        const auto* cache = caches.cache(*r);
        auto stored = server.storedList(*r);
        if (cache->size() != stored.size()) return false;
        for (const auto& o : stored) {
          const auto& meta = o["metadata"];
          auto key = runtime::objectKey(meta.value("namespace", ""), meta.value("name", ""));
          if (cache->resourceVersionByKey(key) != meta.value("resourceVersion", "")) return false;
        }
      }
      return true;
    });
  }

  // The Deployment controller's part: every replica asked for is available.
  void podsBecomeAvailable() {
    for (auto d : server.storedList(res::deployments())) {
      auto replicas = d["spec"].value("replicas", std::int64_t{1});
      d["status"] = {{"observedGeneration", d["metadata"].value("generation", std::int64_t{0})},
                     {"replicas", replicas},
                     {"readyReplicas", replicas},
                     {"availableReplicas", replicas},
                     {"updatedReplicas", replicas}};
      server.put(res::deployments(), d);
    }
  }

  // Reconciles (making pods available between passes) until a pass writes nothing; bounded.
  void settle() {
    for (int i = 0; i < 10; ++i) {
      auto before = client.calls().size();
      reconcile();
      podsBecomeAvailable();
      std::size_t writes = 0;
      auto calls = client.calls();
      for (auto j = before; j < calls.size(); ++j)
        if (calls[j].verb != "get" && calls[j].verb != "list" && calls[j].verb != "watch") ++writes;
      if (writes == 0) return;
    }
    ADD_FAILURE() << "the reconciler kept writing";
  }

  void updateSpec(const std::function<void(Json&)>& edit) {
    auto md = *server.stored(res::modelDeployments(), kNs, "fraud");
    edit(md);
    md["metadata"]["generation"] = md["metadata"].value("generation", std::int64_t{1}) + 1;
    server.put(res::modelDeployments(), md);
  }

  Json status() const { return server.stored(res::modelDeployments(), kNs, "fraud")->value("status", Json::object()); }
  std::string phase() const { return status().value("phase", ""); }
  std::string statusVersion() const {
    return (*server.stored(res::modelDeployments(), kNs, "fraud"))["metadata"].value("resourceVersion", "");
  }
  std::int64_t routeWeight(const std::string& service) const {
    auto route = *server.stored(res::httpRoutes(), kNs, "fraud");
    for (const auto& rule : route["spec"]["rules"])
      for (const auto& ref : rule.value("backendRefs", Json::array()))
        if (ref.value("name", "") == service) return ref.value("weight", std::int64_t{1});
    return -1;
  }
  // The Deployment of a revision (label modelops.dev/revision); null when none.
  Json deploymentOfRevision(int revision) const {
    for (const auto& d : server.storedList(res::deployments(), kNs))
      if (d["metadata"].value("labels", Json::object()).value("modelops.dev/revision", "") == std::to_string(revision))
        return d;
    return Json();
  }
};

}  // namespace modelops::reconciler::testing
