// Unit tests: the retry policy (what is retried, the delays, Retry-After). The token bucket's tests
// are in tests/unit/common/token_bucket_test.cpp.
// Thread-safety: single-threaded tests.
#include <gtest/gtest.h>

#include "retry.h"  // src/kube: internal
#include "modelops/kube/status.h"

namespace modelops::kube {
namespace {

using namespace std::chrono_literals;

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
