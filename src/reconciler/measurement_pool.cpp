// MeasurementPool and ThreadExecutor; see include/modelops/reconciler/measurement_pool.h.
// Locking: mu_ guards everything but executor_ and ready_; the executor and the callback are called
// with mu_ released (a callback that enqueues must not wait on the pool, and a manual executor in
// tests may run a task at once).
#include "modelops/reconciler/measurement_pool.h"

#include <exception>

#include "modelops/common/logging.h"

namespace modelops::reconciler {

ThreadExecutor::ThreadExecutor(std::size_t threads) {
  if (threads == 0) threads = 1;
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { loop(); });
}

ThreadExecutor::~ThreadExecutor() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void ThreadExecutor::run(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void ThreadExecutor::loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping, and everything queued has run
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

MeasurementPool::MeasurementPool(Executor& executor, Clock& clock, MeasurementPoolOptions options)
    : executor_(executor), clock_(clock), options_(options) {
  if (options_.maxInFlight == 0) options_.maxInFlight = 1;
  if (options_.maxPerProvider == 0) options_.maxPerProvider = 1;
}

MeasurementPool::~MeasurementPool() {
  if (shutdown(std::chrono::seconds(5))) return;
  // Running jobs capture `this`: the pool cannot go before they return (they were cancelled).
  logWarn("measurements still running after cancellation; waiting for them");
  Lock lock(mu_);
  idle_.wait(lock, [this] { return running_ == 0; });
}

void MeasurementPool::setReadyCallback(ReadyCallback callback) {
  std::lock_guard lock(mu_);
  ready_ = std::move(callback);
}

MeasurementPool::Answer MeasurementPool::ask(MeasurementJob job) {
  std::vector<std::function<void()>> toRun;
  Answer answer;
  {
    Lock lock(mu_);
    if (stopped_) return {State::Busy, std::nullopt};
    expireLocked();
    auto it = entries_.find(job.object);
    if (it != entries_.end() && it->second.key == job.key) {
      switch (it->second.phase) {
        case Phase::Ready: return {State::Ready, it->second.result};
        case Phase::Consumed: return {State::Consumed, std::nullopt};
        default: return {State::Pending, std::nullopt};
      }
    }
    if (it != entries_.end()) dropLocked(it);  // a newer request for the object: the old one is stale
    if (queue_.size() >= options_.maxQueued) {
      lock.unlock();
      if (options_.observer) options_.observer->refused();
      return {State::Busy, std::nullopt};
    }
    Entry e;
    e.key = job.key;
    e.id = ++nextId_;
    auto object = job.object;
    auto cancel = e.cancel;
    // The term's token lives for a whole leadership term: the registration is removed when the job ends.
    e.termCallback = job.term.onCancel([cancel] { cancel.cancel(); });
    e.job = std::move(job);
    queue_.emplace_back(object, e.id);
    entries_.emplace(object, std::move(e));
    dispatchLocked(toRun);
    answer.state = State::Pending;
  }
  for (auto& task : toRun) executor_.run(std::move(task));
  reportDepth();
  return answer;
}

void MeasurementPool::reportDepth() {
  if (!options_.observer) return;
  std::size_t inFlight = 0, queued = 0;
  {
    std::lock_guard lock(mu_);
    inFlight = running_;
    queued = queue_.size();
  }
  options_.observer->depth(inFlight, queued);
}

void MeasurementPool::consumed(const std::string& object, const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(object);
  if (it == entries_.end() || it->second.key != key || it->second.phase != Phase::Ready) return;
  it->second.phase = Phase::Consumed;
  it->second.result->measurement = {};  // only its times are kept (for expiry)
}

void MeasurementPool::forget(const std::string& object) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(object);
  if (it != entries_.end()) dropLocked(it);
}

bool MeasurementPool::shutdown(std::chrono::milliseconds grace) {
  Lock lock(mu_);
  stopped_ = true;
  while (!entries_.empty()) dropLocked(entries_.begin());
  queue_.clear();
  return idle_.wait_for(lock, grace, [this] { return running_ == 0; });
}

std::size_t MeasurementPool::inFlight() const {
  std::lock_guard lock(mu_);
  return running_;
}

std::size_t MeasurementPool::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

bool MeasurementPool::providersFreeLocked(const std::vector<std::string>& providers) const {
  for (const auto& p : providers) {
    auto it = perProvider_.find(p);
    if (it != perProvider_.end() && it->second >= options_.maxPerProvider) return false;
  }
  return true;
}

void MeasurementPool::releaseLocked(const std::vector<std::string>& providers) {
  for (const auto& p : providers)
    if (auto it = perProvider_.find(p); it != perProvider_.end() && --it->second == 0) perProvider_.erase(it);
}

// Starts queued jobs in arrival order while there is room; a job whose provider is full waits
// without holding up jobs for other providers.
void MeasurementPool::dispatchLocked(std::vector<std::function<void()>>& toRun) {
  for (auto q = queue_.begin(); q != queue_.end() && running_ < options_.maxInFlight;) {
    auto it = entries_.find(q->first);
    if (it == entries_.end() || it->second.id != q->second || it->second.phase != Phase::Queued) {
      q = queue_.erase(q);  // dropped meanwhile
      continue;
    }
    auto& e = it->second;
    if (!providersFreeLocked(e.job.providers)) {
      ++q;
      continue;
    }
    for (const auto& p : e.job.providers) ++perProvider_[p];
    ++running_;
    e.phase = Phase::Running;
    toRun.push_back([this, object = q->first, id = e.id, job = std::move(e.job), cancel = e.cancel,
                     termCallback = e.termCallback]() mutable {
      runJob(object, id, std::move(job), cancel, termCallback);
    });
    q = queue_.erase(q);
  }
}

void MeasurementPool::runJob(const std::string& object, std::uint64_t id, MeasurementJob job, CancelToken cancel,
                             std::size_t termCallback) {
  auto started = clock_.now();
  rollout::Measurement measured;
  bool failed = false;
  if (!cancel.cancelled()) {
    try {
      measured = job.measure(cancel);
    } catch (const std::exception& e) {  // a bug, not a verdict: log it and measure again later
      failed = true;
      logError("measurement failed", {{"object", object}, {"err", e.what()}});
    }
  }
  job.term.removeCallback(termCallback);
  auto finished = clock_.now();
  bool notify = false;
  ReadyCallback ready;
  std::vector<std::function<void()>> toRun;
  {
    std::lock_guard lock(mu_);
    --running_;
    releaseLocked(job.providers);
    auto it = entries_.find(object);
    if (it != entries_.end() && it->second.id == id) {
      if (cancel.cancelled() || failed) {
        entries_.erase(it);  // no result: the next ask measures again
      } else {
        it->second.phase = Phase::Ready;
        it->second.result = FinishedMeasurement{std::move(measured), started, finished};
      }
      notify = !stopped_;
    }
    if (!stopped_) dispatchLocked(toRun);
    ready = ready_;
    idle_.notify_all();
  }
  for (auto& task : toRun) executor_.run(std::move(task));
  if (options_.observer) {
    options_.observer->finished(failed ? "failed" : cancel.cancelled() ? "cancelled" : "measured",
                                std::chrono::duration<double>(finished - started).count());
    reportDepth();
  }
  if (notify && ready) ready(object);
}

// Removes an entry; a running job is cancelled and its result will find no entry to fill.
void MeasurementPool::dropLocked(std::map<std::string, Entry>::iterator it) {
  auto& e = it->second;
  if (e.phase == Phase::Queued) {
    e.job.term.removeCallback(e.termCallback);
    std::erase_if(queue_, [id = e.id](const auto& q) { return q.second == id; });
  }
  if (e.phase == Phase::Running || e.phase == Phase::Queued) e.cancel.cancel();
  entries_.erase(it);
}

void MeasurementPool::expireLocked() {
  auto now = clock_.now();
  for (auto it = entries_.begin(); it != entries_.end();) {
    const auto& e = it->second;
    bool done = e.phase == Phase::Ready || e.phase == Phase::Consumed;
    if (done && e.result && now - e.result->finishedAt > options_.resultTtl) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace modelops::reconciler
