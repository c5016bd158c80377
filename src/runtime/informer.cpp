// Informer and InformerSet implementation. See informer.h for the contract.
// Thread-safety: the run loop owns the watch; resourceVersion_ and sync state are under mu_;
// handler calls are serialised by deliverMu_.
#include "modelops/runtime/informer.h"

#include <malloc.h>

#include <algorithm>
#include <unordered_set>

#include "modelops/common/logging.h"
#include "modelops/runtime/metrics.h"

namespace modelops::runtime {

namespace {
std::string describeError(const kube::ApiError& e) {
  return std::to_string(e.code) + " " + e.reason + ": " + e.message;
}
}  // namespace

Informer::Informer(kube::KubeClient& client, kube::Resource resource, Clock& clock, Sleeper& sleeper,
                   InformerOptions options, RuntimeMetrics* metrics)
    : client_(client),
      resource_(std::move(resource)),
      clock_(clock),
      sleeper_(sleeper),
      options_(std::move(options)),
      metrics_(metrics),
      backoff_(options_.backoffInitial),
      rng_(options_.seed ? options_.seed : std::random_device{}()) {}

Informer::~Informer() { stop(); }

void Informer::addHandler(EventHandler handler) { handlers_.push_back(std::move(handler)); }

void Informer::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
  if (options_.resyncPeriod.count() > 0) resyncThread_ = std::thread([this] { resyncLoop(); });
}

void Informer::stop() {
  cancel_.cancel();
  if (thread_.joinable()) thread_.join();
  if (resyncThread_.joinable()) resyncThread_.join();
}

bool Informer::waitForSync(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return syncedCv_.wait_for(lock, timeout, [&] { return synced_.load(); });
}

std::string Informer::lastResourceVersion() const {
  std::lock_guard lock(mu_);
  return resourceVersion_;
}

void Informer::setResourceVersion(const std::string& rv) {
  if (rv.empty()) return;
  std::lock_guard lock(mu_);
  resourceVersion_ = rv;
}

Json Informer::ingest(Json object) const {
  if (!options_.stripManagedFields) return object;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return object;
  meta->erase("managedFields");
  auto ann = meta->find("annotations");
  if (ann != meta->end() && ann->is_object()) {
    ann->erase("kubectl.kubernetes.io/last-applied-configuration");
    if (ann->empty()) meta->erase(ann);
  }
  return object;
}

bool Informer::backoffSleep() {
  double factor = 1.0 + options_.jitter * std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(backoff_ * factor);
  backoff_ = std::min(backoff_ * 2, options_.backoffMax);
  return sleeper_.sleepUntil(clock_.monotonic() + wait, cancel_);
}

void Informer::run() {
  bool needList = true;
  while (!cancel_.cancelled()) {
    if (needList) {
      if (!listAndReplace()) {
        if (!backoffSleep()) break;
        continue;
      }
      needList = false;
    }
    bool sawEvents = false;
    auto watchStarted = clock_.monotonic();
    WatchEnd end = watchOnce(sawEvents);
    if (end == WatchEnd::Cancelled || cancel_.cancelled()) break;
    if (metrics_) metrics_->watchRestarted(resource_.plural);
    if (end == WatchEnd::Gone) {
      // Our resourceVersion is older than the server's history: relist at once and diff.
      needList = true;
      continue;
    }
    // A stream that made progress (events or bookmarks) or lived long is healthy: start the backoff
    // over, so that quiet resources whose watches time out do not creep towards 30 s reconnects.
    bool healthy = sawEvents || clock_.monotonic() - watchStarted >= options_.backoffMax;
    if (healthy && end == WatchEnd::Ended) backoff_ = options_.backoffInitial;
    if (!backoffSleep()) break;
  }
}

bool Informer::listAndReplace() {
  // Each page is delivered as it arrives (objects whose resourceVersion differs from the cache's),
  // so at most one page of parsed objects is alive at a time: a large list never holds a second,
  // uncompressed copy of the cache. Objects missing from the complete list are deleted at the end.
  std::string listRv;
  kube::ListOptions opts;
  opts.labelSelector = options_.labelSelector;
  opts.fieldSelector = options_.fieldSelector;
  opts.limit = options_.pageSize;
  std::unordered_set<std::string> seen;
  for (int attempt = 0;; ++attempt) {
    seen.clear();
    opts.continueToken.clear();
    bool gone = false;
    for (;;) {
      auto page = client_.list(resource_, options_.ns, opts);
      if (!page) {
        if (page.error().isGone() && !opts.continueToken.empty()) {
          gone = true;  // the continue token expired: start over, unpaged
          break;
        }
        logWarn("list failed", {{"resource", resource_.plural}, {"err", describeError(page.error())}});
        return false;
      }
      if (listRv.empty() || opts.continueToken.empty()) listRv = page->resourceVersion;
      deliverListed(std::move(page->items), seen);
      if (page->continueToken.empty()) break;
      opts.continueToken = page->continueToken;
    }
    if (!gone) break;
    if (attempt == 1) return false;
    opts.limit = 0;
    listRv.clear();
  }

  {
    std::lock_guard deliver(deliverMu_);
    for (auto& key : cache_.keys()) {
      if (seen.count(key)) continue;
      auto gone = cache_.erase(key);
      if (!gone) continue;
      for (auto& h : handlers_) {
        if (h.onDelete) h.onDelete(*gone);
      }
    }
  }
  relists_++;
  // A large list parses many pages of JSON on this thread, in its own malloc arena; glibc keeps the
  // freed pages mapped, so the process would stay at its peak. Hand them back once the cache holds
  // the compact copies.
  malloc_trim(0);
  setResourceVersion(listRv);
  {
    std::lock_guard lock(mu_);
    synced_ = true;
  }
  syncedCv_.notify_all();
  backoff_ = options_.backoffInitial;
  return true;
}

void Informer::deliverListed(std::vector<Json> items, std::unordered_set<std::string>& seen) {
  std::lock_guard deliver(deliverMu_);
  for (auto& raw : items) {
    Json item = ingest(std::move(raw));
    std::string key = objectKey(item);
    seen.insert(key);
    std::string rv = resourceVersionOf(item);
    std::string cachedRv = cache_.resourceVersionByKey(key);
    bool unchanged = cachedRv.empty() ? rv.empty() && cache_.getByKey(key) : cachedRv == rv;
    if (unchanged) continue;
    auto obj = std::make_shared<const Json>(std::move(item));
    auto previous = cache_.upsert(obj);
    for (auto& h : handlers_) {
      if (previous && h.onUpdate) h.onUpdate(*previous, *obj);
      if (!previous && h.onAdd) h.onAdd(*obj);
    }
  }
}

Informer::WatchEnd Informer::watchOnce(bool& sawEvents) {
  kube::WatchOptions opts;
  opts.resourceVersion = lastResourceVersion();
  opts.labelSelector = options_.labelSelector;
  opts.fieldSelector = options_.fieldSelector;
  opts.allowBookmarks = true;
  opts.timeoutSeconds = options_.watchTimeoutSeconds;
  WatchEnd end = WatchEnd::Ended;
  auto result = client_.watch(
      resource_, options_.ns, opts,
      [&](const kube::WatchEvent& ev) {
        switch (ev.type) {
          case kube::WatchEvent::Type::Bookmark:
            sawEvents = true;
            setResourceVersion(resourceVersionOf(ev.object));
            return true;
          case kube::WatchEvent::Type::Error: {
            int code = ev.object.is_object() ? ev.object.value("code", 0) : 0;
            end = code == 410 ? WatchEnd::Gone : WatchEnd::Failed;
            logInfo("watch error event", {{"resource", resource_.plural}, {"code", code}});
            return false;
          }
          default:
            sawEvents = true;
            apply(ev.type, ev.object);
            return !cancel_.cancelled();
        }
      },
      cancel_);
  if (cancel_.cancelled()) return WatchEnd::Cancelled;
  if (!result) {
    if (result.error().isGone()) return WatchEnd::Gone;
    logWarn("watch failed", {{"resource", resource_.plural}, {"err", describeError(result.error())}});
    return WatchEnd::Failed;
  }
  return end;
}

void Informer::apply(kube::WatchEvent::Type type, Json object) {
  object = ingest(std::move(object));
  std::string rv = resourceVersionOf(object);
  std::lock_guard deliver(deliverMu_);
  if (type == kube::WatchEvent::Type::Deleted) {
    // The event carries the object's last state; deletes of objects we never saw are still delivered.
    cache_.erase(objectKey(object));
    for (auto& h : handlers_) {
      if (h.onDelete) h.onDelete(object);
    }
  } else {
    auto obj = std::make_shared<const Json>(std::move(object));
    auto previous = cache_.upsert(obj);
    for (auto& h : handlers_) {
      if (previous && h.onUpdate) h.onUpdate(*previous, *obj);
      if (!previous && h.onAdd) h.onAdd(*obj);
    }
  }
  setResourceVersion(rv);
}

void Informer::resyncLoop() {
  while (sleeper_.sleepUntil(clock_.monotonic() + options_.resyncPeriod, cancel_)) {
    if (!hasSynced()) continue;
    {
      std::lock_guard deliver(deliverMu_);
      for (auto& obj : cache_.list()) {
        for (auto& h : handlers_) {
          if (h.onUpdate) h.onUpdate(*obj, *obj);
        }
      }
    }
    malloc_trim(0);  // the pass decoded every cached object at once (see listAndReplace)
  }
}

// ---- InformerSet ----

namespace {
std::string resourceId(const kube::Resource& r) { return r.group + "/" + r.plural; }
}  // namespace

Informer& InformerSet::add(std::unique_ptr<Informer> informer) {
  auto& slot = informers_[resourceId(informer->resource())];
  slot = std::move(informer);
  return *slot;
}

Informer* InformerSet::find(const kube::Resource& resource) const {
  auto it = informers_.find(resourceId(resource));
  return it == informers_.end() ? nullptr : it->second.get();
}

const ObjectCache* InformerSet::cache(const kube::Resource& resource) const {
  auto* i = find(resource);
  return i ? &i->cache() : nullptr;
}

void InformerSet::startAll() {
  for (auto& [k, i] : informers_) i->start();
}

void InformerSet::stopAll() {
  for (auto& [k, i] : informers_) i->stop();
}

bool InformerSet::allSynced() const {
  return std::all_of(informers_.begin(), informers_.end(), [](auto& kv) { return kv.second->hasSynced(); });
}

bool InformerSet::waitForSync(std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto& [k, i] : informers_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (!i->waitForSync(std::max(left, std::chrono::milliseconds(0)))) return false;
  }
  return true;
}

}  // namespace modelops::runtime
