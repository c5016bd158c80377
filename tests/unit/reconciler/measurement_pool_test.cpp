// MeasurementPool: single flight per key, the bounds (in flight, per provider, queue), stale
// results dropped, the ready callback, expiry, cancellation on leadership loss and shutdown. Jobs run
// on a manual executor (the test decides when a task runs), time comes from a FakeClock.
#include <gtest/gtest.h>

#include <deque>
#include <map>

#include "fakes/fake_clock.h"
#include "modelops/reconciler/measurement_pool.h"

namespace modelops::reconciler {
namespace {

using namespace std::chrono_literals;

// Holds tasks until the test runs them.
class ManualExecutor final : public Executor {
 public:
  void run(std::function<void()> task) override { tasks.push_back(std::move(task)); }
  void runNext() {
    auto task = std::move(tasks.front());
    tasks.pop_front();
    task();
  }
  std::deque<std::function<void()>> tasks;
};

struct Calls {
  std::map<std::string, int> measured;  // object -> times its job ran
  std::vector<std::string> ready;       // objects the callback re-queued
};

MeasurementJob job(Calls& calls, const std::string& object, const std::string& key,
                   std::vector<std::string> providers = {"http://prom:9090"}, CancelToken term = {}) {
  MeasurementJob j;
  j.object = object;
  j.key = key;
  j.providers = std::move(providers);
  j.term = std::move(term);
  j.measure = [&calls, object, key](const CancelToken&) {
    ++calls.measured[object];
    rollout::Measurement m;
    m.hash = key;
    return m;
  };
  return j;
}

class MeasurementPoolTest : public ::testing::Test {
 protected:
  MeasurementPool& make(MeasurementPoolOptions o = {}) {
    pool = std::make_unique<MeasurementPool>(executor, clock, o);
    pool->setReadyCallback([this](const std::string& object) { calls.ready.push_back(object); });
    return *pool;
  }
  // Tasks still held run now (cancelled by the shutdown): the pool waits for its jobs before it goes.
  void TearDown() override {
    if (!pool) return;
    pool->shutdown(std::chrono::milliseconds(0));
    while (!executor.tasks.empty()) executor.runNext();
    pool.reset();
  }
  testing::FakeClock clock;
  ManualExecutor executor;
  Calls calls;
  std::unique_ptr<MeasurementPool> pool;
};

TEST_F(MeasurementPoolTest, AsksOnceThenHandsTheResultOverWithItsTimes) {
  auto& p = make();
  EXPECT_EQ(p.ask(job(calls, "ml/a", "k1")).state, MeasurementPool::State::Pending);
  EXPECT_EQ(p.ask(job(calls, "ml/a", "k1")).state, MeasurementPool::State::Pending);
  ASSERT_EQ(executor.tasks.size(), 1u) << "single flight: one job per key";
  auto started = clock.now();
  executor.runNext();
  EXPECT_EQ(calls.measured["ml/a"], 1);
  EXPECT_EQ(calls.ready, std::vector<std::string>{"ml/a"});
  clock.advance(3s);
  auto answer = p.ask(job(calls, "ml/a", "k1"));
  ASSERT_EQ(answer.state, MeasurementPool::State::Ready);
  EXPECT_EQ(answer.result->measurement.hash, "k1");
  EXPECT_EQ(answer.result->startedAt, started);
  // Not consumed yet (the status write may fail): the same result again.
  EXPECT_EQ(p.ask(job(calls, "ml/a", "k1")).state, MeasurementPool::State::Ready);
  p.consumed("ml/a", "k1");
  EXPECT_EQ(p.ask(job(calls, "ml/a", "k1")).state, MeasurementPool::State::Consumed);
  EXPECT_TRUE(executor.tasks.empty()) << "a consumed key is never measured again";
  EXPECT_EQ(calls.measured["ml/a"], 1);
}

TEST_F(MeasurementPoolTest, BoundsJobsInFlightAndPerProvider) {
  MeasurementPoolOptions o;
  o.maxInFlight = 3;
  o.maxPerProvider = 2;
  auto& p = make(o);
  p.ask(job(calls, "ml/a", "k", {"http://slow:1"}));
  p.ask(job(calls, "ml/b", "k", {"http://slow:1"}));
  p.ask(job(calls, "ml/c", "k", {"http://slow:1"}));  // waits: slow:1 has 2 running
  p.ask(job(calls, "ml/d", "k", {"http://fast:2"}));  // not held up by the slow provider
  EXPECT_EQ(p.inFlight(), 3u);
  EXPECT_EQ(p.queued(), 1u);
  EXPECT_EQ(executor.tasks.size(), 3u);
  p.ask(job(calls, "ml/e", "k", {"http://fast:2"}));  // waits: 3 in flight overall
  EXPECT_EQ(p.queued(), 2u);
  executor.runNext();  // ml/a ends: ml/c (queued first, its provider now has room) starts
  EXPECT_EQ(p.inFlight(), 3u);
  EXPECT_EQ(p.queued(), 1u);
  while (!executor.tasks.empty()) executor.runNext();
  EXPECT_EQ(p.inFlight(), 0u);
  EXPECT_EQ(p.queued(), 0u);
  for (auto* o2 : {"ml/a", "ml/b", "ml/c", "ml/d", "ml/e"}) EXPECT_EQ(calls.measured[o2], 1) << o2;
}

TEST_F(MeasurementPoolTest, AJobCountsAgainstEveryProviderItQueries) {
  MeasurementPoolOptions o;
  o.maxPerProvider = 1;
  auto& p = make(o);
  p.ask(job(calls, "ml/a", "k", {"http://a:1", "http://b:1"}));
  p.ask(job(calls, "ml/b", "k", {"http://b:1"}));
  EXPECT_EQ(p.inFlight(), 1u);
  EXPECT_EQ(p.queued(), 1u);
}

TEST_F(MeasurementPoolTest, AFullQueueAnswersBusyNotAVerdict) {
  MeasurementPoolOptions o;
  o.maxInFlight = 1;
  o.maxQueued = 1;
  auto& p = make(o);
  EXPECT_EQ(p.ask(job(calls, "ml/a", "k")).state, MeasurementPool::State::Pending);  // runs
  EXPECT_EQ(p.ask(job(calls, "ml/b", "k")).state, MeasurementPool::State::Pending);  // queued
  auto answer = p.ask(job(calls, "ml/c", "k"));
  EXPECT_EQ(answer.state, MeasurementPool::State::Busy);
  EXPECT_FALSE(answer.result.has_value());
  executor.runNext();  // ml/a ends, ml/b starts: room in the queue again
  EXPECT_EQ(p.ask(job(calls, "ml/c", "k")).state, MeasurementPool::State::Pending);
}

TEST_F(MeasurementPoolTest, ANewKeyDropsTheStaleResultAndCancelsTheRunningJob) {
  auto& p = make();
  bool cancelledWhileRunning = false;
  auto first = job(calls, "ml/a", "gen1");
  first.measure = [&](const CancelToken& cancel) {
    // While the provider is being queried, the spec changes: a reconcile asks with a new key.
    EXPECT_EQ(p.ask(job(calls, "ml/a", "gen2")).state, MeasurementPool::State::Pending);
    cancelledWhileRunning = cancel.cancelled();
    rollout::Measurement m;
    m.hash = "gen1";
    return m;
  };
  p.ask(std::move(first));
  executor.runNext();
  EXPECT_TRUE(cancelledWhileRunning) << "the stale job was told to stop";
  EXPECT_EQ(calls.ready, std::vector<std::string>{}) << "a stale result re-queues nothing";
  EXPECT_EQ(p.ask(job(calls, "ml/a", "gen2")).state, MeasurementPool::State::Pending) << "gen1's result was dropped";
  ASSERT_EQ(executor.tasks.size(), 1u);
  executor.runNext();
  auto answer = p.ask(job(calls, "ml/a", "gen2"));
  ASSERT_EQ(answer.state, MeasurementPool::State::Ready);
  EXPECT_EQ(answer.result->measurement.hash, "gen2");
  // A finished result for an old key is dropped as soon as a newer key is asked for.
  EXPECT_EQ(p.ask(job(calls, "ml/a", "gen3")).state, MeasurementPool::State::Pending);
  executor.runNext();
  EXPECT_EQ(p.ask(job(calls, "ml/a", "gen2")).state, MeasurementPool::State::Pending) << "gen2 is measured anew";
}

TEST_F(MeasurementPoolTest, AQueuedStaleJobNeverQueriesItsProvider) {
  MeasurementPoolOptions o;
  o.maxInFlight = 1;
  auto& p = make(o);
  p.ask(job(calls, "ml/busy", "k"));
  p.ask(job(calls, "ml/a", "gen1"));  // queued behind ml/busy
  p.ask(job(calls, "ml/a", "gen2"));  // replaces it in the queue
  EXPECT_EQ(p.queued(), 1u);
  while (!executor.tasks.empty()) executor.runNext();
  EXPECT_EQ(calls.measured["ml/a"], 1);
  EXPECT_EQ(p.ask(job(calls, "ml/a", "gen2")).result->measurement.hash, "gen2");
}

TEST_F(MeasurementPoolTest, FinishedResultsExpire) {
  MeasurementPoolOptions o;
  o.resultTtl = 60s;
  auto& p = make(o);
  p.ask(job(calls, "ml/a", "k"));
  executor.runNext();
  clock.advance(59s);
  EXPECT_EQ(p.ask(job(calls, "ml/a", "k")).state, MeasurementPool::State::Ready);
  clock.advance(2s);
  EXPECT_EQ(p.ask(job(calls, "ml/a", "k")).state, MeasurementPool::State::Pending) << "expired: measured again";
  EXPECT_EQ(executor.tasks.size(), 1u);
}

TEST_F(MeasurementPoolTest, LosingTheTermCancelsAndDiscardsTheMeasurement) {
  auto& p = make();
  CancelToken term;
  bool cancelledInside = false;
  auto j = job(calls, "ml/a", "k", {"http://prom:9090"}, term);
  j.measure = [&](const CancelToken& cancel) {
    term.cancel();  // leadership lost while the provider is being queried
    cancelledInside = cancel.cancelled();
    rollout::Measurement m;
    m.verdicts.push_back(analysis::errorVerdict("accuracy", "cancelled"));
    return m;
  };
  p.ask(std::move(j));
  executor.runNext();
  EXPECT_TRUE(cancelledInside);
  EXPECT_EQ(calls.ready, std::vector<std::string>{"ml/a"}) << "re-queued so the next term measures again";
  EXPECT_EQ(term.callbackCount(), 0u) << "no registration left on the long-lived term token";
  // The cancelled run's error verdicts are no result: the next term measures again.
  EXPECT_EQ(p.ask(job(calls, "ml/a", "k")).state, MeasurementPool::State::Pending);
  EXPECT_EQ(executor.tasks.size(), 1u);
}

TEST_F(MeasurementPoolTest, ForgetAndShutdownCancelWork) {
  auto& p = make();
  bool aCancelled = false, bCancelled = false, shutdownWaited = true;
  auto a = job(calls, "ml/a", "k");
  a.measure = [&](const CancelToken& c) {
    p.forget("ml/a");  // the ModelDeployment was deleted meanwhile
    aCancelled = c.cancelled();
    return rollout::Measurement{};
  };
  auto b = job(calls, "ml/b", "k");
  b.measure = [&](const CancelToken& c) {
    shutdownWaited = p.shutdown(0ms);  // false: this job is still running
    bCancelled = c.cancelled();
    return rollout::Measurement{};
  };
  p.ask(std::move(a));
  p.ask(std::move(b));
  executor.runNext();
  EXPECT_TRUE(aCancelled);
  EXPECT_EQ(calls.ready, std::vector<std::string>{}) << "a forgotten object is not re-queued";
  executor.runNext();
  EXPECT_TRUE(bCancelled);
  EXPECT_FALSE(shutdownWaited);
  EXPECT_TRUE(p.shutdown(0ms)) << "every job has returned";
  EXPECT_EQ(p.ask(job(calls, "ml/c", "k")).state, MeasurementPool::State::Busy) << "no work after shutdown";
  EXPECT_TRUE(calls.ready.empty());
}

// Records what the pool reports for /metrics.
struct RecordingObserver final : MeasurementPoolObserver {
  void depth(std::size_t inFlight, std::size_t queued) override { last = {inFlight, queued}; }
  void finished(const char* outcome, double) override { outcomes.push_back(outcome); }
  void refused() override { ++refusals; }
  std::pair<std::size_t, std::size_t> last{99, 99};
  std::vector<std::string> outcomes;
  int refusals = 0;
};

TEST_F(MeasurementPoolTest, ReportsDepthOutcomesAndRefusals) {
  RecordingObserver observer;
  MeasurementPoolOptions o;
  o.observer = &observer;
  o.maxInFlight = 1;
  o.maxQueued = 1;
  auto& p = make(o);
  p.ask(job(calls, "ml/a", "k"));
  p.ask(job(calls, "ml/b", "k"));
  EXPECT_EQ(observer.last, std::make_pair(std::size_t{1}, std::size_t{1}));
  EXPECT_EQ(p.ask(job(calls, "ml/c", "k")).state, MeasurementPool::State::Busy);
  EXPECT_EQ(observer.refusals, 1);
  executor.runNext();
  p.forget("ml/b");  // running now: cancelled
  executor.runNext();
  EXPECT_EQ(observer.outcomes, (std::vector<std::string>{"measured", "cancelled"}));
  EXPECT_EQ(observer.last, std::make_pair(std::size_t{0}, std::size_t{0}));
}

TEST(ThreadExecutor, RunsEveryTaskBeforeItIsDestroyed) {
  std::atomic<int> ran{0};
  {
    ThreadExecutor executor(2);
    for (int i = 0; i < 50; ++i) executor.run([&ran] { ++ran; });
  }
  EXPECT_EQ(ran.load(), 50);
}

}  // namespace
}  // namespace modelops::reconciler
