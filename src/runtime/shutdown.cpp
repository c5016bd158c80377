// SignalWatcher (sigwait thread) and ShutdownSequence. See shutdown.h.
// Thread-safety: the watcher thread only sets atomics and cancels the token.
#include "modelops/runtime/shutdown.h"

#include <pthread.h>

#include "modelops/common/logging.h"

namespace modelops::runtime {

namespace {
sigset_t toSet(const std::vector<int>& signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : signals) sigaddset(&set, s);
  return set;
}
}  // namespace

SignalWatcher::SignalWatcher(std::vector<int> signals) : signals_(std::move(signals)) {
  sigset_t set = toSet(signals_);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::thread([this, set] {
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (stopping_.load()) return;
      signal_.store(sig);
      logInfo("shutdown signal received", {{"signal", sig}});
      token_.cancel();
      // Keep taking the signals (a second SIGTERM must not kill us mid-shutdown).
    }
  });
}

SignalWatcher::~SignalWatcher() {
  stopping_.store(true);
  if (thread_.joinable()) {
    // Wake the sigwait with one of its own signals, aimed at that thread only.
    pthread_kill(thread_.native_handle(), signals_.empty() ? SIGTERM : signals_.front());
    thread_.join();
  }
}

void ShutdownSequence::add(std::string name, Step step) { steps_.emplace_back(std::move(name), std::move(step)); }

bool ShutdownSequence::run(std::chrono::milliseconds budget) {
  auto start = clock_.monotonic();
  auto deadline = start + budget;
  bool inTime = true;
  for (auto& [name, step] : steps_) {
    auto now = clock_.monotonic();
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    if (remaining.count() < 0) remaining = std::chrono::milliseconds(0);
    step(remaining);
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.monotonic() - now);
    logInfo("shutdown step done", {{"step", name}, {"ms", took.count()}});
  }
  if (clock_.monotonic() > deadline) inTime = false;
  return inTime;
}

}  // namespace modelops::runtime
