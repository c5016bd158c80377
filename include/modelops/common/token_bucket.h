// TokenBucket: `burst` tokens refilled at `qps` per second, read from an injected Clock (monotonic
// time), like client-go's flowcontrol token bucket. The one rate limiter of the code base: the API
// client's request limit and the work queue's overall limit use it.
// reserve() hands out a token now or the time to wait for it (later callers queue behind earlier
// reservations: a negative balance is a debt); callers wait with their own cancellable Sleeper, so
// a waiting request can be cancelled or bounded.
// Thread-safety: all members are safe to call concurrently.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>

#include "modelops/common/clock.h"

namespace modelops {

class TokenBucket {
 public:
  // qps <= 0 means unlimited; burst < 1 is treated as 1.
  TokenBucket(double qps, int burst, const Clock& clock);

  // Takes one token. Returns the delay after which the caller may proceed (zero when a token was
  // available), or nullopt (and takes nothing) when that delay would exceed maxWait.
  std::optional<std::chrono::nanoseconds> reserve(
      std::chrono::nanoseconds maxWait = std::chrono::nanoseconds::max());

  // Tokens available now (negative while reservations are outstanding); for tests.
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

}  // namespace modelops
