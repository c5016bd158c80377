// Clock: the only source of time for logic. Production code uses SystemClock; tests inject a fake
// (tests/fakes/fake_clock.h) so that timed behaviour is tested without sleeping.
// Thread-safety: implementations must be safe to call from any thread.
#pragma once

#include <chrono>

namespace modelops {

class Clock {
 public:
  using WallTime = std::chrono::system_clock::time_point;
  using MonoTime = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  // Calendar time: timestamps written to the API (status, events, leases).
  virtual WallTime now() const = 0;
  // Monotonic time: timeouts, backoff, rate limits.
  virtual MonoTime monotonic() const = 0;
};

class SystemClock final : public Clock {
 public:
  WallTime now() const override { return std::chrono::system_clock::now(); }
  MonoTime monotonic() const override { return std::chrono::steady_clock::now(); }
};

}  // namespace modelops
