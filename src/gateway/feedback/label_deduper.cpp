// WindowDeduper and the default batch form of LabelDeduper. See label_deduper.h.
// Thread-safety: WindowDeduper guards its buckets with one mutex (held for a hash lookup per bucket).
#include "modelops/gateway/feedback/label_deduper.h"

#include <algorithm>
#include <functional>

namespace modelops::gateway {

std::vector<bool> LabelDeduper::markFirstBatch(const std::vector<std::string>& keys, std::int64_t nowMs,
                                               const std::vector<std::int64_t>& ttlMs) {
  std::vector<bool> out;
  out.reserve(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) out.push_back(markFirst(keys[i], nowMs, ttlMs[i]));
  return out;
}

WindowDeduper::WindowDeduper(WindowDeduperOptions options) : options_(options) {
  options_.buckets = std::max<std::size_t>(1, options_.buckets);
  options_.windowMs = std::max<std::int64_t>(1, options_.windowMs);
  bucketMs_ = std::max<std::int64_t>(1, options_.windowMs / std::int64_t(options_.buckets));
}

void WindowDeduper::expireLocked(std::int64_t nowMs) {
  // A bucket leaves the window once its newest possible key is older than windowMs.
  while (!buckets_.empty() && buckets_.front().startMs + bucketMs_ + options_.windowMs <= nowMs) {
    size_ -= buckets_.front().keys.size();
    buckets_.erase(buckets_.begin());
  }
}

bool WindowDeduper::markFirst(std::string_view key, std::int64_t nowMs, std::int64_t /*ttlMs*/) {
  // The window covers the ids' whole validity (windowMs is the id max age), so the per-key ttl adds nothing.
  const std::uint64_t hash = std::hash<std::string_view>{}(key);
  std::lock_guard lock(mutex_);
  expireLocked(nowMs);
  for (const auto& bucket : buckets_) {
    if (bucket.keys.count(hash) != 0) return false;
  }
  const std::int64_t start = nowMs - ((nowMs % bucketMs_) + bucketMs_) % bucketMs_;
  if (buckets_.empty() || buckets_.back().startMs < start) buckets_.push_back(Bucket{start, {}});
  // Clock steps backwards land in the newest bucket: it only makes that key live a little longer.
  if (size_ >= options_.maxKeys) {
    while (size_ >= options_.maxKeys && buckets_.size() > 1) {
      evictedEarly_ += buckets_.front().keys.size();
      size_ -= buckets_.front().keys.size();
      buckets_.erase(buckets_.begin());
    }
    if (size_ >= options_.maxKeys) {  // one bucket holds the whole cap: start over rather than grow
      evictedEarly_ += size_;
      buckets_.back().keys.clear();
      size_ = 0;
    }
  }
  buckets_.back().keys.insert(hash);
  ++size_;
  return true;
}

std::size_t WindowDeduper::size() const {
  std::lock_guard lock(mutex_);
  return size_;
}

std::uint64_t WindowDeduper::evictedEarly() const {
  std::lock_guard lock(mutex_);
  return evictedEarly_;
}

}  // namespace modelops::gateway
