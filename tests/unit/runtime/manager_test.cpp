// Manager test with FakeKubeClient and FakeClock: run() serves probes and metrics on 127.0.0.1
// port 0, becomes leader, reconciles primary and owned objects (owned ones mapped to their owner),
// reports ready once synced, and on stop releases the lease and returns 0.
// Thread-safety: run() on a test thread, stopped through its CancelToken.
#include "modelops/runtime/manager.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>

#include "fakes/fake_clock.h"
#include "fakes/fake_kube_client.h"
#include "fakes/wait.h"

namespace modelops::runtime {
namespace {

using namespace std::chrono_literals;
using kube::Json;
using testing::waitFor;

const kube::Resource kMds{"modelops.dev", "v1alpha1", "modeldeployments", "ModelDeployment", true};
const kube::Resource kDeployments{"apps", "v1", "deployments", "Deployment", true};

struct CountingReconciler : Reconciler {
  std::mutex mu;
  std::map<std::string, int> runs;
  ReconcileResult reconcile(const ReconcileRequest& req, ReconcileContext& ctx) override {
    EXPECT_NE(ctx.caches.cache(kMds), nullptr);
    std::lock_guard lock(mu);
    runs[req.key()]++;
    return ReconcileResult::done();
  }
  int of(const std::string& key) {
    std::lock_guard lock(mu);
    return runs[key];
  }
};

TEST(Manager, RunsLeadsReconcilesAndShutsDownCleanly) {
  testing::FakeClock clock;
  testing::FakeKubeClient client;
  testing::FakeKubeClient leaseClient(client.cluster());
  RuntimeMetrics metrics;
  CountingReconciler reconciler;
  ManagerOptions opts;
  opts.leaderElection.identity = "op-0";
  opts.probes->host = opts.metrics->host = "127.0.0.1";
  opts.probes->port = opts.metrics->port = 0;
  client.put(kMds, {{"metadata", {{"namespace", "ml"}, {"name", "fraud"}}}});
  Manager manager(opts, reconciler, client, leaseClient, clock, clock, metrics);
  manager.watchPrimary(kMds);
  manager.watchOwned(kDeployments);
  CancelToken stop;
  auto exit = std::async(std::launch::async, [&] { return manager.run(stop); });

  ASSERT_TRUE(waitFor([&] { return reconciler.of("ml/fraud") == 1; }));
  ASSERT_TRUE(manager.elector() && manager.elector()->isLeader());
  client.put(kDeployments,
             {{"metadata",
               {{"namespace", "ml"},
                {"name", "fraud-1a2b"},
                {"ownerReferences", Json::array({{{"apiVersion", "modelops.dev/v1alpha1"}, {"kind", "ModelDeployment"},
                                                  {"name", "fraud"}, {"uid", "u"}, {"controller", true}}})}}}});
  ASSERT_TRUE(waitFor([&] { return reconciler.of("ml/fraud") == 2; }));

  httplib::Client probes("127.0.0.1", manager.probePort());
  auto ready = probes.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(probes.Get("/healthz")->status, 200);
  httplib::Client metricsHttp("127.0.0.1", manager.metricsPort());
  auto m = metricsHttp.Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_NE(m->body.find("modelops_leader 1"), std::string::npos);
  EXPECT_NE(m->body.find("modelops_reconcile_total{result=\"success\"} 2"), std::string::npos);

  stop.cancel();
  ASSERT_EQ(exit.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(exit.get(), 0);
  auto lease = client.stored(leaseResource(), "default", "modelops-operator");
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ((*lease)["spec"]["holderIdentity"], "");  // released for the standby
  EXPECT_FALSE(manager.controller().leading());
}

// A manager without leader election over one ModelDeployment, ml/fraud; `configure` adjusts the options.
struct SingleReplica {
  testing::FakeClock clock;
  testing::FakeKubeClient client;
  RuntimeMetrics metrics;
  CountingReconciler reconciler;
  std::unique_ptr<Manager> manager;
  explicit SingleReplica(const std::function<void(ManagerOptions&)>& configure) {
    ManagerOptions opts;
    opts.leaderElect = false;
    configure(opts);
    client.put(kMds, {{"metadata", {{"namespace", "ml"}, {"name", "fraud"}}}});
    manager = std::make_unique<Manager>(opts, reconciler, client, client, clock, clock, metrics);
    manager->watchPrimary(kMds);
  }
};

TEST(Manager, WithoutLeaderElectionTheReplicaReportsItselfLeader) {
  SingleReplica r([](ManagerOptions& opts) {
    opts.probes.reset();
    opts.metrics.reset();
  });
  auto& metrics = r.metrics;
  auto& reconciler = r.reconciler;
  Manager& manager = *r.manager;
  EXPECT_NE(metrics.render().find("modelops_leader 0"), std::string::npos) << "not before it runs";
  CancelToken stop;
  auto exit = std::async(std::launch::async, [&] { return manager.run(stop); });
  ASSERT_TRUE(waitFor([&] { return reconciler.of("ml/fraud") == 1; }));
  EXPECT_EQ(manager.elector(), nullptr);
  EXPECT_NE(metrics.render().find("modelops_leader 1"), std::string::npos);
  stop.cancel();
  ASSERT_EQ(exit.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(exit.get(), 0);
  EXPECT_NE(metrics.render().find("modelops_leader 0"), std::string::npos) << "no longer after shutdown";
}

TEST(Manager, ProbesAndMetricsShareOneServerOnlyAtTheSameAddress) {
  SingleReplica r([](ManagerOptions& opts) {
    opts.probes->host = "127.0.0.1";
    opts.metrics->host = "localhost";  // another address: a server of its own
    opts.probes->port = opts.metrics->port = 0;
  });
  auto& reconciler = r.reconciler;
  Manager& manager = *r.manager;
  CancelToken stop;
  auto exit = std::async(std::launch::async, [&] { return manager.run(stop); });
  // Servers start before the informers: once a reconcile happened, the ports are set.
  ASSERT_TRUE(waitFor([&] { return reconciler.of("ml/fraud") == 1; }));
  ASSERT_GT(manager.probePort(), 0);
  ASSERT_GT(manager.metricsPort(), 0);
  EXPECT_NE(manager.probePort(), manager.metricsPort());
  httplib::Client probes("127.0.0.1", manager.probePort());
  httplib::Client metricsHttp("localhost", manager.metricsPort());
  ASSERT_TRUE(waitFor([&] {
    auto r = probes.Get("/readyz");
    return r && r->status == 200;
  }));
  auto noMetrics = probes.Get("/metrics");
  ASSERT_TRUE(noMetrics);
  EXPECT_EQ(noMetrics->status, 404) << "the probe server does not serve metrics";
  auto m = metricsHttp.Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 200);
  auto noProbe = metricsHttp.Get("/readyz");
  ASSERT_TRUE(noProbe);
  EXPECT_EQ(noProbe->status, 404) << "the metrics server does not serve probes";
  stop.cancel();
  ASSERT_EQ(exit.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(exit.get(), 0);
}

TEST(Manager, InvalidLeaderElectionSettingsFailStartup) {
  testing::FakeClock clock;
  testing::FakeKubeClient client;
  RuntimeMetrics metrics;
  CountingReconciler reconciler;
  ManagerOptions opts;  // no identity
  opts.probes.reset();
  opts.metrics.reset();
  Manager manager(opts, reconciler, client, client, clock, clock, metrics);
  CancelToken stop;
  EXPECT_EQ(manager.run(stop), 1);
}

}  // namespace
}  // namespace modelops::runtime
