// ObjectStore and Watcher; see store.h.
// Thread-safety: mu_ guards objects, counter, history and the watcher list; each Watcher has its
// own mutex. Lock order: ObjectStore::mu_ before Watcher::mu_.
#include "store.h"

#include <algorithm>

#include "object_meta.h"

namespace modelops::devserver {

// ---- Watcher ----

Watcher::Pop Watcher::pop(WatchEvent& out, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  cv_.wait_until(lock, deadline, [&] { return closed_ || !queue_.empty(); });
  if (!queue_.empty()) {
    out = std::move(queue_.front());
    queue_.pop_front();
    return Pop::Event;
  }
  return closed_ ? Pop::Closed : Pop::Timeout;
}

void Watcher::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

bool Watcher::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

std::uint64_t Watcher::progressRv() const {
  std::lock_guard lock(mu_);
  return progressRv_;
}

void Watcher::push(WatchEvent ev, std::uint64_t rv) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    if (queue_.size() >= maxQueue_) {
      closed_ = true;  // a consumer this slow is dropped, as kube-apiserver does; clients re-watch
    } else {
      queue_.push_back(std::move(ev));
    }
    progressRv_ = std::max(progressRv_, rv);
  }
  cv_.notify_all();
}

void Watcher::offer(const std::string& type, const Json& object, const Json* oldObject, std::uint64_t rv) {
  if (!ns_.empty() && metaString(object, "namespace") != ns_) {
    std::lock_guard lock(mu_);
    progressRv_ = std::max(progressRv_, rv);
    return;
  }
  bool now = predicate_ ? predicate_(object) : true;
  bool before = oldObject && !oldObject->is_null() ? (predicate_ ? predicate_(*oldObject) : true) : false;
  std::string outType;
  const Json* payload = &object;
  if (type == "DELETED") {
    if (now) outType = "DELETED";
  } else if (now && before) {
    outType = "MODIFIED";
  } else if (now) {
    outType = "ADDED";
  } else if (before) {
    outType = "DELETED";  // left the selection: watchers see it go, as the watch cache reports it
  }
  if (outType.empty()) {
    std::lock_guard lock(mu_);
    progressRv_ = std::max(progressRv_, rv);
    return;
  }
  push(WatchEvent{outType, *payload}, rv);
}

// ---- ObjectStore ----

ObjectStore::ObjectStore(std::size_t historyLimit) : historyLimit_(std::max<std::size_t>(historyLimit, 1)) {}

void ObjectStore::setJournal(Journal* journal) {
  std::lock_guard lock(mu_);
  journal_ = journal;
}

std::optional<Json> ObjectStore::get(const std::string& storageKey, const std::string& ns,
                                     const std::string& name) const {
  std::lock_guard lock(mu_);
  auto r = objects_.find(storageKey);
  if (r == objects_.end()) return std::nullopt;
  auto it = r->second.find(itemKey(ns, name));
  if (it == r->second.end()) return std::nullopt;
  return it->second;
}

ObjectStore::Page ObjectStore::list(const std::string& storageKey, const std::string& ns,
                                    const std::string& startAfter, std::size_t limit,
                                    const std::function<bool(const Json&)>& pred) const {
  std::lock_guard lock(mu_);
  Page page;
  page.rv = rv_;
  auto r = objects_.find(storageKey);
  if (r == objects_.end()) return page;
  auto it = startAfter.empty() ? r->second.begin() : r->second.upper_bound(startAfter);
  const std::string prefix = ns + "/";
  auto inNamespace = [&](const std::string& key) { return ns.empty() || key.compare(0, prefix.size(), prefix) == 0; };
  for (; it != r->second.end(); ++it) {
    if (!inNamespace(it->first)) continue;
    if (pred && !pred(it->second)) continue;
    if (limit > 0 && page.items.size() >= limit) {
      page.more = true;
      break;
    }
    page.items.push_back(it->second);
    page.lastKey = it->first;
  }
  if (page.more && !pred) {
    // Without a selector the count of what remains is cheap (no object is looked at) and is reported,
    // as kube-apiserver does. With a selector it would cost evaluating it on every remaining object
    // for every page (quadratic over a paged list), and kube-apiserver omits it then too.
    page.remainingKnown = true;
    for (; it != r->second.end(); ++it)
      if (inNamespace(it->first)) ++page.remaining;
  }
  return page;
}

std::vector<Json> ObjectStore::all(const std::string& storageKey) const {
  std::lock_guard lock(mu_);
  std::vector<Json> out;
  auto r = objects_.find(storageKey);
  if (r == objects_.end()) return out;
  for (const auto& [k, v] : r->second) out.push_back(v);
  return out;
}

std::vector<std::string> ObjectStore::storageKeys() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [k, v] : objects_)
    if (!v.empty()) out.push_back(k);
  return out;
}

std::uint64_t ObjectStore::currentRv() const {
  std::lock_guard lock(mu_);
  return rv_;
}

std::uint64_t ObjectStore::oldestWatchableRv() const {
  std::lock_guard lock(mu_);
  return historyStart_;
}

void ObjectStore::recordLocked(const std::string& storageKey, const std::string& type, const Json& obj,
                               Json oldObj, std::uint64_t rv) {
  for (auto& w : watchers_)
    if (w->storageKey_ == storageKey) w->offer(type, obj, oldObj.is_null() ? nullptr : &oldObj, rv);
  history_.push_back(HistoryEntry{rv, storageKey, type, obj, std::move(oldObj)});
  while (history_.size() > historyLimit_) {
    historyStart_ = history_.front().rv;
    history_.pop_front();
  }
}

Json ObjectStore::put(const std::string& storageKey, Json obj) {
  std::lock_guard lock(mu_);
  std::uint64_t rv = ++rv_;
  obj["metadata"]["resourceVersion"] = std::to_string(rv);
  std::string ns = metaString(obj, "namespace"), name = metaString(obj, "name");
  if (journal_) journal_->append("put", storageKey, ns, name, obj, rv);
  auto& slot = objects_[storageKey][itemKey(ns, name)];
  Json old = std::move(slot);
  slot = obj;
  recordLocked(storageKey, old.is_null() ? "ADDED" : "MODIFIED", obj, std::move(old), rv);
  return obj;
}

Json ObjectStore::erase(const std::string& storageKey, Json finalObj) {
  std::lock_guard lock(mu_);
  std::uint64_t rv = ++rv_;
  finalObj["metadata"]["resourceVersion"] = std::to_string(rv);
  std::string ns = metaString(finalObj, "namespace"), name = metaString(finalObj, "name");
  if (journal_) journal_->append("delete", storageKey, ns, name, finalObj, rv);
  auto r = objects_.find(storageKey);
  if (r != objects_.end()) r->second.erase(itemKey(ns, name));
  recordLocked(storageKey, "DELETED", finalObj, Json(), rv);
  return finalObj;
}

std::shared_ptr<Watcher> ObjectStore::watch(const std::string& storageKey, const std::string& ns,
                                            std::uint64_t fromRv, Watcher::Predicate predicate,
                                            std::uint64_t* oldestOut) {
  std::lock_guard lock(mu_);
  if (oldestOut) *oldestOut = historyStart_;
  if (fromRv != 0 && fromRv < historyStart_) return nullptr;
  auto w = std::make_shared<Watcher>(storageKey, ns, std::move(predicate), 100000);
  if (fromRv == 0) {
    auto r = objects_.find(storageKey);
    if (r != objects_.end())
      for (const auto& [k, obj] : r->second) w->offer("ADDED", obj, nullptr, 0);
  } else {
    for (const auto& h : history_)
      if (h.rv > fromRv && h.storageKey == storageKey)
        w->offer(h.type, h.object, h.oldObject.is_null() ? nullptr : &h.oldObject, h.rv);
  }
  {
    std::lock_guard wl(w->mu_);
    w->progressRv_ = std::max(rv_, fromRv);
  }
  watchers_.push_back(w);
  return w;
}

void ObjectStore::unwatch(const std::shared_ptr<Watcher>& w) {
  std::lock_guard lock(mu_);
  watchers_.erase(std::remove(watchers_.begin(), watchers_.end(), w), watchers_.end());
}

void ObjectStore::closeAllWatchers() {
  std::lock_guard lock(mu_);
  for (auto& w : watchers_) w->close();
}

std::size_t ObjectStore::watcherCount() const {
  std::lock_guard lock(mu_);
  return watchers_.size();
}

void ObjectStore::compact() {
  std::lock_guard lock(mu_);
  history_.clear();
  historyStart_ = rv_;
}

void ObjectStore::restore(std::map<std::string, std::map<std::string, Json>> objects, std::uint64_t rv) {
  std::lock_guard lock(mu_);
  objects_ = std::move(objects);
  rv_ = rv;
  history_.clear();
  historyStart_ = rv;
}

std::pair<std::map<std::string, std::map<std::string, Json>>, std::uint64_t> ObjectStore::snapshot() const {
  std::lock_guard lock(mu_);
  return {objects_, rv_};
}

}  // namespace modelops::devserver
