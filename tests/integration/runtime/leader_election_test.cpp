// In-process leader election against the dev API server: replicas (elector + informer + controller,
// each with its own KubeClients, the lease one unthrottled) race for one Lease. Checks: exactly one
// replica reconciles; when the leader's connection is cut (as close to SIGKILL as one process gets:
// its renewals fail), it stops reconciling at its renew deadline, and the standby takes over within
// leaseDuration + retryPeriod with no overlap; a clean stop releases the lease and the standby
// takes over within 3 s. Timings are shortened (lease 3 s, renew deadline 2 s, retry 500 ms).
// The process-level test (two modelops-operator processes, SIGKILL/SIGTERM) needs the operator binary.
// Thread-safety: replicas are started and stopped by the test thread.
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "fakes/wait.h"
#include "harness.h"
#include "modelops/kube/client.h"
#include "modelops/runtime/controller.h"
#include "modelops/runtime/informer.h"
#include "modelops/runtime/leader_election.h"

namespace modelops::runtime {
namespace {

using namespace std::chrono_literals;
using kube::Json;
using testing::waitFor;
using Steady = std::chrono::steady_clock;


struct Log {
  std::mutex mu;
  std::vector<std::pair<std::string, Steady::time_point>> reconciles;  // replica, when
  void add(const std::string& id) {
    std::lock_guard lock(mu);
    reconciles.emplace_back(id, Steady::now());
  }
  std::size_t count(const std::string& id) {
    std::lock_guard lock(mu);
    return std::count_if(reconciles.begin(), reconciles.end(), [&](auto& r) { return r.first == id; });
  }
  std::optional<Steady::time_point> last(const std::string& id) {
    std::lock_guard lock(mu);
    std::optional<Steady::time_point> t;
    for (auto& r : reconciles) if (r.first == id) t = r.second;
    return t;
  }
  std::optional<Steady::time_point> first(const std::string& id) {
    std::lock_guard lock(mu);
    for (auto& r : reconciles) if (r.first == id) return r.second;
    return std::nullopt;
  }
};

class LoggingReconciler : public Reconciler {
 public:
  LoggingReconciler(std::string id, Log& log) : id_(std::move(id)), log_(log) {}
  ReconcileResult reconcile(const ReconcileRequest&, ReconcileContext&) override {
    log_.add(id_);
    return ReconcileResult::done();
  }

 private:
  std::string id_;
  Log& log_;
};

struct Replica {
  Replica(std::string id, devserver::DevServer& server, Log& log)
      : id(id),
        client(testing::clientFor(server, clock)),
        leaseInner(testing::clientFor(server, clock, 1, 1s)),  // request timeout < lease - renew deadline
        lease(*leaseInner),
        queue(clock, sleeper),
        reconciler(id, log) {
    InformerOptions opts;
    opts.ns = "default";
    opts.backoffInitial = 100ms;
    auto& informer = informers.add(std::make_unique<Informer>(*client, kube::resources::configMaps(), clock, sleeper, opts));
    controller = std::make_unique<Controller>(reconciler, queue, *client, clock, informers);
    informer.addHandler(controller->enqueueHandler());
    LeaderElectionConfig cfg;
    cfg.identity = id;
    cfg.leaseNamespace = "default";
    cfg.leaseDuration = 3s;
    cfg.renewDeadline = 2s;
    cfg.retryPeriod = 500ms;
    EXPECT_TRUE(validateLeaderElectionConfig(cfg).ok());
    LeaderCallbacks cb;
    cb.onStartedLeading = [this] {
      startedAt = Steady::now();
      controller->startLeading();
    };
    cb.onStoppedLeading = [this] {
      controller->stopLeading(1s);
      stoppedAt = Steady::now();
    };
    elector = std::make_unique<LeaderElector>(lease, clock, sleeper, cfg, cb);
  }
  void start() {
    controller->start();
    informers.startAll();
    elector->start();
  }
  void stop() {
    elector->stop();
    controller->shutdown(2s);
    informers.stopAll();
  }
  std::string id;
  SystemClock clock;
  RealSleeper sleeper;
  std::unique_ptr<kube::KubeClient> client, leaseInner;
  testing::CuttableClient lease;
  InformerSet informers;
  WorkQueue queue;
  LoggingReconciler reconciler;
  std::unique_ptr<Controller> controller;
  std::unique_ptr<LeaderElector> elector;
  std::optional<Steady::time_point> startedAt, stoppedAt;
};

void touch(kube::KubeClient& admin, int round) {
  for (int i = 0; i < 5; ++i) {
    std::string name = "obj-" + std::to_string(i);
    Json obj = {{"metadata", {{"name", name}, {"namespace", "default"}}}, {"data", {{"round", std::to_string(round)}}}};
    auto got = admin.get(kube::resources::configMaps(), "default", name);
    if (got.ok()) {
      (void)admin.patch(kube::resources::configMaps(), "default", name, kube::PatchType::Merge, {{"data", {{"round", std::to_string(round)}}}});
    } else {
      (void)admin.create(kube::resources::configMaps(), "default", obj);
    }
  }
}

TEST(RuntimeIntegration, OneLeaderReconcilesCutLeaderStepsDownCleanStopHandsOverFast) {
  SystemClock clock;
  auto server = devserver::DevServer::start({}).value();
  auto admin = testing::clientFor(*server, clock, 5);
  Log log;
  auto a = std::make_unique<Replica>("replica-a", *server, log);
  auto b = std::make_unique<Replica>("replica-b", *server, log);
  a->start();
  ASSERT_TRUE(waitFor([&] { return a->elector->isLeader(); }, 10s));
  b->start();
  touch(*admin, 1);
  ASSERT_TRUE(waitFor([&] { return log.count("replica-a") >= 5; }, 10s));
  ASSERT_TRUE(waitFor([&] { return b->elector->leader() == "replica-a"; }, 10s));
  EXPECT_EQ(log.count("replica-b"), 0u);  // the standby never reconciles
  EXPECT_FALSE(b->elector->isLeader());

  // The leader's connection dies: it must stop reconciling before b can start.
  auto cutAt = Steady::now();
  a->lease.cut();
  ASSERT_TRUE(waitFor([&] { return b->elector->isLeader(); }, 15s));
  ASSERT_TRUE(a->stoppedAt.has_value());
  ASSERT_TRUE(b->startedAt.has_value());
  EXPECT_LT(*a->stoppedAt, *b->startedAt) << "split brain: both led at once";
  EXPECT_LE(*b->startedAt - cutAt, 3s + 600ms + 1s) << "takeover slower than lease + retry (+1 s slack)";
  touch(*admin, 2);
  ASSERT_TRUE(waitFor([&] { return log.count("replica-b") >= 5; }, 10s));
  EXPECT_LT(*log.last("replica-a"), *b->startedAt);
  EXPECT_GT(*log.first("replica-b"), *a->stoppedAt);
  a->stop();
  a.reset();

  // Clean shutdown of the leader: the lease is released and the standby takes over at once.
  auto c = std::make_unique<Replica>("replica-c", *server, log);
  c->start();
  ASSERT_TRUE(waitFor([&] { return c->elector->leader() == "replica-b"; }, 10s));
  auto stopAt = Steady::now();
  b->stop();
  ASSERT_TRUE(waitFor([&] { return c->elector->isLeader(); }, 10s));
  EXPECT_LE(Steady::now() - stopAt, 3s);
  auto lease = admin->get(leaseResource(), "default", "modelops-operator");
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ((*lease)["spec"]["holderIdentity"], "replica-c");
  EXPECT_GE((*lease)["spec"]["leaseTransitions"].get<int>(), 2);
  touch(*admin, 3);
  ASSERT_TRUE(waitFor([&] { return log.count("replica-c") >= 5; }, 10s));
  c->stop();
  server->stop();
}

}  // namespace
}  // namespace modelops::runtime
