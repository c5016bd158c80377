// WrittenVersions: read-your-writes for the reconciler. After this process writes a ModelDeployment's
// status it remembers the resourceVersion the API server returned; a later reconcile that reads an
// older version from the informer cache (the watch has not delivered the write yet) must not act on it:
// it would plan from the state before the write and could, for example, raise a canary's weight again
// right after the rollback it just recorded (a routing write has no precondition on the
// ModelDeployment). The informer delivers the written version and re-queues the key.
// resourceVersions are compared as numbers (etcd's and the dev server's are); a version that is not a
// number is never held back (only the equality of such versions would be meaningful).
// Thread-safety: all members may be called concurrently.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace modelops::reconciler {

class WrittenVersions {
 public:
  // This process wrote `key` and the server answered with `resourceVersion`.
  void wrote(const std::string& key, const std::string& resourceVersion);
  // True when the cache's `resourceVersion` for `key` is older than the newest one written; forgets the
  // written version once the cache has caught up.
  bool cacheIsBehind(const std::string& key, const std::string& cachedResourceVersion);
  void forget(const std::string& key);
  std::size_t size() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, unsigned long long> written_;
};

}  // namespace modelops::reconciler
