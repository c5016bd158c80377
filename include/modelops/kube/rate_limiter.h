// Client-side rate limit: a token bucket of `burst` tokens refilled at `qps` per second, read from
// an injected Clock (monotonic time), like client-go's flowcontrol token bucket.
// reserve() hands out a token now or the time to wait for one; callers wait with their own
// cancellable sleep, so a waiting request can be cancelled or bounded.
// Thread-safety: all members are safe to call concurrently.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>

#include "modelops/common/clock.h"

namespace modelops::kube {

class TokenBucket {
 public:
  // qps <= 0 means unlimited; burst < 1 is treated as 1.
  TokenBucket(double qps, int burst, const Clock& clock);

  // Takes one token. Returns the delay after which the caller may proceed (zero when a token was
  // available), or nullopt (and takes nothing) when that delay would exceed maxWait.
  std::optional<std::chrono::nanoseconds> reserve(std::chrono::nanoseconds maxWait = std::chrono::hours(1));

  // Tokens available now (may be negative while reservations are outstanding); for tests.
  double available();

 private:
  void refillLocked(Clock::MonoTime now);

  const double qps_;
  const double burst_;
  const Clock& clock_;
  std::mutex mu_;
  double tokens_;
  Clock::MonoTime last_;
};

}  // namespace modelops::kube
