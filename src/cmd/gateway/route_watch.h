// RouteWatch: keeps the gateway's routing table and signing keys in step with the cluster. One informer
// per served namespace over ModelDeployments (read-only: list and watch), one over the key Secret (by
// field selector, so RBAC can limit it to that one name). ModelDeployment changes only mark the table
// dirty; a rebuild thread builds a new RoutingTable from the caches and swaps it in whole, so a burst of
// events (the first list) costs one build, and a request never sees a half-built table.
// Thread-safety: start/stop from the owner thread; synced() from any.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "modelops/common/clock.h"
#include "modelops/common/sleeper.h"
#include "modelops/gateway/feedback/key_ring_source.h"
#include "modelops/gateway/proxy/gateway_hooks.h"
#include "modelops/gateway/routing/routing_table.h"
#include "modelops/kube/client.h"
#include "modelops/runtime/informer.h"

namespace modelops::cmd {

struct RouteWatchOptions {
  std::vector<std::string> namespaces;
  gateway::RoutingOptions routing;
  std::string keyNamespace, keySecret;
};

class RouteWatch {
 public:
  RouteWatch(kube::KubeClient& client, Clock& clock, Sleeper& sleeper, RouteWatchOptions options,
             gateway::proxy::RouteSource& routes, gateway::KeyRingSource& keys);
  ~RouteWatch();
  void start();
  void stop();
  // True once a table was built from ModelDeployment caches that had all synced.
  bool synced() const { return builtAfterSync_.load(); }

 private:
  void markDirty();
  void rebuildLoop();
  void rebuild();
  void loadKeys(const runtime::Json& secret);

  RouteWatchOptions options_;
  gateway::proxy::RouteSource& routes_;
  gateway::KeyRingSource& keys_;
  std::vector<std::unique_ptr<runtime::Informer>> modelInformers_;
  std::unique_ptr<runtime::Informer> keyInformer_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool dirty_ = false, stopping_ = false;
  std::atomic<bool> builtAfterSync_{false};
  std::string lastSummary_;  // rebuild thread only: logged when it changes
  std::thread rebuilder_;
};

}  // namespace modelops::cmd
