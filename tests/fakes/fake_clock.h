// FakeClock: the one manual Clock (and Sleeper, modelops/common/sleeper.h) for tests. Time only moves
// when the test calls advance() or set(); code that sleeps through the Sleeper interface wakes when
// the fake time reaches its deadline. Tests can wait (with a real-time bound) until some thread is
// asleep, and read the deadlines sleepers are waiting for, to assert backoff schedules without real
// sleeping. With autoAdvance(true) a sleep instead moves the clock to its deadline at once and is
// recorded (sleeps()): for single-threaded code whose waits a test only wants to read (the API
// client's retry backoff and rate-limit waits).
// Thread-safety: all members are safe to call from any thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <iterator>
#include <mutex>
#include <set>
#include <vector>

#include "modelops/common/clock.h"
#include "modelops/common/sleeper.h"

namespace modelops::testing {

class FakeClock final : public Clock, public Sleeper {
 public:
  FakeClock() : FakeClock(std::chrono::sys_days{std::chrono::year{2026} / 11 / 25} + std::chrono::hours{10}) {}
  explicit FakeClock(WallTime wallStart) : wall_(wallStart), mono_(std::chrono::hours{1000}) {}

  // Sets the wall clock only (the monotonic clock never goes back).
  void setWall(WallTime t) {
    std::lock_guard lock(mu_);
    wall_ = t;
  }
  // See the header comment.
  void autoAdvance(bool on) {
    std::lock_guard lock(mu_);
    autoAdvance_ = on;
  }
  // The waits of autoAdvance mode, in order.
  std::vector<std::chrono::nanoseconds> sleeps() const {
    std::lock_guard lock(mu_);
    return sleeps_;
  }

  WallTime now() const override {
    std::lock_guard lock(mu_);
    return wall_;
  }
  MonoTime monotonic() const override {
    std::lock_guard lock(mu_);
    return mono_;
  }

  // Moves both clocks forward and wakes every sleeper whose deadline has come.
  void advance(std::chrono::nanoseconds d) {
    std::vector<std::condition_variable*> wake;
    {
      std::lock_guard lock(mu_);
      wall_ += std::chrono::duration_cast<WallTime::duration>(d);
      mono_ += d;
      for (auto& w : waiters_) wake.push_back(w.cv);
      // notify while holding mu_: a waiter deregisters under mu_, so its cv is still alive here.
      for (auto* cv : wake) cv->notify_all();
    }
    changed_.notify_all();
  }
  // Advances to the given monotonic time (no-op when already past it).
  void advanceTo(MonoTime t) {
    auto now = monotonic();
    if (t > now) advance(t - now);
  }

  bool sleepUntil(MonoTime deadline, const CancelToken& cancel) override {
    if (cancel.cancelled()) return false;
    {
      std::lock_guard lock(mu_);
      if (autoAdvance_) sleeps_.push_back(deadline - mono_);
    }
    if (autoAdvancing()) {
      advanceTo(deadline);
      return !cancel.cancelled();
    }
    std::unique_lock lock(mu_);
    auto it = sleeping_.insert(deadline);
    changed_.notify_all();
    // Cancellation has no way to notify this condition variable, so re-check it every few ms.
    while (mono_ < deadline && !cancel.cancelled()) changed_.wait_for(lock, std::chrono::milliseconds(2));
    sleeping_.erase(it);
    changed_.notify_all();
    return !cancel.cancelled();
  }

  bool sleepFor(std::chrono::nanoseconds d, const CancelToken& cancel) override {
    return sleepUntil(monotonic() + std::chrono::duration_cast<MonoTime::duration>(d), cancel);
  }

  void waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, MonoTime deadline) override {
    {
      std::lock_guard g(mu_);
      if (mono_ >= deadline) return;
      waiters_.push_back({&cv, deadline});
      changed_.notify_all();
    }
    // The short real timeout covers a notify that lands between registering and waiting.
    cv.wait_for(lock, std::chrono::milliseconds(5));
    std::lock_guard g(mu_);
    auto it = std::find_if(waiters_.begin(), waiters_.end(), [&](const Waiter& w) { return w.cv == &cv; });
    if (it != waiters_.end()) waiters_.erase(it);
  }

  // Number of threads inside sleepUntil right now.
  std::size_t sleepers() const {
    std::lock_guard lock(mu_);
    return sleeping_.size();
  }
  // Deadlines of the threads inside sleepUntil, earliest first.
  std::vector<MonoTime> sleeperDeadlines() const {
    std::lock_guard lock(mu_);
    return {sleeping_.begin(), sleeping_.end()};
  }
  // Waits (real time, bounded) until at least n threads are asleep in sleepUntil with a deadline
  // still in the future (a sleeper whose deadline has come is about to wake and does not count).
  bool waitForSleepers(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, timeout, [&] {
      return static_cast<std::size_t>(std::distance(sleeping_.upper_bound(mono_), sleeping_.end())) >= n;
    });
  }
  // Threads asleep with a deadline still in the future.
  std::size_t pendingSleepers() const {
    std::lock_guard lock(mu_);
    return static_cast<std::size_t>(std::distance(sleeping_.upper_bound(mono_), sleeping_.end()));
  }
  // Advances time to the earliest future sleeper's deadline; false when nobody sleeps.
  bool advanceToNextSleeper() {
    MonoTime next;
    {
      std::lock_guard lock(mu_);
      auto it = sleeping_.upper_bound(mono_);
      if (it == sleeping_.end()) return false;
      next = *it;
    }
    advanceTo(next);
    return true;
  }

 private:
  struct Waiter {
    std::condition_variable* cv;
    MonoTime deadline;
  };
  bool autoAdvancing() const {
    std::lock_guard lock(mu_);
    return autoAdvance_;
  }

  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  bool autoAdvance_ = false;
  std::vector<std::chrono::nanoseconds> sleeps_;
  WallTime wall_;
  MonoTime mono_;
  std::multiset<MonoTime> sleeping_;
  std::vector<Waiter> waiters_;
};

}  // namespace modelops::testing
