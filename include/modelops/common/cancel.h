// CancelToken: lets one thread ask a blocking operation on another thread (a watch, a wait) to stop.
// Copies share one state. Callbacks registered with onCancel run once, on the cancelling thread,
// or at once if the token is already cancelled.
// Thread-safety: all members are safe to call concurrently.
#pragma once

#include <atomic>
#include <condition_variable>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace modelops {

class CancelToken {
 public:
  CancelToken() : state_(std::make_shared<State>()) {}

  void cancel() const {
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard lock(state_->mu);
      if (state_->cancelled.exchange(true)) return;
      callbacks.swap(state_->callbacks);
    }
    state_->cv.notify_all();
    for (auto& cb : callbacks) cb();
  }

  bool cancelled() const { return state_->cancelled.load(); }

  // Registers cb; returns an id for removeCallback. Runs cb now if already cancelled (id 0).
  std::size_t onCancel(std::function<void()> cb) const {
    {
      std::lock_guard lock(state_->mu);
      if (!state_->cancelled) {
        state_->callbacks.push_back(std::move(cb));
        return state_->callbacks.size();
      }
    }
    cb();
    return 0;
  }

  // Clears the callbacks (call before the objects they capture are destroyed).
  void clearCallbacks() const {
    std::lock_guard lock(state_->mu);
    state_->callbacks.clear();
  }

  // Waits until cancelled or the timeout passes; returns true when cancelled.
  // For worker loops that idle between attempts (backoff) but must stop promptly.
  template <class Rep, class Period>
  bool waitFor(std::chrono::duration<Rep, Period> timeout) const {
    std::unique_lock lock(state_->mu);
    return state_->cv.wait_for(lock, timeout, [&] { return state_->cancelled.load(); });
  }

 private:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::atomic<bool> cancelled{false};
    std::vector<std::function<void()>> callbacks;
  };
  std::shared_ptr<State> state_;
};

}  // namespace modelops
