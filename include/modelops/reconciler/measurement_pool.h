// MeasurementPool: runs analysis measurements off the reconcile workers. A reconcile asks for the
// measurement of (object, key) - the key names the ModelDeployment's uid and generation, the
// analysis epoch (newest recorded run) and the request - and gets one of:
//   Ready    - a finished result; the reconcile hands it to the planner and calls consumed() once
//              the status holding it is written (until then a retry gets the same result again);
//   Pending  - queued or running (single-flight: asking again never starts a second one); the pool
//              calls the ready callback with the object key when it finishes, so the reconcile is
//              re-queued instead of waiting;
//   Consumed - already handed over and written (a reconcile from a cache that does not show that
//              status yet must not measure again);
//   Busy     - the queue is full; the reconcile retries later (never an error verdict).
// Bounds: at most maxInFlight jobs run, at most maxPerProvider per provider (scheme://host:port) -
// a job counts against every provider it queries - and at most maxQueued wait. A new key for the
// same object makes the old one stale: queued work is dropped, running work is cancelled and its
// result discarded. Finished results expire after resultTtl. A job whose term token (the
// controller's leadership term) is cancelled is cancelled too, and its result discarded: a
// cancelled measurement is no verdict on the model. shutdown() cancels everything and waits.
// Jobs run on an Executor (a thread pool in production, a manual one in tests).
// Thread-safety: every public member may be called from any thread; the ready callback runs on the
// thread that finished the job, without the pool's lock held.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "modelops/common/cancel.h"
#include "modelops/common/clock.h"
#include "modelops/rollout/planner.h"

namespace modelops::reconciler {

// Runs tasks somewhere else. run() must not block on the task.
class Executor {
 public:
  virtual ~Executor() = default;
  virtual void run(std::function<void()> task) = 0;
};

// A fixed set of threads; the destructor finishes queued tasks and joins.
class ThreadExecutor final : public Executor {
 public:
  explicit ThreadExecutor(std::size_t threads);
  ~ThreadExecutor() override;
  ThreadExecutor(const ThreadExecutor&) = delete;
  ThreadExecutor& operator=(const ThreadExecutor&) = delete;
  void run(std::function<void()> task) override;

 private:
  void loop();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// What the pool reports for /metrics (MeasurementMetrics); called without the pool's lock held.
class MeasurementPoolObserver {
 public:
  virtual ~MeasurementPoolObserver() = default;
  virtual void depth(std::size_t inFlight, std::size_t queued) = 0;
  // outcome: "measured" (a result stored), "cancelled" (stale, forgotten, leadership lost or shutdown),
  // "failed" (the measurer threw). seconds: how long the job ran.
  virtual void finished(const char* outcome, double seconds) = 0;
  virtual void refused() = 0;  // the queue was full (Busy)
};

struct MeasurementPoolOptions {
  MeasurementPoolObserver* observer = nullptr;  // may be null
  std::size_t maxInFlight = 8;
  std::size_t maxPerProvider = 2;
  std::size_t maxQueued = 256;
  std::chrono::milliseconds resultTtl{std::chrono::minutes(2)};
};

struct FinishedMeasurement {
  rollout::Measurement measurement;
  WallTime startedAt;   // when the job began to query its providers
  WallTime finishedAt;
};

struct MeasurementJob {
  std::string object;                  // "ns/name": what the ready callback re-queues
  std::string key;                     // identifies the request (see above)
  std::vector<std::string> providers;  // scheme://host:port of every provider it queries
  CancelToken term;                    // cancelled on leadership loss
  std::function<rollout::Measurement(const CancelToken&)> measure;
};

class MeasurementPool {
 public:
  enum class State { Ready, Pending, Consumed, Busy };
  struct Answer {
    State state = State::Pending;
    std::optional<FinishedMeasurement> result;  // set when Ready
  };
  using ReadyCallback = std::function<void(const std::string& object)>;

  MeasurementPool(Executor& executor, Clock& clock, MeasurementPoolOptions options = {});
  ~MeasurementPool();
  MeasurementPool(const MeasurementPool&) = delete;
  MeasurementPool& operator=(const MeasurementPool&) = delete;

  // Set before the first ask(); called with the job's object when a job's result is stored.
  void setReadyCallback(ReadyCallback callback);

  Answer ask(MeasurementJob job);
  // The result of (object, key) was written to status: later asks for it answer Consumed.
  void consumed(const std::string& object, const std::string& key);
  // The object is gone: drop its entry, cancelling any running job.
  void forget(const std::string& object);
  // Cancels running jobs, drops queued ones and refuses new ones; waits up to grace for running
  // jobs to return. False when some are still running.
  bool shutdown(std::chrono::milliseconds grace);

  std::size_t inFlight() const;
  std::size_t queued() const;

 private:
  enum class Phase { Queued, Running, Ready, Consumed };
  struct Entry {
    std::string key;
    Phase phase = Phase::Queued;
    std::uint64_t id = 0;  // tells a running job whether its entry is still the one it serves
    MeasurementJob job;       // moved into the task when it starts
    CancelToken cancel;       // this job's own token
    std::size_t termCallback = 0;  // its registration on job.term
    std::optional<FinishedMeasurement> result;
  };
  using Lock = std::unique_lock<std::mutex>;

  void dispatchLocked(std::vector<std::function<void()>>& toRun);
  bool providersFreeLocked(const std::vector<std::string>& providers) const;
  void runJob(const std::string& object, std::uint64_t id, MeasurementJob job, CancelToken cancel,
              std::size_t termCallback);
  void releaseLocked(const std::vector<std::string>& providers);
  void dropLocked(std::map<std::string, Entry>::iterator it);
  void expireLocked();
  void reportDepth();

  Executor& executor_;
  Clock& clock_;
  MeasurementPoolOptions options_;
  ReadyCallback ready_;
  mutable std::mutex mu_;
  std::condition_variable idle_;
  std::map<std::string, Entry> entries_;  // one per object: only its newest key matters
  std::deque<std::pair<std::string, std::uint64_t>> queue_;  // (object, id) in arrival order
  std::map<std::string, std::size_t> perProvider_;
  std::size_t running_ = 0;
  std::uint64_t nextId_ = 0;
  bool stopped_ = false;
};

}  // namespace modelops::reconciler
