// Informer tests against FakeKubeClient and FakeClock: paged initial list, watch add/update/delete,
// bookmarks, reconnect with backoff after a stream end, 410 relist delivering the difference
// (deletes included), expired continue token, stripping, resync, indexes.
// Thread-safety: each test owns its informer and stops it before returning.
#include "modelops/kube/client.h"
#include "modelops/runtime/informer.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "fakes/fake_clock.h"
#include "fakes/fake_kube_client.h"
#include "fakes/wait.h"
#include "modelops/runtime/metrics.h"

namespace modelops::runtime {
namespace {

using namespace std::chrono_literals;
using testing::FakeClock;
using testing::FakeKubeClient;
using testing::waitFor;

const kube::Resource kServices{"", "v1", "services", "Service", true};

Json cm(const std::string& ns, const std::string& name, const std::string& value = "v") {
  return {{"metadata", {{"namespace", ns}, {"name", name}, {"labels", {{"app", value}}}}}, {"data", {{"k", value}}}};
}

// Records what handlers saw.
struct Recorder {
  std::mutex mu;
  std::vector<std::string> events;  // "add ns/name", "update ns/name rv->rv", "delete ns/name"
  EventHandler handler() {
    return {[this](const Json& o) { push("add " + objectKey(o)); },
            [this](const Json& a, const Json& b) {
              push("update " + objectKey(b) + " " + resourceVersionOf(a) + "->" + resourceVersionOf(b));
            },
            [this](const Json& o) { push("delete " + objectKey(o)); }};
  }
  void push(std::string s) {
    std::lock_guard lock(mu);
    events.push_back(std::move(s));
  }
  std::size_t size() {
    std::lock_guard lock(mu);
    return events.size();
  }
  std::vector<std::string> take() {
    std::lock_guard lock(mu);
    return std::exchange(events, {});
  }
  std::size_t count(const std::string& prefix) {
    std::lock_guard lock(mu);
    return std::count_if(events.begin(), events.end(), [&](auto& e) { return e.rfind(prefix, 0) == 0; });
  }
};

struct InformerFixture {
  FakeClock clock;
  FakeKubeClient client;
  RuntimeMetrics metrics;
  Recorder rec;
  std::unique_ptr<Informer> informer;
  void start(InformerOptions opts = {}) {
    opts.seed = 7;
    informer = std::make_unique<Informer>(client, kube::resources::configMaps(), clock, clock, opts, &metrics);
    informer->addHandler(rec.handler());
    informer->start();
    ASSERT_TRUE(informer->waitForSync(10s));
    ASSERT_TRUE(client.waitForWatches(1));
  }
};

TEST(Informer, PagedInitialListFillsCacheAndSyncs) {
  InformerFixture f;
  for (int i = 0; i < 1203; ++i) f.client.put(kube::resources::configMaps(), cm("ns", "cm-" + std::to_string(i)));
  f.start();
  EXPECT_TRUE(f.informer->hasSynced());
  EXPECT_EQ(f.informer->cache().size(), 1203u);
  EXPECT_EQ(f.rec.count("add "), 1203u);
  auto calls = f.client.calls();
  std::vector<FakeKubeClient::Call> lists;
  for (auto& c : calls) if (c.verb == "list") lists.push_back(c);
  ASSERT_EQ(lists.size(), 3u);  // 500 + 500 + 203
  EXPECT_EQ(lists[0].list.limit, 500);
  EXPECT_TRUE(lists[0].list.continueToken.empty());
  EXPECT_FALSE(lists[1].list.continueToken.empty());
  // The watch starts from the list's resourceVersion, with bookmarks.
  auto watches = std::find_if(calls.begin(), calls.end(), [](auto& c) { return c.verb == "watch"; });
  ASSERT_NE(watches, calls.end());
  EXPECT_EQ(watches->watch.resourceVersion, f.client.resourceVersion());
  EXPECT_TRUE(watches->watch.allowBookmarks);
  f.informer->stop();
}

TEST(Informer, WatchDeliversAddUpdateDeleteAndKeepsCache) {
  InformerFixture f;
  f.client.put(kube::resources::configMaps(), cm("a", "one"));
  f.start();
  f.rec.take();
  auto two = f.client.put(kube::resources::configMaps(), cm("a", "two"));
  auto one = f.client.put(kube::resources::configMaps(), cm("a", "one", "changed"));
  f.client.erase(kube::resources::configMaps(), "a", "two");
  ASSERT_TRUE(waitFor([&] { return f.rec.size() >= 3; }));
  auto ev = f.rec.take();
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0], "add a/two");
  EXPECT_EQ(ev[1].rfind("update a/one", 0), 0u);
  EXPECT_EQ(ev[2], "delete a/two");
  EXPECT_EQ(f.informer->cache().size(), 1u);
  EXPECT_EQ((*f.informer->cache().get("a", "one"))["data"]["k"], "changed");
  EXPECT_EQ(f.informer->cache().get("a", "two"), nullptr);
  f.informer->stop();
}

TEST(Informer, BookmarkMovesResourceVersionUsedOnReconnect) {
  InformerFixture f;
  f.start();
  // Changes to another resource move the cluster's resourceVersion but are not ours.
  for (int i = 0; i < 5; ++i) f.client.put(kServices, cm("a", "svc" + std::to_string(i)));
  std::string latest = f.client.resourceVersion();
  EXPECT_NE(f.informer->lastResourceVersion(), latest);
  f.client.sendBookmark();
  ASSERT_TRUE(waitFor([&] { return f.informer->lastResourceVersion() == latest; }));
  EXPECT_EQ(f.rec.size(), 0u);  // bookmarks are not events
  f.client.closeWatches();
  ASSERT_TRUE(f.clock.waitForSleepers(1));
  f.clock.advanceToNextSleeper();
  ASSERT_TRUE(waitFor([&] { return f.client.countCalls("watch") == 2; }));
  EXPECT_EQ(f.client.calls().back().watch.resourceVersion, latest);
  f.informer->stop();
}

TEST(Informer, StreamEndReconnectsWithJitteredDoublingBackoff) {
  InformerFixture f;
  f.start();
  auto t0 = f.clock.monotonic();
  f.client.closeWatches();
  ASSERT_TRUE(f.clock.waitForSleepers(1));
  auto d1 = f.clock.sleeperDeadlines().front() - t0;
  EXPECT_GE(d1, 800ms);
  EXPECT_LT(d1, 1200ms);
  // Changes while disconnected arrive after the reconnect (watch resumes from the last version).
  f.client.put(kube::resources::configMaps(), cm("a", "during-outage"));
  f.client.failNext("watch", testing::makeApiError(500, "InternalError", "boom"));
  f.clock.advanceToNextSleeper();
  // The reconnect fails: the next wait is about twice as long.
  ASSERT_TRUE(waitFor([&] { return f.clock.sleepers() == 1 && f.clock.sleeperDeadlines().front() > f.clock.monotonic(); }));
  auto d2 = f.clock.sleeperDeadlines().front() - f.clock.monotonic();
  EXPECT_GE(d2, 1600ms);
  EXPECT_LT(d2, 2400ms);
  f.clock.advanceToNextSleeper();
  ASSERT_TRUE(waitFor([&] { return f.rec.count("add a/during-outage") == 1; }));
  EXPECT_EQ(f.client.countCalls("list"), 1u);  // no relist needed
  EXPECT_NE(f.metrics.render().find("modelops_watch_restarts_total{resource=\"configmaps\"} 2"), std::string::npos);
  // That watch delivered an event, so it was healthy: the backoff starts over at 800 ms.
  f.client.closeWatches();
  ASSERT_TRUE(f.clock.waitForSleepers(1));
  auto d3 = f.clock.sleeperDeadlines().front() - f.clock.monotonic();
  EXPECT_GE(d3, 800ms);
  EXPECT_LT(d3, 1200ms);
  f.informer->stop();
}

TEST(Informer, GoneRelistsAndDeliversTheDifferenceIncludingDeletes) {
  InformerFixture f;
  for (const char* n : {"keep", "change", "vanish"}) f.client.put(kube::resources::configMaps(), cm("a", n));
  f.start();
  f.rec.take();
  // While the watch is down, history moves on and is compacted away.
  f.client.closeWatches();
  ASSERT_TRUE(f.clock.waitForSleepers(1));
  f.client.put(kube::resources::configMaps(), cm("a", "change", "new"));
  f.client.erase(kube::resources::configMaps(), "a", "vanish");
  f.client.put(kube::resources::configMaps(), cm("a", "born"));
  f.client.compact();
  f.clock.advanceToNextSleeper();
  ASSERT_TRUE(waitFor([&] { return f.informer->relists() == 2 && f.rec.size() >= 3; }));
  auto ev = f.rec.take();
  std::sort(ev.begin(), ev.end());
  ASSERT_EQ(ev.size(), 3u) << ::testing::PrintToString(ev);
  EXPECT_EQ(ev[0], "add a/born");
  EXPECT_EQ(ev[1], "delete a/vanish");
  EXPECT_EQ(ev[2].rfind("update a/change", 0), 0u);
  EXPECT_EQ(f.informer->cache().size(), 3u);
  // After the relist, the watch resumes from the new list's version.
  ASSERT_TRUE(f.client.waitForWatches(1));
  f.client.put(kube::resources::configMaps(), cm("a", "after"));
  ASSERT_TRUE(waitFor([&] { return f.rec.count("add a/after") == 1; }));
  f.informer->stop();
}

TEST(Informer, GoneErrorEventOnOpenWatchTriggersRelist) {
  InformerFixture f;
  f.client.put(kube::resources::configMaps(), cm("a", "x"));
  f.start();
  f.client.sendWatchError(410, "Expired", "too old resource version");
  ASSERT_TRUE(waitFor([&] { return f.informer->relists() == 2; }));
  EXPECT_EQ(f.client.countCalls("list"), 2u);
  EXPECT_EQ(f.rec.count("add "), 1u);  // unchanged objects are not delivered again
  f.informer->stop();
}

TEST(Informer, ExpiredContinueTokenRestartsListUnpaged) {
  InformerFixture f;
  for (int i = 0; i < 12; ++i) f.client.put(kube::resources::configMaps(), cm("a", "c" + std::to_string(i)));
  bool compacted = false;
  f.client.setFault([&](const FakeKubeClient::Call& c) -> std::optional<kube::ApiError> {
    if (c.verb == "list" && !c.list.continueToken.empty() && !compacted) {
      compacted = true;
      f.client.compact();
    }
    return std::nullopt;
  });
  InformerOptions opts;
  opts.pageSize = 5;
  f.start(opts);
  EXPECT_EQ(f.informer->cache().size(), 12u);
  EXPECT_EQ(f.rec.count("add "), 12u);
  auto calls = f.client.calls();
  EXPECT_TRUE(std::any_of(calls.begin(), calls.end(), [](auto& c) { return c.verb == "list" && c.list.limit == 0; }));
  f.informer->stop();
}

TEST(Informer, StripsManagedFieldsAndLastAppliedAnnotation) {
  InformerFixture f;
  Json obj = cm("a", "big");
  obj["metadata"]["managedFields"] = Json::array({{{"manager", "kubectl"}}});
  obj["metadata"]["annotations"] = {{"kubectl.kubernetes.io/last-applied-configuration", "{...}"}, {"keep", "me"}};
  f.client.put(kube::resources::configMaps(), obj);
  f.start();
  auto cached = f.informer->cache().get("a", "big");
  ASSERT_NE(cached, nullptr);
  EXPECT_FALSE((*cached)["metadata"].contains("managedFields"));
  EXPECT_EQ((*cached)["metadata"]["annotations"], Json({{"keep", "me"}}));
  f.informer->stop();
}

TEST(Informer, PeriodicResyncRedeliversCachedObjects) {
  InformerFixture f;
  f.client.put(kube::resources::configMaps(), cm("a", "x"));
  f.client.put(kube::resources::configMaps(), cm("a", "y"));
  InformerOptions opts;
  opts.resyncPeriod = 30s;
  f.start(opts);
  f.rec.take();
  ASSERT_TRUE(f.clock.waitForSleepers(1));
  f.clock.advance(30s);
  ASSERT_TRUE(waitFor([&] { return f.rec.count("update ") == 2; }));
  f.informer->stop();
}

TEST(ObjectCache, IndexesFollowOwnerAndLabelChanges) {
  ObjectCache cache;
  Json a = cm("ns", "a", "blue");
  a["metadata"]["ownerReferences"] = Json::array({{{"uid", "owner-1"}, {"kind", "ModelDeployment"}, {"name", "m"}}});
  cache.upsert(std::make_shared<const Json>(a));
  EXPECT_EQ(cache.byOwner("owner-1").size(), 1u);
  EXPECT_EQ(cache.byLabel("app", "blue").size(), 1u);
  Json a2 = cm("ns", "a", "green");
  cache.upsert(std::make_shared<const Json>(a2));
  EXPECT_EQ(cache.byOwner("owner-1").size(), 0u);
  EXPECT_EQ(cache.byLabel("app", "blue").size(), 0u);
  EXPECT_EQ(cache.byLabel("app", "green").size(), 1u);
  EXPECT_EQ(cache.list("ns").size(), 1u);
  EXPECT_EQ(cache.list("other").size(), 0u);
  EXPECT_NE(cache.erase("ns/a"), nullptr);
  EXPECT_EQ(cache.byLabel("app", "green").size(), 0u);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(splitObjectKey("ns/a"), std::make_pair(std::string("ns"), std::string("a")));
  EXPECT_EQ(splitObjectKey("cluster"), std::make_pair(std::string(""), std::string("cluster")));
}

TEST(ObjectCache, StoresCompactlyAndDecodesEveryValueFaithfully) {
  ObjectCache cache;
  Json obj = cm("ns", "typed");
  obj["metadata"]["resourceVersion"] = "42";
  obj["spec"] = {{"replicas", 3},     {"negative", -7},          {"big", 18446744073709551615ULL},
                 {"ratio", 0.1},      {"exact", 0.5},            {"on", true},
                 {"nothing", nullptr}, {"text", "caf\u00e9 \u2713"}, {"list", {1, "two", {{"three", 3.25}}}},
                 {"empty", Json::object()}, {"none", Json::array()}};
  auto stored = std::make_shared<const Json>(obj);
  EXPECT_EQ(cache.upsert(stored), nullptr);
  auto got = cache.get("ns", "typed");
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(*got, obj);
  EXPECT_EQ(got->dump(), obj.dump());  // same types too (integers stay integers, unsigned stays unsigned)
  EXPECT_NE(got, stored);              // every reader gets its own immutable copy
  EXPECT_EQ(cache.resourceVersionByKey("ns/typed"), "42");
  EXPECT_EQ(cache.resourceVersionByKey("ns/missing"), "");
  EXPECT_GT(cache.encodedBytes(), 0u);
  EXPECT_LT(cache.encodedBytes(), obj.dump().size());
  Json next = obj;
  next["metadata"]["resourceVersion"] = "43";
  auto previous = cache.upsert(std::make_shared<const Json>(next));
  ASSERT_NE(previous, nullptr);
  EXPECT_EQ(*previous, obj);
  EXPECT_EQ(cache.resourceVersionByKey("ns/typed"), "43");
  EXPECT_EQ(*cache.erase("ns/typed"), next);
  EXPECT_EQ(cache.encodedBytes(), 0u);
  EXPECT_EQ(cache.getByKey("ns/typed"), nullptr);
}

TEST(ObjectCache, IndexesSurviveRehashingOfManyObjects) {
  ObjectCache cache;
  for (int i = 0; i < 2000; ++i) {
    Json o = cm("ns", "o" + std::to_string(i), i % 2 ? "odd" : "even");
    o["metadata"]["ownerReferences"] = Json::array({{{"uid", "owner-" + std::to_string(i % 10)}}});
    cache.upsert(std::make_shared<const Json>(o));
  }
  EXPECT_EQ(cache.byLabel("app", "odd").size(), 1000u);
  EXPECT_EQ(cache.byOwner("owner-3").size(), 200u);
  for (const auto& o : cache.byOwner("owner-3")) EXPECT_EQ((*o)["metadata"]["ownerReferences"][0]["uid"], "owner-3");
  for (int i = 0; i < 2000; i += 2) cache.erase("ns/o" + std::to_string(i));
  EXPECT_EQ(cache.byLabel("app", "even").size(), 0u);
  EXPECT_EQ(cache.byLabel("app", "odd").size(), 1000u);
  EXPECT_EQ(cache.byOwner("owner-3").size(), 200u);
  EXPECT_EQ(cache.byOwner("owner-2").size(), 0u);
}

}  // namespace
}  // namespace modelops::runtime
