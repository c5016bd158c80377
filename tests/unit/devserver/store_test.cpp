// unit.devserver: ObjectStore (resourceVersions, history window, watch resumption and expiry,
// selector transitions, bookmarks' progress), request path parsing, discovery documents, the
// fault injector's determinism and persistence across a restart.
// Thread-safety: test thread only.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "fakes/fake_clock.h"
#include "modelops/devserver/faults.h"
#include "persistence.h"
#include "registry.h"
#include "request_info.h"
#include "store.h"

namespace modelops::devserver {
namespace {

using namespace std::chrono_literals;

Json obj(const std::string& name, const std::string& app = "") {
  Json o = {{"metadata", {{"name", name}, {"namespace", "ns"}}}};
  if (!app.empty()) o["metadata"]["labels"]["app"] = app;
  return o;
}

std::vector<std::string> drain(Watcher& w) {
  std::vector<std::string> out;
  WatchEvent ev;
  while (w.pop(ev, std::chrono::steady_clock::now()) == Watcher::Pop::Event)
    out.push_back(ev.type + " " + ev.object["metadata"].value("name", ""));
  return out;
}

TEST(StoreTest, ResourceVersionsIncreaseAcrossKinds) {
  ObjectStore store(100);
  auto a = store.put("/configmaps", obj("a"));
  auto b = store.put("apps/deployments", obj("b"));
  EXPECT_EQ(a["metadata"]["resourceVersion"], "1");
  EXPECT_EQ(b["metadata"]["resourceVersion"], "2");
  auto gone = store.erase("/configmaps", a);
  EXPECT_EQ(gone["metadata"]["resourceVersion"], "3");
  EXPECT_EQ(store.currentRv(), 3u);
  EXPECT_FALSE(store.get("/configmaps", "ns", "a"));
}

TEST(StoreTest, WatchResumesFromHistoryAndExpiresBeyondIt) {
  ObjectStore store(3);
  store.put("/configmaps", obj("a"));                  // rv 1
  auto b = store.put("/configmaps", obj("b"));         // rv 2
  store.put("/configmaps", b);                         // rv 3
  store.put("/configmaps", obj("c"));                  // rv 4
  auto w = store.watch("/configmaps", "", 2, nullptr);
  ASSERT_TRUE(w);
  EXPECT_EQ(drain(*w), (std::vector<std::string>{"MODIFIED b", "ADDED c"}));
  std::uint64_t oldest = 0;
  EXPECT_NE(store.watch("/configmaps", "", 0, nullptr, &oldest), nullptr);  // rv 0: synthetic ADDED events
  EXPECT_EQ(oldest, 1u);  // events after rv 1 are still kept
  EXPECT_NE(store.watch("/configmaps", "", 1, nullptr), nullptr);
  store.compact();
  EXPECT_EQ(store.watch("/configmaps", "", 3, nullptr), nullptr);
  EXPECT_NE(store.watch("/configmaps", "", 4, nullptr), nullptr);
  // Live events reach the earlier watcher.
  store.put("/configmaps", obj("d"));
  EXPECT_EQ(drain(*w), (std::vector<std::string>{"ADDED d"}));
  EXPECT_EQ(w->progressRv(), 5u);
}

TEST(StoreTest, InitialEventsAndSelectorTransitions) {
  ObjectStore store(100);
  store.put("/configmaps", obj("a", "web"));
  store.put("/configmaps", obj("b", "db"));
  auto w = store.watch("/configmaps", "ns", 0, [](const Json& o) {
    return o["metadata"].value("labels", Json::object()).value("app", "") == "web";
  });
  EXPECT_EQ(drain(*w), (std::vector<std::string>{"ADDED a"}));
  store.put("/configmaps", obj("b", "web"));  // enters the selection
  store.put("/configmaps", obj("a", "db"));   // leaves it
  store.put("/configmaps", obj("a", "db"));   // outside: nothing
  EXPECT_EQ(drain(*w), (std::vector<std::string>{"ADDED b", "DELETED a"}));
  EXPECT_EQ(w->progressRv(), store.currentRv());  // bookmarks may report the newest version
  store.closeAllWatchers();
  WatchEvent ev;
  EXPECT_EQ(w->pop(ev, std::chrono::steady_clock::now() + 1s), Watcher::Pop::Closed);
}

TEST(RequestInfoTest, ParsesKubernetesPaths) {
  auto i = parseRequestInfo("GET", "/apis/apps/v1/namespaces/ml/deployments/web/status", false);
  EXPECT_TRUE(i.isResource);
  EXPECT_EQ(i.group, "apps");
  EXPECT_EQ(i.ns, "ml");
  EXPECT_EQ(i.resource, "deployments");
  EXPECT_EQ(i.name, "web");
  EXPECT_EQ(i.subresource, "status");
  EXPECT_EQ(i.verb, "get");
  i = parseRequestInfo("GET", "/api/v1/namespaces/ml", false);
  EXPECT_EQ(i.resource, "namespaces");
  EXPECT_EQ(i.name, "ml");
  EXPECT_EQ(i.ns, "");
  i = parseRequestInfo("GET", "/api/v1/namespaces/ml/configmaps", true);
  EXPECT_EQ(i.verb, "watch");
  EXPECT_EQ(i.ns, "ml");
  i = parseRequestInfo("GET", "/api/v1/watch/namespaces/ml/configmaps", false);
  EXPECT_EQ(i.verb, "watch");
  i = parseRequestInfo("DELETE", "/api/v1/namespaces/ml/configmaps", false);
  EXPECT_EQ(i.verb, "deletecollection");
  i = parseRequestInfo("PATCH", "/apis/modelops.dev/v1alpha1/namespaces/ml/modeldeployments/x", false);
  EXPECT_EQ(i.verb, "patch");
  EXPECT_FALSE(parseRequestInfo("GET", "/version", false).isResource);
  EXPECT_FALSE(parseRequestInfo("GET", "/apis/apps", false).isResource);
}

TEST(RegistryTest, LegacyDiscoveryDocuments) {
  Registry r;
  auto v1 = r.resourceList("", "v1");
  ASSERT_TRUE(v1);
  EXPECT_EQ((*v1)["kind"], "APIResourceList");
  bool sawCm = false, sawDeployStatus = false;
  for (const auto& res : (*v1)["resources"])
    if (res["name"] == "configmaps") {
      sawCm = true;
      EXPECT_EQ(res["shortNames"], Json({"cm"}));
      EXPECT_EQ(res["namespaced"], true);
      EXPECT_EQ(res["kind"], "ConfigMap");
    }
  Json apps = *r.resourceList("apps", "v1");
  for (const auto& res : apps["resources"])
    if (res["name"] == "deployments/status") sawDeployStatus = true;
  EXPECT_TRUE(sawCm);
  EXPECT_TRUE(sawDeployStatus);
  auto groups = r.groupList();
  EXPECT_EQ(groups["kind"], "APIGroupList");
  EXPECT_EQ(groups["groups"][0]["name"], "apps");
  EXPECT_EQ(r.coreVersions("127.0.0.1:1")["versions"], Json({"v1"}));
  EXPECT_FALSE(r.group("nope.example.com"));
}

TEST(FaultInjectorTest, SameSeedSameFaults) {
  modelops::testing::FakeClock clock;
  auto sequence = [&](std::uint64_t seed) {
    FaultInjector f(clock, seed);
    f.setErrorRate("list", {0.5, 429, 3});
    std::string out;
    for (int i = 0; i < 64; ++i) {
      auto d = f.decide("list");
      out += d.errorCode ? 'E' : '.';
      if (d.errorCode) {
        EXPECT_EQ(d.retryAfterSeconds, 3);
      }
      EXPECT_FALSE(f.decide("get").errorCode);  // other verbs untouched
    }
    return out;
  };
  EXPECT_EQ(sequence(7), sequence(7));
  EXPECT_NE(sequence(7), sequence(8));
  EXPECT_NE(sequence(7).find('E'), std::string::npos);
  EXPECT_NE(sequence(7).find('.'), std::string::npos);
  FaultInjector f(clock, 1);
  f.startOutage(2s);
  EXPECT_EQ(f.decide("get").errorCode, 503);
  clock.advance(3s);
  EXPECT_FALSE(f.decide("get").errorCode);
  EXPECT_TRUE(f.configure(Json{{"errors", {{"get", {{"rate", 2}}}}}}).has_value());
  EXPECT_FALSE(f.configure(Json{{"latencyMs", 5}, {"errors", {{"*", {{"rate", 1}, {"code", 500}}}}}}).has_value());
  EXPECT_EQ(f.decide("create").errorCode, 500);
}

TEST(PersistenceTest, RestartKeepsObjectsAndCounter) {
  char tmpl[] = "/tmp/modelops-devserver-persist-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  {
    ObjectStore store(100);
    auto journal = FileJournal::open(dir, store);
    ASSERT_TRUE(journal.ok()) << journal.error().message;
    store.setJournal(journal->get());
    store.put("/configmaps", obj("a"));
    auto b = store.put("/configmaps", obj("b"));
    store.erase("/configmaps", b);
    store.setJournal(nullptr);
  }
  {
    ObjectStore store(100);
    auto journal = FileJournal::open(dir, store);  // replays the journal into a new snapshot
    ASSERT_TRUE(journal.ok());
    store.setJournal(journal->get());
    EXPECT_TRUE(store.get("/configmaps", "ns", "a"));
    EXPECT_FALSE(store.get("/configmaps", "ns", "b"));
    EXPECT_EQ(store.currentRv(), 3u);
    EXPECT_EQ(store.put("/configmaps", obj("c"))["metadata"]["resourceVersion"], "4");
    store.setJournal(nullptr);
  }
  {
    ObjectStore store(100);
    ASSERT_TRUE(FileJournal::open(dir, store).ok());
    EXPECT_TRUE(store.get("/configmaps", "ns", "c"));
    EXPECT_EQ(store.currentRv(), 4u);
    // Watches from before the restart are too old: history is not persisted.
    EXPECT_EQ(store.watch("/configmaps", "", 2, nullptr), nullptr);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace modelops::devserver
