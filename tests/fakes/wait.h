// waitFor(predicate, timeout, maxPoll): the one test helper for "wait until something is true, with a
// deadline", for unit, integration and chaos tests alike. Polls the predicate (real time) first after
// 1 ms, then at doubling intervals up to maxPoll, so a cheap in-process condition is seen at once and a
// predicate that asks another process (an HTTP GET to the dev server) does not flood it. Returns the
// predicate's final value, checked once more at the deadline; never used as a fixed delay. Use a
// condition variable instead where the code under test offers one.
// Thread-safety: stateless.
#pragma once

#include <algorithm>
#include <chrono>
#include <thread>

namespace modelops::testing {

template <class Pred>
bool waitFor(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10),
             std::chrono::milliseconds maxPoll = std::chrono::milliseconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto poll = std::min(std::chrono::milliseconds(1), maxPoll);
  while (!pred()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return pred();
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(poll, deadline - now));
    poll = std::min(poll * 2, maxPoll);
  }
  return true;
}

}  // namespace modelops::testing
