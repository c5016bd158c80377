// Retry decisions and delays; see include/modelops/kube/retry.h for the policy and why.
// Thread-safety: pure functions.
#include "retry.h"

#include <algorithm>

namespace modelops::kube {

bool isIdempotent(Verb verb) { return verb == Verb::Get || verb == Verb::Put || verb == Verb::Delete; }

bool shouldRetry(Verb verb, const ApiError& error, bool sentRequest) {
  if (error.code == 0) {
    if (error.reason == "Cancelled" || error.reason == "TLSError" || error.reason == "AuthError" ||
        error.reason == "BadResponse")
      return false;
    return isIdempotent(verb) || !sentRequest;
  }
  if (error.code == 429) return true;
  if (error.code == 503) return true;
  if (error.code >= 500 && error.code != 501) return isIdempotent(verb);
  return false;
}

std::chrono::milliseconds retryDelay(const RetryPolicy& policy, int retry, const ApiError& error, double jitterUnit) {
  using std::chrono::milliseconds;
  if (error.retryAfterSeconds && *error.retryAfterSeconds > 0)
    return std::min<milliseconds>(milliseconds(*error.retryAfterSeconds * 1000LL), policy.maxRetryAfter);
  long long base = policy.initialBackoff.count();
  for (int i = 1; i < retry && base < policy.maxBackoff.count(); ++i) base *= 2;
  base = std::min<long long>(base, policy.maxBackoff.count());
  double unit = std::clamp(jitterUnit, 0.0, 1.0);
  return milliseconds(static_cast<long long>(static_cast<double>(base) * (0.5 + 0.5 * unit)));
}

}  // namespace modelops::kube
