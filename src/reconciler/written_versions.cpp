// WrittenVersions: see the header for why a reconcile waits for the cache to show its own writes.
// Thread-safety: one mutex around the map.
#include "modelops/reconciler/written_versions.h"

#include <charconv>
#include <optional>

namespace modelops::reconciler {

namespace {
std::optional<unsigned long long> numericVersion(const std::string& rv) {
  unsigned long long value = 0;
  const char* end = rv.data() + rv.size();
  auto [ptr, ec] = std::from_chars(rv.data(), end, value);
  if (rv.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}
}  // namespace

void WrittenVersions::wrote(const std::string& key, const std::string& resourceVersion) {
  auto rv = numericVersion(resourceVersion);
  std::lock_guard lock(mu_);
  if (!rv) {
    written_.erase(key);
    return;
  }
  auto& newest = written_[key];
  if (*rv > newest) newest = *rv;
}

bool WrittenVersions::cacheIsBehind(const std::string& key, const std::string& cachedResourceVersion) {
  std::lock_guard lock(mu_);
  auto it = written_.find(key);
  if (it == written_.end()) return false;
  auto cached = numericVersion(cachedResourceVersion);
  if (cached && *cached < it->second) return true;
  written_.erase(it);  // caught up (or not comparable): nothing to wait for any more
  return false;
}

void WrittenVersions::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  written_.erase(key);
}

std::size_t WrittenVersions::size() const {
  std::lock_guard lock(mu_);
  return written_.size();
}

}  // namespace modelops::reconciler
