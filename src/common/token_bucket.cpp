// Token bucket; see include/modelops/common/token_bucket.h.
// Thread-safety: one mutex guards the bucket.
#include "modelops/common/token_bucket.h"

#include <algorithm>

namespace modelops {

TokenBucket::TokenBucket(double qps, int burst, const Clock& clock)
    : qps_(qps), burst_(std::max(1, burst)), clock_(clock), tokens_(std::max(1, burst)), last_(clock.monotonic()) {}

void TokenBucket::refillLocked(Clock::MonoTime now) {
  if (now <= last_) return;
  double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
  last_ = now;
}

std::optional<std::chrono::nanoseconds> TokenBucket::reserve(std::chrono::nanoseconds maxWait) {
  if (qps_ <= 0) return std::chrono::nanoseconds(0);
  std::lock_guard lock(mu_);
  refillLocked(clock_.monotonic());
  if (tokens_ >= 1) {
    tokens_ -= 1;
    return std::chrono::nanoseconds(0);
  }
  // Waiting for the token that the refill will produce after the ones already promised.
  double seconds = (1 - tokens_) / qps_;
  auto wait = std::chrono::round<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds));
  if (wait > maxWait) return std::nullopt;
  tokens_ -= 1;
  return wait;
}

double TokenBucket::available() {
  if (qps_ <= 0) return burst_;
  std::lock_guard lock(mu_);
  refillLocked(clock_.monotonic());
  return tokens_;
}

}  // namespace modelops
