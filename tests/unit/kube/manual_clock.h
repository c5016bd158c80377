// ManualClock: a Clock whose wall and monotonic times move only when a test says so, and a
// RecordingSleeper that "sleeps" by advancing that clock and remembering each delay. Used by the
// kube unit and integration tests (tests/fakes may hold a shared FakeClock later).
// Thread-safety: all members are safe to call from any thread.
#pragma once

#include <chrono>
#include <mutex>
#include <vector>

#include "modelops/common/clock.h"
#include "modelops/kube/client_impl.h"

namespace modelops::kube::testing {

class ManualClock final : public Clock {
 public:
  explicit ManualClock(WallTime start = WallTime(std::chrono::seconds(1'900'000'000)))
      : wall_(start), mono_(MonoTime(std::chrono::hours(1))) {}
  WallTime now() const override {
    std::lock_guard lock(mu_);
    return wall_;
  }
  MonoTime monotonic() const override {
    std::lock_guard lock(mu_);
    return mono_;
  }
  template <class Rep, class Period>
  void advance(std::chrono::duration<Rep, Period> d) {
    std::lock_guard lock(mu_);
    wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
    mono_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
  }
  void setWall(WallTime t) {
    std::lock_guard lock(mu_);
    wall_ = t;
  }

 private:
  mutable std::mutex mu_;
  WallTime wall_;
  MonoTime mono_;
};

class RecordingSleeper final : public Sleeper {
 public:
  explicit RecordingSleeper(ManualClock& clock) : clock_(clock) {}
  bool sleepFor(std::chrono::nanoseconds d, const CancelToken& cancel) override {
    if (cancel.cancelled()) return false;
    {
      std::lock_guard lock(mu_);
      sleeps_.push_back(d);
    }
    clock_.advance(d);
    return true;
  }
  std::vector<std::chrono::nanoseconds> sleeps() const {
    std::lock_guard lock(mu_);
    return sleeps_;
  }

 private:
  ManualClock& clock_;
  mutable std::mutex mu_;
  std::vector<std::chrono::nanoseconds> sleeps_;
};

}  // namespace modelops::kube::testing
