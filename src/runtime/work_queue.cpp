// WorkQueue implementation. See work_queue.h for the contract.
// Thread-safety: every member takes mu_; observer callbacks run under mu_ and must not call back.
#include "modelops/runtime/work_queue.h"

namespace modelops::runtime {

WorkQueue::WorkQueue(Clock& clock, Sleeper& sleeper, RateLimiterConfig config, WorkQueueObserver* observer)
    : clock_(clock), sleeper_(sleeper), limiter_(clock, config), observer_(observer) {}

void WorkQueue::add(const std::string& key) {
  std::lock_guard lock(mu_);
  addLocked(key);
}

void WorkQueue::addLocked(const std::string& key) {
  if (shuttingDown_) return;
  if (dirty_.count(key)) return;
  dirty_.emplace(key, clock_.monotonic());
  if (processing_.count(key)) return;  // re-queued by done()
  queue_.push_back(key);
  reportDepthLocked();
  cv_.notify_one();
}

void WorkQueue::addAfter(const std::string& key, Duration delay) {
  std::lock_guard lock(mu_);
  if (shuttingDown_) return;
  if (delay <= Duration::zero()) {
    addLocked(key);
    return;
  }
  auto readyAt = clock_.monotonic() + delay;
  auto it = delayedAt_.find(key);
  if (it != delayedAt_.end() && it->second <= readyAt) return;  // an earlier deadline already waits
  delayedAt_[key] = readyAt;
  delayed_.push({readyAt, seq_++, key});
  // Wake one waiting worker so it re-computes how long to wait.
  cv_.notify_one();
}

void WorkQueue::addRateLimited(const std::string& key) { addAfter(key, limiter_.when(key)); }

void WorkQueue::forget(const std::string& key) { limiter_.forget(key); }

int WorkQueue::numRequeues(const std::string& key) const { return limiter_.numRequeues(key); }

void WorkQueue::promoteDueLocked() {
  auto now = clock_.monotonic();
  while (!delayed_.empty() && delayed_.top().readyAt <= now) {
    Delayed d = delayed_.top();
    delayed_.pop();
    auto it = delayedAt_.find(d.key);
    // Stale heap entries (superseded by an earlier deadline) are skipped.
    if (it == delayedAt_.end() || it->second != d.readyAt) continue;
    delayedAt_.erase(it);
    addLocked(d.key);
  }
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (shuttingDown_) return std::nullopt;
    promoteDueLocked();
    if (!paused_ && !queue_.empty()) break;
    if (!delayed_.empty()) {
      sleeper_.waitUntil(lock, cv_, delayed_.top().readyAt);
    } else {
      cv_.wait(lock);
    }
  }
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  auto it = dirty_.find(key);
  if (it != dirty_.end()) {
    if (observer_) {
      observer_->queueLatency(std::chrono::duration<double>(clock_.monotonic() - it->second).count());
    }
    dirty_.erase(it);
  }
  reportDepthLocked();
  return key;
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard lock(mu_);
  processing_.erase(key);
  if (dirty_.count(key) && !shuttingDown_) {
    queue_.push_back(key);
    reportDepthLocked();
    cv_.notify_one();
  }
  if (processing_.empty()) idle_.notify_all();
}

void WorkQueue::pause() {
  std::lock_guard lock(mu_);
  paused_ = true;
}

void WorkQueue::resume() {
  std::lock_guard lock(mu_);
  paused_ = false;
  cv_.notify_all();
}

bool WorkQueue::paused() const {
  std::lock_guard lock(mu_);
  return paused_;
}

void WorkQueue::shutDown() {
  std::lock_guard lock(mu_);
  shuttingDown_ = true;
  cv_.notify_all();
}

bool WorkQueue::waitForIdle(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return idle_.wait_for(lock, timeout, [&] { return processing_.empty(); });
}

std::size_t WorkQueue::len() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

std::size_t WorkQueue::delayedLen() const {
  std::lock_guard lock(mu_);
  return delayedAt_.size();
}

std::size_t WorkQueue::processingLen() const {
  std::lock_guard lock(mu_);
  return processing_.size();
}

void WorkQueue::reportDepthLocked() {
  if (observer_) observer_->queueDepth(queue_.size());
}

}  // namespace modelops::runtime
