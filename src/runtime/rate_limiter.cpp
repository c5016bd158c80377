// Per-key exponential backoff and token bucket for the work queue. See rate_limiter.h.
// Thread-safety: each object guards its state with its own mutex.
#include "modelops/runtime/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace modelops::runtime {

Duration ItemExponentialBackoff::when(const std::string& key) {
  std::lock_guard lock(mu_);
  int exp = failures_[key]++;
  // 2^exp overflows long before the cap matters: compare in floating point first.
  double delay = static_cast<double>(base_.count()) * std::pow(2.0, std::min(exp, 200));
  if (delay >= static_cast<double>(max_.count())) return max_;
  return Duration(static_cast<Duration::rep>(delay));
}

void ItemExponentialBackoff::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

int ItemExponentialBackoff::failures(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

TokenBucket::TokenBucket(Clock& clock, double qps, int burst)
    : clock_(clock), qps_(qps), burst_(std::max(1, burst)), tokens_(burst_), last_(clock.monotonic()) {}

Duration TokenBucket::reserve() {
  std::lock_guard lock(mu_);
  auto now = clock_.monotonic();
  if (now > last_) {
    double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
    last_ = now;
  }
  tokens_ -= 1.0;
  if (tokens_ >= 0.0 || qps_ <= 0.0) return Duration::zero();
  // Negative tokens are a debt: the caller waits until it is paid back.
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(-tokens_ / qps_));
}

Duration DefaultRateLimiter::when(const std::string& key) {
  return std::max(backoff_.when(key), bucket_.reserve());
}

}  // namespace modelops::runtime
