// Unit tests: the token bucket with an injected clock and the retry policy (what is retried, the
// delays, Retry-After).
// Thread-safety: single-threaded tests plus one concurrent reservation test.
#include <gtest/gtest.h>

#include <thread>

#include "modelops/kube/rate_limiter.h"
#include "modelops/kube/retry.h"
#include "modelops/kube/status.h"
#include "unit/kube/manual_clock.h"

namespace modelops::kube {
namespace {

using namespace std::chrono_literals;
using testing::ManualClock;

TEST(TokenBucket, BurstThenOneTokenPerIntervalWithQueuedReservations) {
  ManualClock clock;
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
  ManualClock clock;
  TokenBucket bucket(1, 1, clock);
  EXPECT_EQ(bucket.reserve(500ms), 0ns);
  EXPECT_EQ(bucket.reserve(500ms), std::nullopt);  // would wait 1 s
  EXPECT_EQ(bucket.reserve(2s), 1s);               // nothing was taken by the refused call
}

TEST(TokenBucket, NonPositiveQpsIsUnlimited) {
  ManualClock clock;
  TokenBucket bucket(0, 1, clock);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(bucket.reserve(), 0ns);
}

TEST(TokenBucket, ConcurrentReservationsEachGetADistinctSlot) {
  ManualClock clock;
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

TEST(RetryPolicy, WhatIsRetried) {
  auto http = [](int code) { return apiErrorFromResponse(code, ""); };
  for (Verb v : {Verb::Get, Verb::Put, Verb::Delete, Verb::Post, Verb::Patch}) {
    EXPECT_TRUE(shouldRetry(v, http(429), true));
    EXPECT_TRUE(shouldRetry(v, http(503), true));
    for (int code : {400, 401, 403, 404, 409, 410, 422, 501}) EXPECT_FALSE(shouldRetry(v, http(code), true)) << code;
    EXPECT_TRUE(shouldRetry(v, transportError("ConnectionError", "refused"), /*sentRequest=*/false));
    EXPECT_FALSE(shouldRetry(v, transportError("Cancelled", ""), false));
    EXPECT_FALSE(shouldRetry(v, transportError("TLSError", ""), false));
  }
  // A lost response to a POST or PATCH may hide a write: not retried; GET/PUT/DELETE are.
  EXPECT_TRUE(shouldRetry(Verb::Get, http(500), true));
  EXPECT_TRUE(shouldRetry(Verb::Put, http(504), true));
  EXPECT_FALSE(shouldRetry(Verb::Post, http(500), true));
  EXPECT_FALSE(shouldRetry(Verb::Patch, http(504), true));
  EXPECT_TRUE(shouldRetry(Verb::Delete, transportError("ConnectionError", "reset"), true));
  EXPECT_FALSE(shouldRetry(Verb::Post, transportError("ConnectionError", "reset"), true));
}

TEST(RetryPolicy, ExponentialBackoffWithJitterAndRetryAfter) {
  RetryPolicy policy;
  ApiError error = apiErrorFromResponse(500, "");
  EXPECT_EQ(retryDelay(policy, 1, error, 0.0), 100ms);
  EXPECT_EQ(retryDelay(policy, 1, error, 1.0), 200ms);
  EXPECT_EQ(retryDelay(policy, 2, error, 1.0), 400ms);
  EXPECT_EQ(retryDelay(policy, 4, error, 0.5), 1200ms);  // 1600 * 0.75
  EXPECT_EQ(retryDelay(policy, 30, error, 1.0), 10s);    // capped
  error.retryAfterSeconds = 4;
  EXPECT_EQ(retryDelay(policy, 1, error, 0.0), 4s);  // the server's word, no jitter
  error.retryAfterSeconds = 3600;
  EXPECT_EQ(retryDelay(policy, 1, error, 0.0), 60s);  // capped
}

}  // namespace
}  // namespace modelops::kube
