// Rate limiters for the work queue, as client-go's default controller rate limiter:
// per-key exponential backoff (5 ms doubling up to 1000 s, reset by forget()) combined with an
// overall token bucket (10 qps, burst 100; the common TokenBucket); the delay for a key is the larger
// of the two.
// Thread-safety: all classes are safe to call from any thread (internal mutex).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "modelops/common/clock.h"
#include "modelops/common/token_bucket.h"

namespace modelops::runtime {

using Duration = std::chrono::nanoseconds;

struct RateLimiterConfig {
  Duration baseDelay = std::chrono::milliseconds(5);
  Duration maxDelay = std::chrono::seconds(1000);
  double qps = 10.0;
  int burst = 100;
};

// Delay = baseDelay * 2^(failures so far), capped at maxDelay.
class ItemExponentialBackoff {
 public:
  ItemExponentialBackoff(Duration base, Duration max) : base_(base), max_(max) {}
  Duration when(const std::string& key);
  void forget(const std::string& key);
  int failures(const std::string& key) const;

 private:
  Duration base_, max_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, int> failures_;
};

class DefaultRateLimiter {
 public:
  DefaultRateLimiter(Clock& clock, const RateLimiterConfig& config)
      : backoff_(config.baseDelay, config.maxDelay), bucket_(config.qps, config.burst, clock) {}
  Duration when(const std::string& key);
  void forget(const std::string& key) { backoff_.forget(key); }
  int numRequeues(const std::string& key) const { return backoff_.failures(key); }

 private:
  ItemExponentialBackoff backoff_;
  TokenBucket bucket_;
};

}  // namespace modelops::runtime
