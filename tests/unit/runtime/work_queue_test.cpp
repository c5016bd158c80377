// Tests for WorkQueue and its rate limiters: deduplication, the processing/dirty rule, backoff
// schedule on a fake clock, token bucket, timed re-queues, pause gate, shutdown, no concurrent
// processing of one key under stress.
// Thread-safety: tests start their own threads and join them before returning.
#include "modelops/runtime/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <random>
#include <thread>

#include "fakes/fake_clock.h"
#include "fakes/wait.h"

namespace modelops::runtime {
namespace {

using namespace std::chrono_literals;
using testing::FakeClock;

TEST(WorkQueue, DeduplicatesWaitingKeys) {
  FakeClock clock;
  WorkQueue q(clock, clock);
  q.add("ns/a");
  q.add("ns/a");
  q.add("ns/b");
  EXPECT_EQ(q.len(), 2u);
  EXPECT_EQ(q.get(), "ns/a");
  EXPECT_EQ(q.get(), "ns/b");
  EXPECT_EQ(q.len(), 0u);
}

TEST(WorkQueue, ThousandUpdatesWhileProcessingGiveExactlyOneMoreRun) {
  FakeClock clock;
  WorkQueue q(clock, clock);
  q.add("ml/fraud");
  auto key = q.get();
  ASSERT_EQ(key, "ml/fraud");
  for (int i = 0; i < 1000; ++i) q.add("ml/fraud");
  // While processing, the key is not handed to anyone else.
  EXPECT_EQ(q.len(), 0u);
  q.done("ml/fraud");
  EXPECT_EQ(q.len(), 1u);
  EXPECT_EQ(q.get(), "ml/fraud");
  q.done("ml/fraud");
  EXPECT_EQ(q.len(), 0u);
  EXPECT_EQ(q.processingLen(), 0u);
}

TEST(WorkQueue, ThousandUpdatesWithRealWorkersCountRuns) {
  FakeClock clock;
  WorkQueue q(clock, clock);
  std::atomic<int> runs{0};
  std::promise<void> started, release;
  auto releaseFuture = release.get_future().share();
  std::thread worker([&] {
    while (auto k = q.get()) {
      if (runs.fetch_add(1) == 0) {
        started.set_value();
        releaseFuture.wait();
      }
      q.done(*k);
    }
  });
  q.add("ml/fraud");
  started.get_future().wait();
  for (int i = 0; i < 1000; ++i) q.add("ml/fraud");
  release.set_value();
  // Exactly one more run: wait for it, then make sure nothing else is pending.
  ASSERT_TRUE(testing::waitFor([&] { return runs.load() >= 2; }));
  ASSERT_TRUE(q.waitForIdle(5s));
  EXPECT_EQ(runs.load(), 2);
  EXPECT_EQ(q.len(), 0u);
  q.shutDown();
  worker.join();
  EXPECT_EQ(runs.load(), 2);
}

TEST(RateLimiter, BackoffDoublesFrom5msTo1000sAndResetsOnForget) {
  ItemExponentialBackoff b(5ms, 1000s);
  EXPECT_EQ(b.when("k"), 5ms);
  EXPECT_EQ(b.when("k"), 10ms);
  EXPECT_EQ(b.when("k"), 20ms);
  EXPECT_EQ(b.when("k"), 40ms);
  EXPECT_EQ(b.when("other"), 5ms);  // per key
  for (int i = 0; i < 30; ++i) (void)b.when("k");
  EXPECT_EQ(b.when("k"), Duration(1000s));
  for (int i = 0; i < 1000; ++i) (void)b.when("k");  // no overflow past the cap
  EXPECT_EQ(b.when("k"), Duration(1000s));
  b.forget("k");
  EXPECT_EQ(b.when("k"), 5ms);
}

TEST(WorkQueue, RateLimitedAddsFollowBackoffScheduleOnFakeClock) {
  FakeClock clock;
  WorkQueue q(clock, clock);
  std::vector<std::chrono::milliseconds> expected{5ms, 10ms, 20ms, 40ms, 80ms, 160ms};
  for (auto delay : expected) {
    q.addRateLimited("ns/k");
    EXPECT_EQ(q.delayedLen(), 1u);
    clock.advance(delay - 1ms);
    q.add("ns/probe");  // promotes due keys as a side effect of get()
    EXPECT_EQ(q.get(), "ns/probe");
    q.done("ns/probe");
    EXPECT_EQ(q.len(), 0u) << "ready too early for delay " << delay.count() << "ms";
    clock.advance(1ms);
    EXPECT_EQ(q.get(), "ns/k");
    q.done("ns/k");
  }
  EXPECT_EQ(q.numRequeues("ns/k"), 6);
  q.forget("ns/k");
  EXPECT_EQ(q.numRequeues("ns/k"), 0);
}

TEST(WorkQueue, GetWakesWhenFakeTimeReachesDelayedKey) {
  FakeClock clock;
  WorkQueue q(clock, clock);
  q.addAfter("ns/a", 30s);
  q.addAfter("ns/a", 10s);  // earlier deadline wins
  q.addAfter("ns/a", 20s);
  EXPECT_EQ(q.delayedLen(), 1u);
  auto got = std::async(std::launch::async, [&] { return q.get(); });
  EXPECT_EQ(got.wait_for(20ms), std::future_status::timeout);
  clock.advance(9s);
  EXPECT_EQ(got.wait_for(20ms), std::future_status::timeout);
  clock.advance(1s);
  ASSERT_EQ(got.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(got.get(), "ns/a");
  q.done("ns/a");
  EXPECT_EQ(q.delayedLen(), 0u);
  clock.advance(30s);  // superseded deadlines do not add it again
  q.add("ns/x");
  EXPECT_EQ(q.get(), "ns/x");
  EXPECT_EQ(q.len(), 0u);
}

TEST(WorkQueue, PauseStopsHandingOutKeysUntilResume) {
  FakeClock clock;
  WorkQueue q(clock, clock);
  q.pause();
  q.add("ns/a");
  auto got = std::async(std::launch::async, [&] { return q.get(); });
  EXPECT_EQ(got.wait_for(30ms), std::future_status::timeout);
  EXPECT_EQ(q.len(), 1u);
  q.resume();
  ASSERT_EQ(got.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(got.get(), "ns/a");
}

TEST(WorkQueue, ShutDownWakesWaitersAndWaitForIdleLetsInFlightFinish) {
  FakeClock clock;
  WorkQueue q(clock, clock);
  q.add("ns/busy");
  ASSERT_EQ(q.get(), "ns/busy");
  auto waiter = std::async(std::launch::async, [&] { return q.get(); });
  EXPECT_EQ(waiter.wait_for(20ms), std::future_status::timeout);
  q.shutDown();
  ASSERT_EQ(waiter.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(waiter.get(), std::nullopt);
  EXPECT_FALSE(q.waitForIdle(10ms));  // ns/busy still in flight
  q.add("ns/late");                    // ignored after shutdown
  EXPECT_EQ(q.len(), 0u);
  std::thread finisher([&] { q.done("ns/busy"); });
  EXPECT_TRUE(q.waitForIdle(5s));
  finisher.join();
}

TEST(WorkQueue, NoKeyIsProcessedByTwoWorkersAtOnce) {
  FakeClock clock;
  WorkQueue q(clock, clock);
  constexpr int kKeys = 8, kWorkers = 4, kAdds = 20000;
  std::array<std::atomic<int>, kKeys> inUse{};
  std::atomic<int> overlaps{0}, processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      while (auto k = q.get()) {
        int idx = std::stoi(k->substr(3));
        if (inUse[idx].fetch_add(1) != 0) overlaps++;
        std::this_thread::yield();
        inUse[idx].fetch_sub(1);
        processed++;
        q.done(*k);
      }
    });
  }
  std::thread producer([&] {
    std::mt19937 rng(42);
    for (int i = 0; i < kAdds; ++i) q.add("ns/" + std::to_string(rng() % kKeys));
  });
  producer.join();
  // Drain: every key added after its last processing start is processed once more.
  EXPECT_TRUE(testing::waitFor([&] { return q.len() == 0 && q.processingLen() == 0; }));
  q.shutDown();
  for (auto& t : workers) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_GT(processed.load(), 0);
  EXPECT_LE(processed.load(), kAdds);
  EXPECT_EQ(q.len(), 0u);
}

}  // namespace
}  // namespace modelops::runtime
