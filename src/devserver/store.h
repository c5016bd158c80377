// ObjectStore: every object the dev server holds, the global resourceVersion counter, the bounded
// event history and the live watchers. It knows nothing of API semantics (the ApiCore layer
// decides what to write); it assigns resourceVersions, keeps history for watch resumption, fans
// events out to watchers and forwards every committed change to an optional Journal first.
// Thread-safety: all members are safe to call concurrently. Read-modify-write sequences take
// writeLock() so that a read and the commit that depends on it are atomic.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace modelops::devserver {

using Json = nlohmann::json;

struct WatchEvent {
  std::string type;  // ADDED, MODIFIED, DELETED
  Json object;
};

// Receives every committed change before it becomes visible; persistence implements it.
class Journal {
 public:
  virtual ~Journal() = default;
  // op: "put" or "delete". Must be durable when it returns.
  virtual void append(const std::string& op, const std::string& storageKey, const std::string& ns,
                      const std::string& name, const Json& object, std::uint64_t rv) = 0;
};

// One watch stream's queue. The store pushes matching events; the HTTP handler pops them.
class Watcher {
 public:
  using Predicate = std::function<bool(const Json&)>;
  Watcher(std::string storageKey, std::string ns, Predicate predicate, std::size_t maxQueue)
      : storageKey_(std::move(storageKey)), ns_(std::move(ns)), predicate_(std::move(predicate)), maxQueue_(maxQueue) {}

  enum class Pop { Event, Timeout, Closed };
  // Waits until an event arrives, the deadline passes, or the watcher is closed.
  Pop pop(WatchEvent& out, std::chrono::steady_clock::time_point deadline);
  void close();
  bool closed() const;
  // The newest resourceVersion this watcher has been brought up to (for BOOKMARK events).
  std::uint64_t progressRv() const;

 private:
  friend class ObjectStore;
  void offer(const std::string& type, const Json& object, const Json* oldObject, std::uint64_t rv);
  void push(WatchEvent ev, std::uint64_t rv);

  const std::string storageKey_;
  const std::string ns_;  // empty: all namespaces
  const Predicate predicate_;
  const std::size_t maxQueue_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WatchEvent> queue_;
  std::uint64_t progressRv_ = 0;
  bool closed_ = false;
};

class ObjectStore {
 public:
  explicit ObjectStore(std::size_t historyLimit);

  std::unique_lock<std::mutex> writeLock() { return std::unique_lock(writeMu_); }
  void setJournal(Journal* journal);

  std::optional<Json> get(const std::string& storageKey, const std::string& ns, const std::string& name) const;
  struct Page {
    std::vector<Json> items;
    std::uint64_t rv = 0;        // the store's resourceVersion when read
    std::string lastKey;         // position of the last item returned, for continue tokens
    bool more = false;           // items remain after lastKey
    std::size_t remaining = 0;   // how many items remain after this page, when remainingKnown
    bool remainingKnown = false; // counted only for lists without a selector (as kube-apiserver)
  };
  // Items of storageKey in ns (empty: all), after startAfter ("ns/name"), matching pred, at most
  // limit (0: no limit).
  Page list(const std::string& storageKey, const std::string& ns, const std::string& startAfter, std::size_t limit,
            const std::function<bool(const Json&)>& pred) const;
  // Every object of a storage key (for GC, namespace deletion, CRD deletion).
  std::vector<Json> all(const std::string& storageKey) const;
  std::vector<std::string> storageKeys() const;
  std::uint64_t currentRv() const;
  // The oldest resourceVersion a watch may resume from; older ones are expired (410).
  std::uint64_t oldestWatchableRv() const;

  // Commits obj (metadata.namespace/name identify it), assigning the next resourceVersion and
  // writing it into metadata.resourceVersion. Returns the stored object.
  Json put(const std::string& storageKey, Json obj);
  // Removes the object; finalObj (the last state) is what DELETED events carry. Its
  // resourceVersion is set to a new counter value as the real server does.
  Json erase(const std::string& storageKey, Json finalObj);

  // Registers a watcher from resourceVersion fromRv (0: synthetic ADDED events for all current
  // matches first). nullptr when fromRv is older than the kept history (the caller answers 410).
  std::shared_ptr<Watcher> watch(const std::string& storageKey, const std::string& ns, std::uint64_t fromRv,
                                 Watcher::Predicate predicate, std::uint64_t* oldestOut = nullptr);
  void unwatch(const std::shared_ptr<Watcher>& w);
  // Closes every open watcher (server stop, fault injection); they end their streams.
  void closeAllWatchers();
  std::size_t watcherCount() const;
  // Drops all history: a watch from any resourceVersion older than now gets 410.
  void compact();

  // Persistence: replaces the whole state (used once at start, before serving).
  void restore(std::map<std::string, std::map<std::string, Json>> objects, std::uint64_t rv);
  // A consistent copy of everything, for snapshots.
  std::pair<std::map<std::string, std::map<std::string, Json>>, std::uint64_t> snapshot() const;

  static std::string itemKey(const std::string& ns, const std::string& name) { return ns + "/" + name; }

 private:
  struct HistoryEntry {
    std::uint64_t rv;
    std::string storageKey;
    std::string type;
    Json object;
    Json oldObject;  // null for ADDED
  };
  void recordLocked(const std::string& storageKey, const std::string& type, const Json& obj, Json oldObj,
                    std::uint64_t rv);

  std::mutex writeMu_;  // serialises read-modify-write in the layer above
  mutable std::mutex mu_;
  Journal* journal_ = nullptr;
  std::map<std::string, std::map<std::string, Json>> objects_;
  std::uint64_t rv_ = 0;
  std::deque<HistoryEntry> history_;
  std::size_t historyLimit_;
  std::uint64_t historyStart_ = 0;  // events with rv > historyStart_ are all in history_
  std::vector<std::shared_ptr<Watcher>> watchers_;
};

}  // namespace modelops::devserver
