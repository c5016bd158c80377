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

Duration DefaultRateLimiter::when(const std::string& key) {
  return std::max(backoff_.when(key), bucket_.reserve().value_or(Duration::zero()));  // unbounded: always a value
}

}  // namespace modelops::runtime
