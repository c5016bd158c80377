// RolloutStore: the dashboard's live view of the ModelDeployments in its scope (one namespace or all),
// kept by one list + watch stream (resumed from the last resourceVersion, relisted after 410 Gone or
// an error, with backoff). Pages read snapshots; the Server-Sent Events stream waits for the change
// counter to move, so a browser is told about a change when the watch delivers it, not by polling.
// Every version seen also feeds StatusSeries (charts when there is no Prometheus).
// Bounded: at most kMaxObjects objects are kept (the rest are counted and reported on the page).
// Thread-safety: all members are safe from any thread; run() blocks its caller until stop() fires.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/common/cancel.h"
#include "modelops/kube/client.h"
#include "status_series.h"

namespace modelops::plugin::dashboard {

class RolloutStore {
 public:
  static constexpr std::size_t kMaxObjects = 5000;

  // ns empty: every namespace.
  RolloutStore(kube::KubeClient& client, std::string ns);

  // The watch loop; returns when `stop` fires.
  void run(const CancelToken& stop);

  // Every object kept, ordered by namespace/name.
  std::vector<nlohmann::json> snapshot() const;
  std::optional<nlohmann::json> find(const std::string& ns, const std::string& name) const;
  // Increases with every change (and on a sync); starts at 0 before the first list.
  std::uint64_t version() const;
  bool synced() const;
  // "" while the watch works; else what went wrong last (shown on the pages).
  std::string lastError() const;
  std::size_t dropped() const;
  // Waits until version() > seen, `stop` fires or `timeout` passes; returns version().
  std::uint64_t waitForChange(std::uint64_t seen, std::chrono::milliseconds timeout, const CancelToken& stop) const;

  const StatusSeries& series() const { return series_; }
  const std::string& scopeNamespace() const { return ns_; }

 private:
  bool relist(std::string* resourceVersion);
  void apply(const kube::WatchEvent& ev);
  void put(const nlohmann::json& obj);
  void bump();
  void setError(const std::string& e);

  kube::KubeClient& client_;
  const std::string ns_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::map<std::string, nlohmann::json> objects_;  // "ns/name"
  std::uint64_t version_ = 0;
  bool synced_ = false;
  std::string error_;
  std::size_t dropped_ = 0;
  StatusSeries series_;
};

// "namespace/name" of an API object.
std::string objectKey(const nlohmann::json& obj);

}  // namespace modelops::plugin::dashboard
