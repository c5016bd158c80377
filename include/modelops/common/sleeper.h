// Sleeper: how modelops code waits for time to pass, so that tests drive time with a fake clock
// (tests/fakes/fake_clock.h implements both Clock and Sleeper) instead of really sleeping. The one
// waiting abstraction of the code base: the API client's retry backoff and rate-limit waits, watch
// reconnects, leader-election retries and the work queue's delayed items all use it.
// Three kinds of wait: a cancellable sleep until a monotonic deadline (of the Clock the sleeper goes
// with), a cancellable sleep for a duration (the API client's backoff and rate-limit waits), and a
// condition-variable wait that also ends when the clock reaches a deadline (the work queue waiting
// for its earliest delayed item).
// Thread-safety: implementations are safe to use from any number of threads at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "modelops/common/cancel.h"
#include "modelops/common/clock.h"

namespace modelops {

class Sleeper {
 public:
  virtual ~Sleeper() = default;
  // Blocks until the clock reaches deadline or cancel fires. Returns false when cancelled.
  virtual bool sleepUntil(Clock::MonoTime deadline, const CancelToken& cancel) = 0;
  // Waits on cv (lock held by the caller, released while waiting) until notified or until the clock
  // reaches deadline. May return early or spuriously: callers re-check their condition in a loop.
  virtual void waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                         Clock::MonoTime deadline) = 0;

  // Blocks for d (of this sleeper's time) or until cancel fires. Returns false when cancelled.
  virtual bool sleepFor(std::chrono::nanoseconds d, const CancelToken& cancel) = 0;
};

// Real time: the deadlines are std::chrono::steady_clock times (SystemClock::monotonic()).
class RealSleeper final : public Sleeper {
 public:
  bool sleepUntil(Clock::MonoTime deadline, const CancelToken& cancel) override {
    auto now = std::chrono::steady_clock::now();
    if (deadline <= now) return !cancel.cancelled();
    return !cancel.waitFor(deadline - now);
  }
  bool sleepFor(std::chrono::nanoseconds d, const CancelToken& cancel) override { return !cancel.waitFor(d); }
  void waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                 Clock::MonoTime deadline) override {
    cv.wait_until(lock, deadline);
  }
};

}  // namespace modelops
