// LeaderElector tests with FakeKubeClient (one FakeCluster, one client per replica) and FakeClock:
// acquire (record fields), renew, optimistic concurrency (409 -> re-read), stepping down when
// renewals fail past the renew deadline with the controller stopped before the lease could
// expire for anyone else, takeover after expiry, release on shutdown with immediate takeover,
// health when the renew loop hangs, config validation.
// Thread-safety: each test owns its electors and stops them before returning.
#include "modelops/runtime/leader_election.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <regex>

#include "fakes/fake_clock.h"
#include "fakes/fake_kube_client.h"
#include "fakes/wait.h"
#include "modelops/runtime/controller.h"
#include "modelops/common/time.h"
#include "modelops/runtime/metrics.h"

namespace modelops::runtime {
namespace {

using namespace std::chrono_literals;
using testing::FakeClock;
using testing::FakeKubeClient;
using testing::waitFor;

struct Replica {
  Replica(FakeClock&, std::shared_ptr<testing::FakeCluster> cluster, std::string id)
      : client(std::move(cluster)), id(std::move(id)) {
    config.identity = this->id;
    config.leaseNamespace = "ops";
    config.seed = 11;
  }
  FakeKubeClient client;
  std::string id;
  LeaderElectionConfig config;
  RuntimeMetrics metrics;
  std::atomic<int> started{0}, stopped{0};
  std::atomic<std::int64_t> startedAtNs{-1}, stoppedAtNs{-1};
  std::function<void()> onStop;
  std::unique_ptr<LeaderElector> elector;

  void start(FakeClock& clock) {
    LeaderCallbacks cb;
    // The time first, then the count: a test thread that sees the count must also see the time.
    cb.onStartedLeading = [&] {
      startedAtNs = clock.monotonic().time_since_epoch().count();
      started++;
    };
    cb.onStoppedLeading = [&] {
      if (onStop) onStop();
      stoppedAtNs = clock.monotonic().time_since_epoch().count();
      stopped++;
    };
    elector = std::make_unique<LeaderElector>(client, clock, clock, config, cb, &metrics);
    elector->start();
  }
};

Json leaseOf(FakeKubeClient& c) { return c.stored(leaseResource(), "ops", "modelops-operator").value_or(Json()); }

const std::regex kMicroTime(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)");

TEST(LeaderElection, ConfigValidation) {
  LeaderElectionConfig c;
  EXPECT_FALSE(validateLeaderElectionConfig(c).ok());  // no identity
  c.identity = "a";
  EXPECT_TRUE(validateLeaderElectionConfig(c).ok());
  c.renewDeadline = 15s;
  EXPECT_FALSE(validateLeaderElectionConfig(c).ok());
  c.renewDeadline = 2s;
  EXPECT_FALSE(validateLeaderElectionConfig(c).ok());
}

TEST(LeaderElection, AcquiresWithFullRecordAndRenews) {
  FakeClock clock;
  FakeKubeClient server;
  Replica a(clock, server.cluster(), "a");
  a.start(clock);
  ASSERT_TRUE(waitFor([&] { return a.started.load() == 1; }));
  EXPECT_EQ(a.started.load(), 1);
  Json lease = leaseOf(server);
  auto spec = lease["spec"];
  EXPECT_EQ(spec["holderIdentity"], "a");
  EXPECT_EQ(spec["leaseDurationSeconds"], 15);
  EXPECT_EQ(spec["leaseTransitions"], 0);
  EXPECT_TRUE(std::regex_match(spec["acquireTime"].get<std::string>(), kMicroTime)) << spec;
  EXPECT_EQ(spec["acquireTime"], spec["renewTime"]);
  EXPECT_NE(a.metrics.render().find("modelops_leader 1"), std::string::npos);
  std::string rv = lease["metadata"]["resourceVersion"];
  ASSERT_TRUE(clock.waitForSleepers(2));  // the renew loop and the deadline watchdog
  EXPECT_EQ(clock.sleeperDeadlines().front() - clock.monotonic(), 2s);  // renews every retryPeriod
  EXPECT_EQ(clock.sleeperDeadlines().back() - clock.monotonic(), 10s);  // watchdog at the renew deadline
  clock.advance(2s);
  ASSERT_TRUE(waitFor([&] { return leaseOf(server)["metadata"]["resourceVersion"] != rv; }));
  Json renewed = leaseOf(server);
  EXPECT_NE(renewed["spec"]["renewTime"], spec["renewTime"]);
  EXPECT_EQ(renewed["spec"]["acquireTime"], spec["acquireTime"]);
  EXPECT_EQ(renewed["spec"]["leaseTransitions"], 0);
  a.elector->stop();
}

TEST(LeaderElection, ConflictOnUpdateMeansNotLeaderAndReRead) {
  FakeClock clock;
  FakeKubeClient server;
  // An expired-looking lease held by "old": a writes on top of it, but someone else writes first.
  server.put(leaseResource(), {{"metadata", {{"name", "modelops-operator"}, {"namespace", "ops"}}},
                               {"spec", {{"holderIdentity", ""}, {"leaseDurationSeconds", 15}, {"leaseTransitions", 3}}}});
  Replica a(clock, server.cluster(), "a");
  std::atomic<bool> raced{false};
  a.client.setFault([&](const FakeKubeClient::Call& c) -> std::optional<kube::ApiError> {
    if (c.verb == "update" && !raced.exchange(true)) {
      Json lease = leaseOf(server);
      lease["spec"]["holderIdentity"] = "intruder";
      server.put(leaseResource(), lease);  // bumps the resourceVersion under a's feet
    }
    return std::nullopt;
  });
  a.start(clock);
  ASSERT_TRUE(waitFor([&] { return a.client.countCalls("update") == 1 && clock.sleepers() == 1; }));
  EXPECT_FALSE(a.elector->isLeader());
  EXPECT_EQ(leaseOf(server)["spec"]["holderIdentity"], "intruder");
  // Next retry re-reads (GET) and sees a live holder: no blind overwrite.
  ASSERT_TRUE(clock.waitForSleepers(1));
  clock.advanceToNextSleeper();
  ASSERT_TRUE(waitFor([&] { return a.client.countCalls("get") == 2 && clock.sleepers() == 1; }));
  EXPECT_EQ(a.client.countCalls("update"), 1u);
  EXPECT_FALSE(a.elector->isLeader());
  EXPECT_EQ(a.elector->leader(), "intruder");
  a.elector->stop();
}

// Steps fake time to the next sleeper deadline once both replicas are asleep.
void step(FakeClock& clock, std::size_t sleepers) {
  ASSERT_TRUE(clock.waitForSleepers(sleepers));
  clock.advanceToNextSleeper();
}

TEST(LeaderElection, RenewFailuresStopTheControllerBeforeExpiryThenOtherTakesOver) {
  FakeClock clock;
  FakeKubeClient server;
  Replica a(clock, server.cluster(), "a"), b(clock, server.cluster(), "b");
  // a's controller: stopLeading must leave it stopped when the callback returns.
  InformerSet caches;
  WorkQueue queue(clock, clock);
  struct Noop : Reconciler {
    ReconcileResult reconcile(const ReconcileRequest&, ReconcileContext&) override { return {}; }
  } noop;
  Controller controller(noop, queue, a.client, clock, caches);
  controller.start();
  std::atomic<bool> controllerStoppedInCallback{false};
  a.onStop = [&] { controllerStoppedInCallback = controller.stopLeading(3s) && !controller.leading(); };
  a.start(clock);
  ASSERT_TRUE(waitFor([&] { return a.started.load() == 1; }));
  controller.startLeading();
  b.start(clock);
  ASSERT_TRUE(clock.waitForSleepers(3));
  EXPECT_FALSE(b.elector->isLeader());
  // Let one renewal succeed, then a's API connection breaks.
  step(clock, 3);
  ASSERT_TRUE(clock.waitForSleepers(3));
  a.client.setFault([](const FakeKubeClient::Call&) -> std::optional<kube::ApiError> {
    return testing::makeApiError(0, "ConnectionError", "connection refused");
  });
  // When a's last successful renewal was sent, from the lease's renewTime (fake wall and monotonic
  // time move together).
  auto renewWall = parseRfc3339(leaseOf(server)["spec"]["renewTime"].get<std::string>());
  ASSERT_TRUE(renewWall.has_value());
  auto lastGoodRenew = clock.monotonic() - (clock.now() - *renewWall);
  // Step time only when every thread is asleep: each replica's loop, plus the watchdog of a leader.
  auto quiescent = [&] {
    return clock.pendingSleepers() >= 2u + (a.elector->isLeader() ? 1u : 0u) + (b.elector->isLeader() ? 1u : 0u);
  };
  for (int i = 0; i < 50 && (a.stopped.load() == 0 || b.started.load() == 0); ++i) {
    ASSERT_TRUE(waitFor(quiescent));
    clock.advanceToNextSleeper();
  }
  ASSERT_EQ(a.stopped.load(), 1);
  ASSERT_EQ(b.started.load(), 1);
  EXPECT_TRUE(controllerStoppedInCallback.load());
  auto stoppedAt = Clock::MonoTime(Clock::MonoTime::duration(a.stoppedAtNs.load()));
  auto startedAt = Clock::MonoTime(Clock::MonoTime::duration(b.startedAtNs.load()));
  // a stepped down at the renew deadline, strictly before the lease could expire for b...
  EXPECT_LE(stoppedAt - lastGoodRenew, 10s);
  EXPECT_LT(stoppedAt, lastGoodRenew + 15s);
  EXPECT_LT(stoppedAt, startedAt);
  // ...and b took over once the lease had expired: within leaseDuration + a jittered retry.
  EXPECT_GE(startedAt - lastGoodRenew, 15s);
  EXPECT_LE(startedAt - lastGoodRenew, 15s + 2400ms + 2400ms);
  EXPECT_FALSE(a.elector->isLeader());
  EXPECT_NE(a.metrics.render().find("modelops_leader 0"), std::string::npos);
  Json lease = leaseOf(server);
  EXPECT_EQ(lease["spec"]["holderIdentity"], "b");
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 1);
  a.elector->stop();
  b.elector->stop();
  EXPECT_TRUE(controller.shutdown(1s));
}

TEST(LeaderElection, ReleaseOnShutdownLetsStandbyTakeOverAtItsNextRetry) {
  FakeClock clock;
  FakeKubeClient server;
  Replica a(clock, server.cluster(), "a"), b(clock, server.cluster(), "b");
  std::atomic<bool> stoppedBeforeRelease{false};
  a.client.setFault([&](const FakeKubeClient::Call& c) -> std::optional<kube::ApiError> {
    if (c.verb == "update" && c.body["spec"]["holderIdentity"] == "") stoppedBeforeRelease = a.stopped.load() == 1;
    return std::nullopt;
  });
  a.start(clock);
  ASSERT_TRUE(waitFor([&] { return a.started.load() == 1; }));
  b.start(clock);
  ASSERT_TRUE(clock.waitForSleepers(3));  // a's loop and watchdog, b's campaign
  auto releasedAt = clock.monotonic();
  a.elector->stop();  // clean shutdown
  EXPECT_TRUE(stoppedBeforeRelease.load());
  Json lease = leaseOf(server);
  EXPECT_EQ(lease["spec"]["holderIdentity"], "");
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 1);
  step(clock, 1);  // b's next campaign retry
  ASSERT_TRUE(waitFor([&] { return b.started.load() == 1; }));
  EXPECT_LE(clock.monotonic() - releasedAt, 2400ms);  // one retry, not a lease expiry
  EXPECT_EQ(leaseOf(server)["spec"]["holderIdentity"], "b");
  b.elector->stop();
}

TEST(LeaderElection, WatchdogStepsDownWhileARenewalHangsAndHealthFails) {
  FakeClock clock;
  FakeKubeClient server;
  Replica a(clock, server.cluster(), "a");
  std::promise<void> unblock;
  auto gate = unblock.get_future().share();
  std::atomic<bool> hang{false}, hanging{false};
  a.client.setFault([&](const FakeKubeClient::Call&) -> std::optional<kube::ApiError> {
    if (hang.load()) {
      hanging = true;
      gate.wait();
    }
    return std::nullopt;
  });
  a.start(clock);
  ASSERT_TRUE(waitFor([&] { return a.started.load() == 1; }));
  EXPECT_TRUE(a.elector->healthy());
  hang = true;
  auto lastRenew = clock.monotonic();
  ASSERT_TRUE(clock.waitForSleepers(2));
  clock.advance(2s);  // the renewal starts and hangs inside the client
  ASSERT_TRUE(waitFor([&] { return hanging.load(); }));
  clock.advance(7999ms);
  EXPECT_EQ(a.stopped.load(), 0);
  clock.advance(1ms);  // renew deadline: the watchdog steps down although the request never returned
  ASSERT_TRUE(waitFor([&] { return a.stopped.load() == 1; }));
  EXPECT_EQ(Clock::MonoTime(Clock::MonoTime::duration(a.stoppedAtNs.load())) - lastRenew, 10s);
  EXPECT_FALSE(a.elector->isLeader());
  EXPECT_TRUE(a.elector->healthy());   // the request has been out 8 s
  clock.advance(7001ms);
  EXPECT_FALSE(a.elector->healthy());  // out for longer than the lease: the loop is stuck
  unblock.set_value();
  a.elector->stop();
  // The late renewal succeeded, so a campaigned and won again; every term ended exactly once.
  EXPECT_EQ(a.stopped.load(), a.started.load());
}

}  // namespace
}  // namespace modelops::runtime
