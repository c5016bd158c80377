// Graceful shutdown: SignalWatcher turns SIGTERM/SIGINT into a CancelToken without any logic in a
// signal handler (the signals are blocked and a dedicated thread takes them with sigwait), and
// ShutdownSequence runs the stop steps in order within a time budget.
// Construct SignalWatcher in main() before any other thread starts: threads inherit the blocked
// mask, so the signal can only be taken by the watcher thread.
// The operator's order (see docs/runtime.md): elector.stop() (onStoppedLeading stops the controller
// taking work and waits for in-flight reconciles, then the lease is released), controller.shutdown,
// events.stop (drain), informers.stopAll, http.stop; all within 5 s, else exit non-zero.
// Thread-safety: token()/signal() from any thread; ShutdownSequence from one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "modelops/common/cancel.h"
#include "modelops/common/clock.h"

namespace modelops::runtime {

class SignalWatcher {
 public:
  explicit SignalWatcher(std::vector<int> signals = {SIGTERM, SIGINT});
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  // Cancelled when one of the signals arrives.
  const CancelToken& token() const { return token_; }
  int signal() const { return signal_.load(); }  // 0 until one arrived

 private:
  std::vector<int> signals_;
  CancelToken token_;
  std::atomic<int> signal_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

class ShutdownSequence {
 public:
  // A step gets the time left in the budget; it should not take longer.
  using Step = std::function<void(std::chrono::milliseconds remaining)>;
  explicit ShutdownSequence(Clock& clock) : clock_(clock) {}
  void add(std::string name, Step step);
  // Runs every step in order (even when the budget ran out, with zero remaining, so that cheap
  // steps like releasing the lease still happen). True when all finished within the budget.
  bool run(std::chrono::milliseconds budget);

 private:
  Clock& clock_;
  std::vector<std::pair<std::string, Step>> steps_;
};

}  // namespace modelops::runtime
