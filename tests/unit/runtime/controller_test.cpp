// Controller tests: reconcile outcomes (success, error backoff, requeueAfter), the leadership
// gate (nothing runs before startLeading, stopLeading cancels and waits for in-flight work),
// exactly-one-more reconcile after 1,000 updates, no concurrent reconciles of a key, owner mapping.
// Thread-safety: each test owns its controller and shuts it down before returning.
#include "modelops/runtime/controller.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>

#include "fakes/fake_clock.h"
#include "fakes/fake_kube_client.h"
#include "fakes/wait.h"
#include "modelops/runtime/metrics.h"

namespace modelops::runtime {
namespace {

using namespace std::chrono_literals;
using testing::FakeClock;
using testing::FakeKubeClient;
using testing::waitFor;

class ScriptedReconciler : public Reconciler {
 public:
  std::function<ReconcileResult(const ReconcileRequest&, ReconcileContext&)> script;
  std::atomic<int> calls{0};
  std::mutex mu;
  std::map<std::string, int> perKey;
  std::atomic<int> concurrent{0}, overlaps{0};

  ReconcileResult reconcile(const ReconcileRequest& req, ReconcileContext& ctx) override {
    {
      std::lock_guard lock(mu);
      if (perKey[req.key()]++ < 0) overlaps++;
      perKey[req.key()] = -perKey[req.key()];  // negative while running
    }
    calls++;
    ReconcileResult r = script ? script(req, ctx) : ReconcileResult::done();
    {
      std::lock_guard lock(mu);
      perKey[req.key()] = -perKey[req.key()];
    }
    return r;
  }
  int runsOf(const std::string& key) {
    std::lock_guard lock(mu);
    return std::abs(perKey[key]);
  }
};

struct ControllerFixture {
  FakeClock clock;
  FakeKubeClient client;
  RuntimeMetrics metrics;
  InformerSet caches;
  WorkQueue queue{clock, clock, {}, &metrics};
  ScriptedReconciler reconciler;
  std::unique_ptr<Controller> controller;
  explicit ControllerFixture(int workers = 2) {
    ControllerOptions opts;
    opts.workers = workers;
    controller = std::make_unique<Controller>(reconciler, queue, client, clock, caches, nullptr, &metrics, opts);
    controller->start();
  }
  ~ControllerFixture() { EXPECT_TRUE(controller->shutdown(5s)); }
  bool idle() { return queue.len() == 0 && controller->inFlight() == 0; }
};

TEST(Controller, DoesNothingUntilLeadingThenReconcilesAndCountsSuccess) {
  ControllerFixture f;
  f.controller->enqueue("ml/a");
  EXPECT_EQ(f.queue.len(), 1u);  // waits: not leading
  EXPECT_EQ(f.reconciler.calls.load(), 0);
  f.controller->startLeading();
  ASSERT_TRUE(waitFor([&] { return f.reconciler.calls.load() == 1 && f.idle(); }));
  EXPECT_EQ(f.reconciler.runsOf("ml/a"), 1);
  EXPECT_NE(f.metrics.render().find("modelops_reconcile_total{result=\"success\"} 1"), std::string::npos);
}

TEST(Controller, ErrorsRequeueWithBackoffAndRequeueAfterWaitsItsTime) {
  ControllerFixture f;
  std::atomic<int> n{0};
  f.reconciler.script = [&](const ReconcileRequest& req, ReconcileContext&) {
    if (req.name != "a") return ReconcileResult::done();
    int i = n++;
    if (i < 2) return ReconcileResult::failed("boom");
    if (i == 2) return ReconcileResult::after(30s);
    return ReconcileResult::done();
  };
  f.controller->startLeading();
  f.controller->enqueue("ml/a");
  ASSERT_TRUE(waitFor([&] { return n.load() == 1 && f.queue.delayedLen() == 1; }));
  EXPECT_EQ(f.queue.numRequeues("ml/a"), 1);
  f.clock.advance(4ms);
  f.controller->enqueue("ml/other");  // wakes a worker; ml/a must still wait
  ASSERT_TRUE(waitFor([&] { return f.reconciler.runsOf("ml/other") == 1; }));
  EXPECT_EQ(n.load(), 1);  // ml/a still waits for its backoff
  f.clock.advance(1ms);  // 5 ms: first backoff step
  ASSERT_TRUE(waitFor([&] { return f.reconciler.runsOf("ml/a") == 2 && f.queue.delayedLen() == 1; }));
  EXPECT_EQ(f.queue.numRequeues("ml/a"), 2);
  f.clock.advance(10ms);  // second step: 10 ms
  ASSERT_TRUE(waitFor([&] { return f.reconciler.runsOf("ml/a") == 3 && f.queue.delayedLen() == 1; }));
  EXPECT_EQ(f.queue.numRequeues("ml/a"), 0);  // requeueAfter resets the backoff
  f.clock.advance(29s);
  EXPECT_EQ(f.reconciler.runsOf("ml/a"), 3);
  f.clock.advance(1s);
  ASSERT_TRUE(waitFor([&] { return f.reconciler.runsOf("ml/a") == 4 && f.idle(); }));
  auto text = f.metrics.render();
  EXPECT_NE(text.find("modelops_reconcile_total{result=\"error\"} 2"), std::string::npos) << text;
  EXPECT_NE(text.find("modelops_reconcile_total{result=\"requeue_after\"} 1"), std::string::npos);
}

TEST(Controller, ThousandUpdatesDuringAReconcileCauseExactlyOneMore) {
  ControllerFixture f(4);
  std::promise<void> entered, release;
  auto gate = release.get_future().share();
  std::atomic<bool> first{true};
  f.reconciler.script = [&](const ReconcileRequest&, ReconcileContext&) {
    if (first.exchange(false)) {
      entered.set_value();
      gate.wait();
    }
    return ReconcileResult::done();
  };
  f.controller->startLeading();
  f.controller->enqueue("ml/hot");
  entered.get_future().wait();
  for (int i = 0; i < 1000; ++i) f.controller->enqueue("ml/hot");
  release.set_value();
  ASSERT_TRUE(waitFor([&] { return f.reconciler.runsOf("ml/hot") >= 2 && f.idle(); }));
  EXPECT_EQ(f.reconciler.runsOf("ml/hot"), 2);
}

TEST(Controller, NoKeyIsReconciledConcurrentlyUnderLoad) {
  ControllerFixture f(4);
  f.controller->startLeading();
  for (int i = 0; i < 5000; ++i) f.controller->enqueue("ml/k" + std::to_string(i % 7));
  ASSERT_TRUE(waitFor([&] { return f.idle(); }));
  EXPECT_EQ(f.reconciler.overlaps.load(), 0);
  EXPECT_GE(f.reconciler.calls.load(), 7);
}

TEST(Controller, StopLeadingCancelsAndWaitsForInFlightThenTakesNoWork) {
  ControllerFixture f;
  std::promise<void> entered;
  std::atomic<bool> sawCancel{false};
  f.reconciler.script = [&](const ReconcileRequest& req, ReconcileContext& ctx) {
    if (req.name == "slow") {
      entered.set_value();
      sawCancel = ctx.cancel.waitFor(10s);
    }
    return ReconcileResult::done();
  };
  f.controller->startLeading();
  f.controller->enqueue("ml/slow");
  entered.get_future().wait();
  EXPECT_EQ(f.controller->inFlight(), 1u);
  EXPECT_TRUE(f.controller->stopLeading(5s));
  EXPECT_TRUE(sawCancel.load());
  EXPECT_EQ(f.controller->inFlight(), 0u);
  EXPECT_FALSE(f.controller->leading());
  int before = f.reconciler.calls.load();
  f.controller->enqueue("ml/after");
  EXPECT_EQ(f.queue.len(), 1u);
  EXPECT_EQ(f.queue.processingLen(), 0u);
  EXPECT_EQ(f.reconciler.calls.load(), before);
  // A new term picks the waiting key up with a fresh, uncancelled token.
  f.reconciler.script = [&](const ReconcileRequest&, ReconcileContext& ctx) {
    EXPECT_FALSE(ctx.cancel.cancelled());
    return ReconcileResult::done();
  };
  f.controller->startLeading();
  ASSERT_TRUE(waitFor([&] { return f.reconciler.runsOf("ml/after") == 1; }));
}

TEST(Controller, ReconcilerExceptionsCountAsErrors) {
  ControllerFixture f;
  f.reconciler.script = [&](const ReconcileRequest&, ReconcileContext&) -> ReconcileResult {
    throw std::runtime_error("bad");
  };
  f.controller->startLeading();
  f.controller->enqueue("ml/x");
  ASSERT_TRUE(waitFor([&] { return f.queue.delayedLen() == 1; }));
  EXPECT_EQ(f.queue.numRequeues("ml/x"), 1);
}

TEST(Controller, OwnerHandlerMapsOwnedObjectsToTheirModelDeployment) {
  FakeClock clock;
  FakeKubeClient client;
  InformerSet caches;
  WorkQueue queue(clock, clock);
  ScriptedReconciler reconciler;
  Controller controller(reconciler, queue, client, clock, caches);  // workers not started
  queue.resume();
  Json dep = {{"metadata",
               {{"namespace", "ml"},
                {"name", "fraud-abc123"},
                {"ownerReferences", Json::array({{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", "x"}, {"controller", false}},
                                                 {{"apiVersion", "modelops.dev/v1alpha1"}, {"kind", "ModelDeployment"},
                                                  {"name", "fraud"}, {"uid", "u1"}, {"controller", true}}})}}}};
  EXPECT_EQ(controllerOwnerKey(dep, "ModelDeployment", "modelops.dev"), "ml/fraud");
  Json notController = dep;
  notController["metadata"]["ownerReferences"][1]["controller"] = false;
  EXPECT_EQ(controllerOwnerKey(notController, "ModelDeployment", "modelops.dev"), std::nullopt);
  Json otherGroup = dep;
  otherGroup["metadata"]["ownerReferences"][1]["apiVersion"] = "example.com/v1";
  EXPECT_EQ(controllerOwnerKey(otherGroup, "ModelDeployment", "modelops.dev"), std::nullopt);

  auto h = controller.ownerHandler();
  h.onAdd(dep);
  h.onUpdate(dep, dep);
  h.onDelete(notController);  // no owner: ignored
  EXPECT_EQ(queue.len(), 1u);
  EXPECT_EQ(queue.get(), "ml/fraud");
  queue.done("ml/fraud");
  auto self = controller.enqueueHandler();
  self.onAdd(dep);
  EXPECT_EQ(queue.get(), "ml/fraud-abc123");
  queue.done("ml/fraud-abc123");
}

}  // namespace
}  // namespace modelops::runtime
