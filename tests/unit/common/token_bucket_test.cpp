// Unit tests of the common TokenBucket (the API client's and the work queue's rate limit) on a fake
// clock: the burst, one token per 1/qps with queued reservations (a debt), the bound on the wait,
// unlimited qps, distinct slots for concurrent reservations.
// Thread-safety: single-threaded tests plus one concurrent reservation test.
#include "modelops/common/token_bucket.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "fakes/fake_clock.h"

namespace modelops {
namespace {

using namespace std::chrono_literals;
using testing::FakeClock;

TEST(TokenBucket, BurstThenOneTokenPerIntervalWithQueuedReservations) {
  FakeClock clock;
  TokenBucket bucket(/*qps=*/10, /*burst=*/3, clock);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(bucket.reserve(), 0ns) << i;
  EXPECT_EQ(bucket.reserve(), 100ms);  // the next token comes in 1/qps
  EXPECT_EQ(bucket.reserve(), 200ms);  // and the one after waits behind it
  clock.advance(200ms);
  EXPECT_EQ(bucket.reserve(), 100ms);
  clock.advance(10s);  // refills to the burst, not beyond
  EXPECT_DOUBLE_EQ(bucket.available(), 3.0);
}

TEST(TokenBucket, MaxWaitBoundsAndDoesNotConsume) {
  FakeClock clock;
  TokenBucket bucket(1, 1, clock);
  EXPECT_EQ(bucket.reserve(500ms), 0ns);
  EXPECT_EQ(bucket.reserve(500ms), std::nullopt);  // would wait 1 s
  EXPECT_EQ(bucket.reserve(2s), 1s);               // nothing was taken by the refused call
}

TEST(TokenBucket, NonPositiveQpsIsUnlimited) {
  FakeClock clock;
  TokenBucket bucket(0, 1, clock);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(bucket.reserve(), 0ns);
}

TEST(TokenBucket, ConcurrentReservationsEachGetADistinctSlot) {
  FakeClock clock;
  TokenBucket bucket(100, 1, clock);
  std::vector<std::chrono::nanoseconds> waits(64);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 16; ++i) waits[t * 16 + i] = *bucket.reserve();
    });
  for (auto& th : threads) th.join();
  std::sort(waits.begin(), waits.end());
  for (int i = 0; i < 64; ++i) EXPECT_EQ(std::chrono::round<std::chrono::milliseconds>(waits[i]), i * 10ms);
}

TEST(TokenBucket, ADebtIsPaidBackBeforeNewTokens) {
  FakeClock clock;
  TokenBucket bucket(10.0, 100, clock);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(bucket.reserve(), 0ns) << i;
  EXPECT_EQ(std::chrono::round<std::chrono::milliseconds>(*bucket.reserve()), 100ms);
  EXPECT_EQ(std::chrono::round<std::chrono::milliseconds>(*bucket.reserve()), 200ms);
  clock.advance(1s);  // pays back 10 tokens: a debt of 2 becomes 8 tokens
  for (int i = 0; i < 8; ++i) ASSERT_EQ(bucket.reserve(), 0ns) << i;
  EXPECT_GT(*bucket.reserve(), 0ns);
}

}  // namespace
}  // namespace modelops
