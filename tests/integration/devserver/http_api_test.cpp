// integration.devserver: the dev server over HTTP with cpp-httplib clients: Status bodies and codes,
// discovery and OpenAPI, CRDs served at once, Warning headers, Table output, watch streaming
// (events, bookmarks, timeoutSeconds, 410 as an ERROR event), 50 open watches alongside ordinary
// requests, the audit log, and boolean query parameters decoded as kube-apiserver decodes them.
// Thread-safety: test thread plus WatchStream reader threads.
#include <gtest/gtest.h>

#include "fakes/wait.h"
#include "modelops/devserver/dev_server.h"
#include "watch_stream.h"

namespace modelops::devserver::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using modelops::testing::waitFor;

const char* kWidgetCrd = R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
  "metadata":{"name":"widgets.example.com"},
  "spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"widgets","kind":"Widget","shortNames":["wd"]},
   "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},
     "additionalPrinterColumns":[{"name":"Size","type":"integer","jsonPath":".spec.size"}],
     "schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{
       "size":{"type":"integer","maximum":10}}},"status":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}}]}})";

class HttpApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DevServerOptions o;
    o.bookmarkInterval = 50ms;
    o.readyDelay = 10ms;
    auto s = DevServer::start(o);
    ASSERT_TRUE(s.ok()) << s.error().message;
    server = std::move(s).value();
    client = std::make_unique<httplib::Client>("127.0.0.1", server->port());
    client->set_read_timeout(10, 0);
  }
  void TearDown() override {
    if (server) server->stop();
  }
  json call(const char* method, const std::string& path, const json& body = nullptr, int* code = nullptr,
            const std::string& contentType = "application/json", httplib::Headers headers = {}) {
    httplib::Result r = std::string(method) == "GET"      ? client->Get(path.c_str(), headers)
                        : std::string(method) == "DELETE" ? client->Delete(path.c_str(), headers)
                        : std::string(method) == "POST"   ? client->Post(path.c_str(), headers, body.dump(), contentType.c_str())
                        : std::string(method) == "PUT"    ? client->Put(path.c_str(), headers, body.dump(), contentType.c_str())
                                                          : client->Patch(path.c_str(), headers, body.dump(), contentType.c_str());
    if (!r) return json();
    last = r.value();
    if (code) *code = r->status;
    return json::parse(r->body, nullptr, false);
  }
  std::unique_ptr<DevServer> server;
  std::unique_ptr<httplib::Client> client;
  httplib::Response last;
};

TEST_F(HttpApiTest, CrudStatusCodesAndBodies) {
  int code = 0;
  json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "a"}}}, {"data", {{"k", "v"}}}};
  auto created = call("POST", "/api/v1/namespaces/default/configmaps", cm, &code);
  EXPECT_EQ(code, 201);
  EXPECT_EQ(created["metadata"]["name"], "a");
  call("POST", "/api/v1/namespaces/default/configmaps", cm, &code);
  EXPECT_EQ(code, 409);
  auto missing = call("GET", "/api/v1/namespaces/default/configmaps/zz", nullptr, &code);
  EXPECT_EQ(code, 404);
  EXPECT_EQ(missing, json::parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
    "message":"configmaps \"zz\" not found","reason":"NotFound","details":{"name":"zz","kind":"configmaps"},"code":404})"));
  EXPECT_EQ(last.get_header_value("Content-Type"), "application/json");
  json stale = created;
  stale["data"]["k"] = "w";
  call("PUT", "/api/v1/namespaces/default/configmaps/a", stale, &code);
  EXPECT_EQ(code, 200);
  auto conflict = call("PUT", "/api/v1/namespaces/default/configmaps/a", stale, &code);
  EXPECT_EQ(code, 409);
  EXPECT_EQ(conflict["reason"], "Conflict");
  call("POST", "/api/v1/namespaces/nowhere/configmaps", cm, &code);
  EXPECT_EQ(code, 404);
  call("GET", "/apis/nothing.example.com/v1/things", nullptr, &code);
  EXPECT_EQ(code, 404);
  auto del = call("DELETE", "/api/v1/namespaces/default/configmaps/a", nullptr, &code);
  EXPECT_EQ(code, 200);
  EXPECT_EQ(del["status"], "Success");
  call("PATCH", "/api/v1/namespaces/default/configmaps/a", json::object(), &code, "text/plain");
  EXPECT_EQ(code, 415);
  // Input of the wrong shape is a 400 Status, never a crash.
  auto shaped = call("POST", "/api/v1/namespaces/default/configmaps", {{"kind", 5}, {"metadata", {{"name", "x"}}}}, &code);
  EXPECT_EQ(code, 400);
  EXPECT_EQ(shaped["kind"], "Status");
  call("POST", "/api/v1/namespaces/default/configmaps", json::array(), &code);
  EXPECT_EQ(code, 400);
  EXPECT_EQ(call("GET", "/healthz", nullptr, &code).is_discarded(), true);
  EXPECT_EQ(code, 200);
}

TEST_F(HttpApiTest, DiscoveryOpenApiAndCrdsServedAtOnce) {
  int code = 0;
  auto api = call("GET", "/api", nullptr, &code);
  EXPECT_EQ(api["kind"], "APIVersions");
  EXPECT_EQ(last.get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(call("GET", "/version")["gitVersion"], "v1.32.0");
  call("GET", "/apis/example.com/v1", nullptr, &code);
  EXPECT_EQ(code, 404);
  call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json::parse(kWidgetCrd), &code);
  ASSERT_EQ(code, 201);
  auto list = call("GET", "/apis/example.com/v1", nullptr, &code);
  ASSERT_EQ(code, 200);
  std::set<std::string> names;
  for (const auto& r : list["resources"]) names.insert(r["name"]);
  EXPECT_EQ(names, (std::set<std::string>{"widgets", "widgets/status"}));
  bool inGroups = false;
  json groups = call("GET", "/apis");
  for (const auto& g : groups["groups"]) inGroups = inGroups || g["name"] == "example.com";
  EXPECT_TRUE(inGroups);
  auto index = call("GET", "/openapi/v3");
  ASSERT_TRUE(index["paths"].contains("apis/example.com/v1"));
  std::string url = index["paths"]["apis/example.com/v1"]["serverRelativeURL"];
  auto doc = call("GET", url, nullptr, &code);
  EXPECT_EQ(code, 200);
  EXPECT_TRUE(doc["components"]["schemas"].contains("com.example.v1.Widget"));
  EXPECT_TRUE(call("GET", "/healthz", nullptr, &code).is_discarded());  // "ok" is not JSON
  EXPECT_EQ(code, 200);
}

TEST_F(HttpApiTest, ValidationWarningsAndTables) {
  int code = 0;
  call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json::parse(kWidgetCrd), &code);
  ASSERT_EQ(code, 201);
  json w = {{"apiVersion", "example.com/v1"}, {"kind", "Widget"}, {"metadata", {{"name", "w"}}},
            {"spec", {{"size", 3}, {"bogus", 1}}}};
  auto created = call("POST", "/apis/example.com/v1/namespaces/default/widgets", w, &code);
  EXPECT_EQ(code, 201);
  EXPECT_EQ(last.get_header_value("Warning"), "299 - \"unknown field \\\"spec.bogus\\\"\"");
  EXPECT_FALSE(created["spec"].contains("bogus"));
  w["metadata"]["name"] = "w2";
  auto strict = call("POST", "/apis/example.com/v1/namespaces/default/widgets?fieldValidation=Strict", w, &code);
  EXPECT_EQ(code, 400);
  EXPECT_EQ(strict["message"], "strict decoding error: unknown field \"spec.bogus\"");
  w["spec"] = {{"size", 11}};
  auto invalid = call("POST", "/apis/example.com/v1/namespaces/default/widgets", w, &code);
  EXPECT_EQ(code, 422);
  EXPECT_EQ(invalid["details"]["causes"][0]["field"], "spec.size");
  EXPECT_EQ(invalid["details"]["causes"][0]["reason"], "FieldValueInvalid");
  auto table = call("GET", "/apis/example.com/v1/namespaces/default/widgets", nullptr, &code, "",
                    {{"Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"}});
  EXPECT_EQ(code, 200);
  EXPECT_EQ(table["kind"], "Table");
  ASSERT_EQ(table["columnDefinitions"].size(), 2u);  // Name + the CRD's columns (no implicit Age)
  EXPECT_EQ(table["columnDefinitions"][0]["name"], "Name");
  EXPECT_EQ(table["columnDefinitions"][1]["name"], "Size");
  ASSERT_EQ(table["rows"].size(), 1u);
  EXPECT_EQ(table["rows"][0]["cells"][0], "w");
  EXPECT_EQ(table["rows"][0]["cells"][1], 3);
  auto builtin = call("GET", "/api/v1/namespaces", nullptr, &code, "", {{"Accept", "application/json;as=Table;v=v1;g=meta.k8s.io"}});
  EXPECT_EQ(builtin["kind"], "Table");
  EXPECT_EQ(builtin["columnDefinitions"][1]["name"], "Status");
}

TEST_F(HttpApiTest, WatchEventsBookmarksTimeoutAndExpiry) {
  int code = 0;
  auto list = call("GET", "/api/v1/namespaces/default/configmaps", nullptr, &code);
  std::string rv = list["metadata"]["resourceVersion"];
  auto started = std::chrono::steady_clock::now();
  WatchStream watch(server->port(), "/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true"
                                    "&timeoutSeconds=2&resourceVersion=" + rv);
  ASSERT_TRUE(waitFor([&] { return server->openWatches() == 1; }));
  call("POST", "/api/v1/namespaces/default/configmaps", {{"metadata", {{"name", "w1"}}}}, &code);
  ASSERT_EQ(code, 201);
  EXPECT_TRUE(watch.waitFor([](const auto& ev) { return hasEvent(ev, "ADDED", "w1"); }, 10s));
  EXPECT_TRUE(watch.waitFor([](const auto& ev) { return hasEvent(ev, "BOOKMARK"); }, 10s));
  for (const auto& e : watch.events())
    if (e["type"] == "BOOKMARK") {
      EXPECT_EQ(e["object"]["kind"], "ConfigMap");
      EXPECT_FALSE(e["object"]["metadata"].value("resourceVersion", "").empty());
    }
  ASSERT_TRUE(watch.waitEnded(10s));  // timeoutSeconds=2 ends the stream
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1900ms);
  EXPECT_EQ(watch.status(), 200);

  ASSERT_EQ(call("POST", "/admin/compact", json::object(), &code).is_object(), true);
  WatchStream expired(server->port(), "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=" + rv);
  ASSERT_TRUE(expired.waitEnded(10s));
  auto events = expired.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(expired.status(), 200);
  EXPECT_EQ(events[0]["type"], "ERROR");
  EXPECT_EQ(events[0]["object"]["code"], 410);
  EXPECT_EQ(events[0]["object"]["reason"], "Expired");
}

TEST_F(HttpApiTest, FiftyWatchesDoNotStarveRequests) {
  std::vector<std::unique_ptr<WatchStream>> watches;
  for (int i = 0; i < 50; ++i)
    watches.push_back(std::make_unique<WatchStream>(server->port(), "/api/v1/namespaces/default/configmaps?watch=true"));
  ASSERT_TRUE(waitFor([&] { return server->openWatches() == 50; }, 20s)) << server->openWatches();
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    int code = 0;
    call("POST", "/api/v1/namespaces/default/configmaps", {{"metadata", {{"name", "cm" + std::to_string(i)}}}}, &code);
    ASSERT_EQ(code, 201);
    call("GET", "/api/v1/namespaces/default/configmaps?limit=5", nullptr, &code);
    ASSERT_EQ(code, 200);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  for (auto& w : watches)
    EXPECT_TRUE(w->waitFor([](const auto& ev) { return hasEvent(ev, "ADDED", "cm19"); }, 10s));
  server->stop();  // ends every stream
  for (auto& w : watches) EXPECT_TRUE(w->waitEnded(10s));
}

TEST_F(HttpApiTest, AuditRecordsWhatChanged) {
  int code = 0;
  json cm = {{"metadata", {{"name", "a"}}}, {"data", {{"k", "v"}}}};
  call("POST", "/api/v1/namespaces/default/configmaps", cm, &code, "application/json", {{"User-Agent", "tester/1.0"}});
  call("PATCH", "/api/v1/namespaces/default/configmaps/a", {{"metadata", {{"labels", {{"x", "y"}}}}}}, &code,
       "application/merge-patch+json", {{"User-Agent", "tester/1.0"}});
  call("PATCH", "/api/v1/namespaces/default/configmaps/a", {{"data", {{"k", "w"}}}}, &code,
       "application/merge-patch+json", {{"User-Agent", "tester/1.0"}});
  auto audit = call("GET", "/admin/audit");
  std::vector<json> mine;
  for (const auto& r : audit["items"])
    if (r["userAgent"] == "tester/1.0") mine.push_back(r);
  ASSERT_EQ(mine.size(), 3u);
  EXPECT_EQ(mine[0]["verb"], "create");
  EXPECT_EQ(mine[0]["resource"], "configmaps");
  EXPECT_EQ(mine[0]["namespace"], "default");
  EXPECT_EQ(mine[0]["code"], 201);
  EXPECT_EQ(mine[1]["verb"], "patch");
  EXPECT_EQ(mine[1]["patchType"], "merge");
  EXPECT_EQ(mine[1]["specChanged"], false);  // labels only
  EXPECT_EQ(mine[1]["changed"], true);
  EXPECT_EQ(mine[2]["specChanged"], true);
  EXPECT_EQ(mine[2]["fieldManager"], "tester");
  EXPECT_EQ(server->audit().records().back().path, "/admin/audit");
}

// /openapi/v2 defines no kinds (kubectl then skips its client-side validation for kinds the v3 documents
// lack, and reports an unknown kind from its RESTMapper, as against a cluster).
TEST_F(HttpApiTest, OpenApiV2IsADocumentWithoutDefinitions) {
  auto pb = client->Get("/openapi/v2", {{"Accept", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"}});
  ASSERT_TRUE(pb);
  EXPECT_EQ(pb->status, 200);
  EXPECT_EQ(pb->get_header_value("Content-Type"), "application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
  EXPECT_EQ(pb->body, std::string("\x0a\x03" "2.0", 5));  // openapi_v2.Document{swagger: "2.0"}
  int code = 0;
  auto doc = call("GET", "/openapi/v2", nullptr, &code);
  EXPECT_EQ(code, 200);
  EXPECT_EQ(doc.value("swagger", ""), "2.0");
  EXPECT_EQ(doc["definitions"], json::object());
}

// Boolean query parameters are decoded as kube-apiserver decodes them (only absent, "0" and "false" in
// any case are false): the official Python client's watch=True is a watch, not a plain list.
TEST_F(HttpApiTest, BooleanQueryParametersDecodeAsTheApiServerDoes) {
  const std::string base = "/api/v1/namespaces/default/configmaps?timeoutSeconds=1&";
  for (const char* value : {"True", "TRUE", "t", "1", "yes", ""}) {
    auto r = client->Get((base + "watch=" + value + "&allowWatchBookmarks=True").c_str());  // ends after 1 s
    ASSERT_TRUE(r) << value;
    EXPECT_EQ(r->status, 200) << value;
    EXPECT_NE(r->get_header_value("Content-Type").find("stream=watch"), std::string::npos) << value;
    EXPECT_NE(r->body.find("\"BOOKMARK\""), std::string::npos) << value << ": allowWatchBookmarks=True ignored";
  }
  for (const char* value : {"False", "FALSE", "false", "0"}) {
    int code = 0;
    auto list = call("GET", base + "watch=" + value, nullptr, &code);
    EXPECT_EQ(code, 200) << value;
    EXPECT_EQ(list.value("kind", ""), "ConfigMapList") << value;
  }
}

}  // namespace
}  // namespace modelops::devserver::testing
