// Informer + controller against the dev API server with fault injection: 10% 500s on every verb,
// every watch closed every 2 s, a forced 410 (history compaction while the informer is behind), and
// a 10 s outage (MODELOPS_IT_OUTAGE_MS overrides the length). Afterwards, with the faults off, the
// informer cache must equal the server's state and the test reconciler must have seen the final
// state (resourceVersion, or absence) of every object it ever heard of.
// Thread-safety: the test thread writes; the informer and controller threads are stopped at the end.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <random>

#include "fakes/wait.h"
#include "harness.h"
#include "modelops/kube/client.h"
#include "modelops/runtime/controller.h"
#include "modelops/runtime/informer.h"
#include "modelops/runtime/metrics.h"

namespace modelops::runtime {
namespace {

using namespace std::chrono_literals;
using kube::Json;
using testing::waitFor;

const kube::Resource kSecrets{"", "v1", "secrets", "Secret", true};
const kube::Resource kNamespaces{"", "v1", "namespaces", "Namespace", false};
constexpr const char* kNs = "it";

// Records the latest state the reconciler read from the cache for every key.
class RecordingReconciler : public Reconciler {
 public:
  explicit RecordingReconciler(const kube::Resource& r) : resource_(r) {}
  ReconcileResult reconcile(const ReconcileRequest& req, ReconcileContext& ctx) override {
    auto obj = ctx.caches.cache(resource_)->get(req.ns, req.name);
    std::lock_guard lock(mu_);
    seen_[req.key()] = obj ? resourceVersionOf(*obj) : "absent";
    return ReconcileResult::done();
  }
  std::map<std::string, std::string> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  const kube::Resource& resource_;
  std::mutex mu_;
  std::map<std::string, std::string> seen_;
};

// Retries a write through faults (the client also retries 5xx itself).
template <class F>
bool retry(F f) {
  for (int i = 0; i < 50; ++i) {
    auto r = f();
    if (r.ok()) return true;
    if (r.error().isNotFound() || r.error().isAlreadyExists()) return true;  // an earlier attempt landed
  }
  return false;
}

Json cm(const std::string& name, int value) {
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}, {"namespace", kNs}}},
          {"data", {{"v", std::to_string(value)}}}};
}

TEST(RuntimeIntegration, InformerAndControllerConvergeAfterFaults) {
  SystemClock clock;
  RealSleeper sleeper;
  auto server = devserver::DevServer::start({}).value();
  auto admin = testing::clientFor(*server, clock, 5);
  auto informerClient = testing::clientFor(*server, clock, 2);
  ASSERT_TRUE(admin && informerClient);
  ASSERT_TRUE(retry([&] { return admin->create(kNamespaces, "", {{"metadata", {{"name", kNs}}}}); }));

  RuntimeMetrics metrics;
  InformerOptions opts;
  opts.ns = kNs;
  opts.pageSize = 7;  // several pages per list
  opts.backoffInitial = 100ms;
  opts.backoffMax = 2s;  // shortened from 30 s so the test recovers quickly after the outage
  opts.watchTimeoutSeconds = 60;
  InformerSet informers;
  auto& informer = informers.add(std::make_unique<Informer>(*informerClient, kube::resources::configMaps(), clock, sleeper, opts, &metrics));
  WorkQueue queue(clock, sleeper, {}, &metrics);
  RecordingReconciler reconciler(kube::resources::configMaps());
  Controller controller(reconciler, queue, *informerClient, clock, informers, nullptr, &metrics);
  informer.addHandler(controller.enqueueHandler());
  controller.start();
  controller.startLeading();

  std::mt19937 rng(5);
  std::vector<std::string> names;
  for (int i = 0; i < 20; ++i) {
    names.push_back("cm-" + std::to_string(i));
    ASSERT_TRUE(retry([&] { return admin->create(kube::resources::configMaps(), kNs, cm(names.back(), 0)); }));
  }
  informers.startAll();
  ASSERT_TRUE(informers.waitForSync(30s));
  // The informer's first watch is open before the faults are set (otherwise which happened first
  // would be a race): the watch-close fault below must also end a stream opened before it.
  ASSERT_TRUE(waitFor([&] { return server->openWatches() == 1; }, 30s));

  auto& faults = server->faults();
  faults.setErrorRate("*", {0.10, 500, 1});
  faults.setWatchCloseInterval(2s);
  auto churn = [&](int ops) {
    for (int i = 0; i < ops; ++i) {
      int pick = static_cast<int>(rng() % 10);
      if (pick < 2) {
        names.push_back("cm-" + std::to_string(names.size()));
        ASSERT_TRUE(retry([&] { return admin->create(kube::resources::configMaps(), kNs, cm(names.back(), i)); }));
      } else if (pick < 3) {
        std::string victim = names[rng() % names.size()];
        ASSERT_TRUE(retry([&] { return admin->remove(kube::resources::configMaps(), kNs, victim); }));
      } else {
        std::string target = names[rng() % names.size()];
        ASSERT_TRUE(retry([&] {
          return admin->patch(kube::resources::configMaps(), kNs, target, kube::PatchType::Merge, {{"data", {{"v", std::to_string(i)}}}});
        }));
      }
    }
  };
  churn(150);

  // Forced 410: keep the informer disconnected (every watch request fails; the open one ends within
  // 2 s), move the global resourceVersion past it with a write to another resource, drop the
  // history, then let it reconnect from its now too old resourceVersion.
  auto relistsBefore = informer.relists();
  faults.setErrorRate("watch", {1.0, 500, 1});
  ASSERT_TRUE(waitFor([&] { return server->openWatches() == 0; }, 30s));
  ASSERT_TRUE(retry([&] {
    return admin->create(kSecrets, kNs, {{"metadata", {{"name", "bump"}, {"namespace", kNs}}}, {"data", Json::object()}});
  }));
  faults.forceCompaction();
  faults.setErrorRate("watch", {0.10, 500, 1});
  ASSERT_TRUE(waitFor([&] { return informer.relists() > relistsBefore; }, 30s)) << "no relist after forced 410";
  churn(50);

  // Outage: every request answers 503.
  int outageMs = 10000;
  if (const char* env = std::getenv("MODELOPS_IT_OUTAGE_MS")) outageMs = std::atoi(env);
  faults.startOutage(std::chrono::milliseconds(outageMs));
  ASSERT_TRUE(waitFor([&] { return !faults.inOutage(); }, std::chrono::milliseconds(outageMs) + 10s));
  churn(100);
  faults.reset();

  // Converged: the cache equals the server, and the reconciler saw every object's final state.
  auto serverState = [&] {
    std::map<std::string, std::string> state;
    auto list = admin->list(kube::resources::configMaps(), kNs);
    if (!list.ok()) return state;
    for (auto& item : list->items) state[objectKey(item)] = resourceVersionOf(item);
    return state;
  };
  auto cacheState = [&] {
    std::map<std::string, std::string> state;
    for (auto& obj : informer.cache().list()) state[objectKey(*obj)] = resourceVersionOf(*obj);
    return state;
  };
  std::map<std::string, std::string> expected = serverState();
  ASSERT_FALSE(expected.empty());
  ASSERT_TRUE(waitFor([&] { return cacheState() == expected; }, 60s))
      << "cache " << cacheState().size() << " objects, server " << expected.size();
  ASSERT_TRUE(waitFor(
      [&] {
        auto seen = reconciler.seen();
        for (auto& name : names) {
          std::string key = std::string(kNs) + "/" + name;
          auto it = expected.find(key);
          std::string want = it == expected.end() ? "absent" : it->second;
          auto s = seen.find(key);
          if (s == seen.end() || s->second != want) return false;
        }
        return true;
      },
      60s));
  auto text = metrics.render();
  EXPECT_NE(text.find("modelops_watch_restarts_total{resource=\"configmaps\"}"), std::string::npos);
  EXPECT_GE(informer.relists(), 2u);

  EXPECT_TRUE(controller.shutdown(5s));
  informers.stopAll();
  server->stop();
}

}  // namespace
}  // namespace modelops::runtime
