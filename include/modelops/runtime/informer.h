// Informer: keeps an ObjectCache of one resource in step with the API server and tells handlers
// what changed. It lists (paged, `pageSize` per page with continue tokens), then watches from the
// list's resourceVersion with bookmarks; every stream end or error reconnects after a jittered
// exponential backoff (800 ms doubling to 30 s, reset after a watch that delivered events).
// BOOKMARKs only move the resourceVersion. On 410 Gone (an ERROR event with code 410, or a list or
// watch call failing with 410) it relists from scratch and delivers the difference against the
// cache: adds, updates (resourceVersion changed) and deletes for objects that vanished meanwhile,
// so handlers never miss a final state. Optional periodic resync re-delivers every cached object as
// an update. Objects are stored compactly: managedFields and the last-applied annotation are
// stripped on ingest unless disabled.
// The list is delivered page by page as it arrives, so only one page of parsed objects is alive
// besides the (compact, see object_cache.h) cache.
// Handlers run on the informer's thread (or the resync thread), one at a time; they should only
// enqueue keys. Register them before start().
// InformerSet owns the informers of one process and answers "are all caches synced?".
// Thread-safety: start/stop from one owner thread; cache(), hasSynced(), waitForSync() from any.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "modelops/common/cancel.h"
#include "modelops/common/clock.h"
#include "modelops/kube/client.h"
#include "modelops/runtime/object_cache.h"
#include "modelops/runtime/sleeper.h"

namespace modelops::runtime {

class RuntimeMetrics;

struct EventHandler {
  std::function<void(const Json& object)> onAdd;
  std::function<void(const Json& oldObject, const Json& newObject)> onUpdate;
  std::function<void(const Json& lastKnown)> onDelete;
};

struct InformerOptions {
  std::string ns;  // empty: all namespaces (cluster-wide)
  std::string labelSelector;
  std::string fieldSelector;  // e.g. "metadata.name=x": one object (RBAC by resourceNames allows list/watch of it)
  std::int64_t pageSize = 500;
  std::chrono::milliseconds resyncPeriod{0};  // 0: no periodic resync
  std::chrono::milliseconds backoffInitial{800};
  std::chrono::milliseconds backoffMax{30000};
  double jitter = 0.5;  // a wait is backoff * (1 + jitter * U[0,1))
  std::uint64_t seed = 0;  // 0: seed from std::random_device
  int watchTimeoutSeconds = 300;
  bool stripManagedFields = true;  // drop metadata.managedFields and the last-applied annotation
};

class Informer {
 public:
  Informer(kube::KubeClient& client, kube::Resource resource, Clock& clock, Sleeper& sleeper,
           InformerOptions options = {}, RuntimeMetrics* metrics = nullptr);
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void addHandler(EventHandler handler);
  void start();
  void stop();  // cancels the watch and joins; idempotent

  const ObjectCache& cache() const { return cache_; }
  const kube::Resource& resource() const { return resource_; }
  bool hasSynced() const { return synced_.load(); }
  bool waitForSync(std::chrono::milliseconds timeout) const;
  std::string lastResourceVersion() const;
  std::uint64_t relists() const { return relists_.load(); }

 private:
  void run();
  void resyncLoop();
  bool listAndReplace();  // false on failure
  // Stores one list page's objects and tells handlers; `seen` collects their keys.
  void deliverListed(std::vector<Json> items, std::unordered_set<std::string>& seen);
  enum class WatchEnd { Ended, Gone, Failed, Cancelled };
  WatchEnd watchOnce(bool& sawEvents);
  void apply(kube::WatchEvent::Type type, Json object);
  Json ingest(Json object) const;
  bool backoffSleep();
  void setResourceVersion(const std::string& rv);

  kube::KubeClient& client_;
  kube::Resource resource_;
  Clock& clock_;
  Sleeper& sleeper_;
  InformerOptions options_;
  RuntimeMetrics* metrics_;
  ObjectCache cache_;
  std::vector<EventHandler> handlers_;
  std::mutex deliverMu_;  // serialises handler calls between the watch and resync threads
  CancelToken cancel_;
  std::thread thread_, resyncThread_;
  std::atomic<bool> synced_{false};
  std::atomic<std::uint64_t> relists_{0};
  mutable std::mutex mu_;
  mutable std::condition_variable syncedCv_;
  std::string resourceVersion_;
  std::chrono::milliseconds backoff_;
  std::mt19937_64 rng_;
};

class InformerSet {
 public:
  Informer& add(std::unique_ptr<Informer> informer);
  // The informer of a resource (by group and plural); null when none was added.
  Informer* find(const kube::Resource& resource) const;
  const ObjectCache* cache(const kube::Resource& resource) const;
  void startAll();
  void stopAll();
  bool allSynced() const;
  bool waitForSync(std::chrono::milliseconds timeout) const;

 private:
  std::map<std::string, std::unique_ptr<Informer>> informers_;
};

}  // namespace modelops::runtime
