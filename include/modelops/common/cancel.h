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
    std::vector<std::pair<std::size_t, std::function<void()>>> callbacks;
    {
      std::lock_guard lock(state_->mu);
      if (state_->cancelled.exchange(true)) return;
      callbacks.swap(state_->callbacks);
    }
    state_->cv.notify_all();
    for (auto& entry : callbacks) entry.second();
  }

  bool cancelled() const { return state_->cancelled.load(); }

  // Registers cb; returns an id for removeCallback. Runs cb now if already cancelled (id 0).
  std::size_t onCancel(std::function<void()> cb) const {
    {
      std::lock_guard lock(state_->mu);
      if (!state_->cancelled) {
        std::size_t id = ++state_->nextId;
        state_->callbacks.emplace_back(id, std::move(cb));
        return id;
      }
    }
    cb();
    return 0;
  }

  // Unregisters a callback (a no-op for id 0 or one already run). A long-lived token (one
  // leadership term) otherwise collects one callback per request made under it.
  void removeCallback(std::size_t id) const {
    if (id == 0) return;
    std::lock_guard lock(state_->mu);
    std::erase_if(state_->callbacks, [id](const auto& entry) { return entry.first == id; });
  }

  // Registers cb for the lifetime of the returned object (defined below the class).
  [[nodiscard]] class CancelRegistration scopedOnCancel(std::function<void()> cb) const;

  // Clears the callbacks (call before the objects they capture are destroyed).
  void clearCallbacks() const {
    std::lock_guard lock(state_->mu);
    state_->callbacks.clear();
  }

  std::size_t callbackCount() const {
    std::lock_guard lock(state_->mu);
    return state_->callbacks.size();
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
    std::size_t nextId = 0;
    std::vector<std::pair<std::size_t, std::function<void()>>> callbacks;
  };
  std::shared_ptr<State> state_;
};

// Unregisters its callback when destroyed; see CancelToken::scopedOnCancel.
class CancelRegistration {
 public:
  CancelRegistration(CancelToken token, std::size_t id) : token_(std::move(token)), id_(id) {}
  ~CancelRegistration() { token_.removeCallback(id_); }
  CancelRegistration(const CancelRegistration&) = delete;
  CancelRegistration& operator=(const CancelRegistration&) = delete;

 private:
  CancelToken token_;
  std::size_t id_;
};

inline CancelRegistration CancelToken::scopedOnCancel(std::function<void()> cb) const {
  return CancelRegistration(*this, onCancel(std::move(cb)));
}

}  // namespace modelops
