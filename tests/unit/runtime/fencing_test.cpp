// Fencing tests (issue 14 item 1): FencedClient refuses every write - without sending it - once the
// lease is not held or the term's token fired, passes reads through, and hands the term's (and the
// caller's) token to the inner client so an in-flight write can be aborted; the controller gives each
// reconcile a fenced client; the leader elector's holdsLease() turns false at the renew deadline on its
// own clock, before any of its threads ran, and the term's token fires before onStoppedLeading.
// Thread-safety: each test owns what it starts and stops it before returning.
#include "modelops/runtime/fenced_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <mutex>

#include "fakes/fake_clock.h"
#include "fakes/fake_kube_client.h"
#include "fakes/wait.h"
#include "modelops/runtime/controller.h"
#include "modelops/runtime/leader_election.h"
#include "modelops/runtime/metrics.h"

namespace modelops::runtime {
namespace fencing_test {  // named: the unity build merges anonymous namespaces of a batch

using namespace std::chrono_literals;
using kube::Json;
using testing::FakeClock;
using testing::FakeKubeClient;
using testing::waitFor;

class StubFence final : public LeaseFence {
 public:
  bool holdsLease() const override { return held.load(); }
  CancelToken termToken() const override {
    std::lock_guard lock(mu);
    return term;
  }
  void newTerm() {
    std::lock_guard lock(mu);
    term = CancelToken();
  }
  std::atomic<bool> held{true};
  mutable std::mutex mu;
  CancelToken term;
};

Json configMap(const std::string& name) {
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}, {"namespace", "ml"}}}};
}

// Every write verb once; returns how many were refused with reason Cancelled.
int refusedWrites(kube::KubeClient& client) {
  std::vector<kube::KubeResult<Json>> results;
  results.push_back(client.create(kube::resources::configMaps(), "ml", configMap("new")));
  results.push_back(client.update(kube::resources::configMaps(), "ml", configMap("cm")));
  results.push_back(client.updateStatus(kube::resources::configMaps(), "ml", configMap("cm")));
  results.push_back(client.patch(kube::resources::configMaps(), "ml", "cm", kube::PatchType::Merge,
                                 Json{{"data", {{"k", "v"}}}}));
  results.push_back(client.remove(kube::resources::configMaps(), "ml", "cm"));
  results.push_back(client.create(kube::resources::configMaps(), "ml", configMap("new2"), CancelToken()));
  int refused = 0;
  for (const auto& r : results)
    if (!r.ok() && r.error().reason == "Cancelled") ++refused;
  return refused;
}

std::size_t writesSeen(FakeKubeClient& inner) {
  return inner.countCalls("create") + inner.countCalls("update") + inner.countCalls("updateStatus") +
         inner.countCalls("patch") + inner.countCalls("delete");
}

TEST(FencedClient, WritesGoThroughWhileTheLeaseIsHeld) {
  FakeKubeClient inner;
  inner.put(kube::resources::configMaps(), configMap("cm"));
  StubFence fence;
  FencedClient client(inner, &fence, fence.termToken());
  EXPECT_EQ(refusedWrites(client), 0);
  EXPECT_EQ(writesSeen(inner), 6u);
}

TEST(FencedClient, NothingIsSentOnceTheLeaseIsNotHeldButReadsStillWork) {
  FakeKubeClient inner;
  inner.put(kube::resources::configMaps(), configMap("cm"));
  StubFence fence;
  FencedClient client(inner, &fence, fence.termToken());
  fence.held = false;  // e.g. resumed after SIGSTOP: the renew deadline passed on this process's clock
  EXPECT_EQ(refusedWrites(client), 6);
  EXPECT_EQ(writesSeen(inner), 0u);
  EXPECT_TRUE(client.get(kube::resources::configMaps(), "ml", "cm").ok());
  EXPECT_TRUE(client.list(kube::resources::configMaps(), "ml").ok());
}

TEST(FencedClient, ATermThatEndedStaysFencedEvenWhenThisProcessLeadsAgain) {
  FakeKubeClient inner;
  inner.put(kube::resources::configMaps(), configMap("cm"));
  StubFence fence;
  FencedClient boundToOldTerm(inner, &fence, fence.termToken());
  fence.termToken().cancel();
  EXPECT_EQ(refusedWrites(boundToOldTerm), 6);
  fence.newTerm();  // re-elected: the old term's reconciles still write nothing
  EXPECT_EQ(refusedWrites(boundToOldTerm), 6);
  EXPECT_EQ(writesSeen(inner), 0u);
  // A client that follows the current term (the event recorder's) writes again.
  FencedClient current(inner, &fence, std::nullopt);
  EXPECT_EQ(refusedWrites(current), 0);
}

// Records the token each write was sent with.
class TokenSpy final : public kube::KubeClient {
 public:
  std::vector<CancelToken> tokens;
  std::function<void()> whileSending;  // runs inside the token forms, as if the request were in flight
  kube::KubeResult<Json> get(const kube::Resource&, const std::string&, const std::string&) override {
    return Json::object();
  }
  kube::KubeResult<kube::ListResult> list(const kube::Resource&, const std::string&, const kube::ListOptions&) override {
    return kube::ListResult{};
  }
  kube::KubeResult<Json> create(const kube::Resource&, const std::string&, const Json&) override { return untracked(); }
  kube::KubeResult<Json> update(const kube::Resource&, const std::string&, const Json&) override { return untracked(); }
  kube::KubeResult<Json> updateStatus(const kube::Resource&, const std::string&, const Json&) override {
    return untracked();
  }
  kube::KubeResult<Json> patch(const kube::Resource&, const std::string&, const std::string&, kube::PatchType,
                               const Json&, const kube::PatchOptions&) override {
    return untracked();
  }
  kube::KubeResult<Json> remove(const kube::Resource&, const std::string&, const std::string&,
                                const kube::DeleteOptions&) override {
    return untracked();
  }
  kube::KubeResult<void> watch(const kube::Resource&, const std::string&, const kube::WatchOptions&,
                               const kube::WatchHandler&, const CancelToken&) override {
    return {};
  }
  kube::KubeResult<Json> create(const kube::Resource&, const std::string&, const Json&,
                                const CancelToken& cancel) override {
    tokens.push_back(cancel);
    return Json::object();
  }
  kube::KubeResult<Json> patch(const kube::Resource&, const std::string&, const std::string&, kube::PatchType,
                               const Json&, const kube::PatchOptions&, const CancelToken& cancel) override {
    tokens.push_back(cancel);
    if (whileSending) whileSending();
    return Json::object();
  }

 private:
  static kube::KubeResult<Json> untracked() {
    return kube::ApiError{500, "InternalError", "the token-less form was called", {}, {}};
  }
};

TEST(FencedClient, HandsTheTermAndTheCallersTokenToTheInnerClient) {
  TokenSpy inner;
  StubFence fence;
  CancelToken term = fence.termToken();
  FencedClient client(inner, &fence, term);
  ASSERT_TRUE(client.create(kube::resources::configMaps(), "ml", configMap("a")).ok());
  ASSERT_EQ(inner.tokens.size(), 1u);
  EXPECT_FALSE(inner.tokens[0].cancelled());
  term.cancel();  // the term ends while the write would be in flight
  EXPECT_TRUE(inner.tokens[0].cancelled());

  StubFence fence2;
  FencedClient client2(inner, &fence2, fence2.termToken());
  CancelToken caller;  // e.g. the reconcile's context token
  inner.whileSending = [&] { caller.cancel(); };
  ASSERT_TRUE(client2.patch(kube::resources::configMaps(), "ml", "a", kube::PatchType::Merge, Json::object(), {}, caller)
                  .ok());
  ASSERT_EQ(inner.tokens.size(), 2u);
  EXPECT_TRUE(inner.tokens[1].cancelled()) << "the caller's cancel did not reach the write in flight";
  EXPECT_EQ(fence2.termToken().callbackCount(), 0u) << "the term's token keeps a callback after the write returned";
}

TEST(FencedClient, TheControllersReconcilesWriteThroughTheFence) {
  FakeClock clock;
  FakeKubeClient client;
  RuntimeMetrics metrics;
  InformerSet caches;
  WorkQueue queue{clock, clock, {}, &metrics};
  StubFence fence;
  struct Writer final : Reconciler {
    std::mutex mu;
    std::vector<kube::ApiError> errors;
    std::atomic<int> runs{0};
    ReconcileResult reconcile(const ReconcileRequest& req, ReconcileContext& ctx) override {
      auto r = ctx.client.create(kube::resources::configMaps(), req.ns, configMap(req.name), ctx.cancel);
      if (!r) {
        std::lock_guard lock(mu);
        errors.push_back(r.error());
      }
      runs++;
      return ReconcileResult::done();
    }
  } writer;
  Controller controller(writer, queue, client, clock, caches, nullptr, &metrics, {});
  controller.setFence(&fence);
  controller.start();
  controller.startLeading();
  controller.enqueue("ml/first");
  ASSERT_TRUE(waitFor([&] { return writer.runs.load() == 1; }));
  EXPECT_EQ(client.countCalls("create"), 1u);
  fence.held = false;  // the lease is gone on this process's clock; the term has not been ended yet
  controller.enqueue("ml/second");
  ASSERT_TRUE(waitFor([&] { return writer.runs.load() == 2; }));
  EXPECT_EQ(client.countCalls("create"), 1u) << "a reconcile wrote after the lease was lost";
  {
    std::lock_guard lock(writer.mu);
    ASSERT_EQ(writer.errors.size(), 1u);
    EXPECT_EQ(writer.errors[0].reason, "Cancelled");
  }
  EXPECT_TRUE(controller.shutdown(5s));
}

TEST(FencedClient, ElectorStopsHoldingAtTheRenewDeadlineOnItsOwnClockAndEndsTheTermFirst) {
  FakeClock clock;
  FakeKubeClient client;
  LeaderElectionConfig config;
  config.identity = "a";
  config.leaseNamespace = "ops";
  config.seed = 11;
  std::mutex mu;
  CancelToken term;  // the term's token, taken by the test once leading
  std::atomic<int> stopped{0};
  std::atomic<bool> termEndedBeforeCallback{false};
  LeaderCallbacks callbacks;
  callbacks.onStoppedLeading = [&] {
    std::lock_guard lock(mu);
    termEndedBeforeCallback = term.cancelled();
    stopped++;
  };
  LeaderElector elector(client, clock, clock, config, callbacks);
  EXPECT_FALSE(elector.holdsLease());
  EXPECT_TRUE(elector.termToken().cancelled()) << "a term token before leading";
  elector.start();
  ASSERT_TRUE(waitFor([&] { return elector.isLeader(); }));
  {
    std::lock_guard lock(mu);
    term = elector.termToken();
  }
  EXPECT_TRUE(elector.holdsLease());
  EXPECT_FALSE(term.cancelled());
  ASSERT_TRUE(clock.waitForSleepers(2));  // the renew loop and the watchdog
  // Every renewal fails from now on; time jumps past the renew deadline at once, as a process
  // resumed from SIGSTOP sees it.
  client.setFault([](const FakeKubeClient::Call&) -> std::optional<kube::ApiError> {
    return testing::makeApiError(0, "ConnectionError", "connection refused");
  });
  clock.advance(config.renewDeadline);
  EXPECT_FALSE(elector.holdsLease()) << "the lease counted as held past the renew deadline";
  ASSERT_TRUE(waitFor([&] { return stopped.load() == 1; }));
  EXPECT_TRUE(term.cancelled());
  EXPECT_TRUE(termEndedBeforeCallback.load()) << "onStoppedLeading ran while the term's writes could still go out";
  EXPECT_TRUE(elector.termToken().cancelled());
  elector.stop();
}

}  // namespace fencing_test
}  // namespace modelops::runtime
