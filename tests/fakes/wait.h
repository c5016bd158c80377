// waitFor(predicate, timeout): the test helper for "wait until something is true, with a deadline".
// Polls the predicate every millisecond (real time) and returns its final value; never used as a
// fixed delay. Use a condition variable instead where the code under test offers one.
// Thread-safety: stateless.
#pragma once

#include <chrono>
#include <thread>

namespace modelops::testing {

template <class Pred>
bool waitFor(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace modelops::testing
