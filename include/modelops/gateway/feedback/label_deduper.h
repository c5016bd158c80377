// LabelDeduper: "has a label for this prediction id been counted already?". A label is counted only when
// markFirst answers true. WindowDeduper remembers ids in memory per replica (bounded: time buckets over a
// window, capped in keys); RedisDeduper (redis_deduper.h) shares the answer across replicas through Redis.
// Thread-safety: implementations are safe to call from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace modelops::gateway {

class LabelDeduper {
 public:
  virtual ~LabelDeduper() = default;
  // True when key was not seen within the window (and records it). ttlMs: how long the key must be remembered
  // (the id's remaining validity); nowMs: wall-clock time.
  virtual bool markFirst(std::string_view key, std::int64_t nowMs, std::int64_t ttlMs) = 0;
  // Batch form (one round trip for a remote store); default: markFirst per key. Result[i] is for keys[i].
  virtual std::vector<bool> markFirstBatch(const std::vector<std::string>& keys, std::int64_t nowMs,
                                           const std::vector<std::int64_t>& ttlMs);
};

struct WindowDeduperOptions {
  std::int64_t windowMs = 7LL * 24 * 3600 * 1000;  // keys older than this are forgotten (the id max age)
  std::size_t maxKeys = 200'000;                    // about 8 MiB; beyond it the oldest bucket is dropped early
  std::size_t buckets = 16;                         // the window is split in this many time slices
};

// Keys are remembered as 64-bit hashes in time buckets; a key is forgotten when its bucket leaves the window, or
// earlier when maxKeys is reached (the oldest bucket goes first; evictedEarly() counts those keys).
class WindowDeduper final : public LabelDeduper {
 public:
  explicit WindowDeduper(WindowDeduperOptions options = {});
  bool markFirst(std::string_view key, std::int64_t nowMs, std::int64_t ttlMs) override;
  std::size_t size() const;
  std::uint64_t evictedEarly() const;
  const WindowDeduperOptions& options() const { return options_; }

 private:
  struct Bucket {
    std::int64_t startMs;
    std::unordered_set<std::uint64_t> keys;
  };
  void expireLocked(std::int64_t nowMs);
  WindowDeduperOptions options_;
  std::int64_t bucketMs_;
  mutable std::mutex mutex_;
  std::vector<Bucket> buckets_;  // oldest first
  std::size_t size_ = 0;
  std::uint64_t evictedEarly_ = 0;
};

}  // namespace modelops::gateway
