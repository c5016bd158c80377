// WorkQueue: the rate-limited, delaying, deduplicating queue of object keys ("ns/name") between
// informer event handlers and controller workers (client-go's workqueue semantics):
//  - a key waiting in the queue is held once however often it is added;
//  - a key handed out by get() is "processing" until done(); adds meanwhile mark it dirty and it is
//    queued again exactly once when done() is called, so no key is processed by two workers at once;
//  - addRateLimited() delays by the per-key backoff and the overall token bucket; forget() resets the
//    key's backoff; addAfter() schedules a timed re-queue (earliest deadline wins per key);
//  - pause() makes get() hand out nothing (the leadership gate), resume() lets it continue;
//  - shutDown() wakes every waiting worker (get() returns nullopt); waitForIdle() lets in-flight
//    keys finish, bounded.
// Delayed keys sit in a time-ordered heap read against the injected Clock; waiting workers sleep
// through the injected Sleeper, so a FakeClock drives delays in tests without real sleeping.
// Thread-safety: all members are safe to call from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "modelops/common/clock.h"
#include "modelops/runtime/rate_limiter.h"
#include "modelops/runtime/sleeper.h"

namespace modelops::runtime {

// Observer for queue metrics (RuntimeMetrics implements it).
class WorkQueueObserver {
 public:
  virtual ~WorkQueueObserver() = default;
  virtual void queueDepth(std::size_t depth) = 0;
  // Time a key waited between becoming ready and being handed to a worker.
  virtual void queueLatency(double seconds) = 0;
};

class WorkQueue {
 public:
  WorkQueue(Clock& clock, Sleeper& sleeper, RateLimiterConfig config = {}, WorkQueueObserver* observer = nullptr);

  void add(const std::string& key);
  void addAfter(const std::string& key, Duration delay);
  void addRateLimited(const std::string& key);
  void forget(const std::string& key);
  int numRequeues(const std::string& key) const;

  // Blocks until a key is ready (and the queue is not paused) or the queue shuts down (nullopt).
  std::optional<std::string> get();
  // Marks the key finished; re-queues it when it was added while processing.
  void done(const std::string& key);

  void pause();
  void resume();
  bool paused() const;

  void shutDown();
  // Waits (real time) until no key is processing. False when the timeout passed first.
  bool waitForIdle(std::chrono::milliseconds timeout) const;

  std::size_t len() const;         // keys ready to be handed out
  std::size_t delayedLen() const;  // keys waiting for their time
  std::size_t processingLen() const;

 private:
  struct Delayed {
    Clock::MonoTime readyAt;
    std::uint64_t seq;
    std::string key;
    bool operator>(const Delayed& o) const { return readyAt != o.readyAt ? readyAt > o.readyAt : seq > o.seq; }
  };
  void addLocked(const std::string& key);
  void promoteDueLocked();
  void reportDepthLocked();

  Clock& clock_;
  Sleeper& sleeper_;
  DefaultRateLimiter limiter_;
  WorkQueueObserver* observer_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  mutable std::condition_variable idle_;
  std::deque<std::string> queue_;
  std::unordered_map<std::string, Clock::MonoTime> dirty_;  // key -> when it became ready
  std::unordered_set<std::string> processing_;
  std::priority_queue<Delayed, std::vector<Delayed>, std::greater<>> delayed_;
  std::unordered_map<std::string, Clock::MonoTime> delayedAt_;  // earliest deadline per delayed key
  std::uint64_t seq_ = 0;
  bool paused_ = false;
  bool shuttingDown_ = false;
};

}  // namespace modelops::runtime
