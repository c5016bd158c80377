// waitUntil(predicate, timeout): poll a condition every 50 ms (real time) until it holds or the
// deadline passes; returns the predicate's final value. The synchronisation primitive of the
// integration tests that watch another process (never a fixed sleep).
// Thread-safety: stateless.
#pragma once

#include <chrono>
#include <thread>

namespace modelops::itest {

template <class Pred>
bool waitUntil(Pred pred, std::chrono::milliseconds timeout, std::chrono::milliseconds poll = std::chrono::milliseconds(50)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return pred();
    std::this_thread::sleep_for(poll);
  }
  return true;
}

}  // namespace modelops::itest
