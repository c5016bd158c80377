// Internal to modelops_kube (the unit tests include it from src/kube).
// Retry policy for API requests: which failures are retried, how long to wait before the next
// attempt (exponential backoff with jitter, or the server's Retry-After), and the bounds.
//  - 429 and 5xx (except 501) are retried for idempotent verbs (GET, PUT, DELETE);
//  - POST and PATCH are retried only on 429 and 503 (the server did not act on the request) and on
//    transport errors that happened before the request was sent (connection refused or timed out),
//    because a lost response to a POST/PATCH may hide a write that took place;
//  - never 400, 401 (the client refreshes credentials once itself), 403, 404, 409, 410, 422, nor
//    TLS verification failures or cancellation.
// Thread-safety: pure functions; RetryPolicy is a plain value.
#pragma once

#include <chrono>
#include <cstdint>

#include "modelops/kube/client.h"

namespace modelops::kube {

struct RetryPolicy {
  int maxAttempts = 5;                                   // including the first
  std::chrono::milliseconds maxTotal{60'000};            // no new attempt would start after this
  std::chrono::milliseconds initialBackoff{200};
  std::chrono::milliseconds maxBackoff{10'000};
  std::chrono::milliseconds maxRetryAfter{60'000};       // a larger Retry-After is capped to this
};

enum class Verb { Get, Post, Put, Patch, Delete };
bool isIdempotent(Verb verb);

// Transport failures are tagged with whether any byte of the request may have reached the server.
// sentRequest=false: connect/TLS-handshake failures (safe to repeat any verb).
bool shouldRetry(Verb verb, const ApiError& error, bool sentRequest);

// Delay before attempt number `retry` (1 for the first retry): Retry-After when the server gave
// one (capped), else min(maxBackoff, initialBackoff * 2^(retry-1)) scaled by a jitter in [0.5, 1.0]
// taken from jitterUnit in [0, 1).
std::chrono::milliseconds retryDelay(const RetryPolicy& policy, int retry, const ApiError& error, double jitterUnit);

}  // namespace modelops::kube
