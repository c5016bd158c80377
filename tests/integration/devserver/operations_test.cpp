// integration.devserver: serving options and operations over HTTP(S): TLS with the generated CA and
// bearer-token auth, kubeconfig output, fault injection through /admin/faults (per-verb 429 with
// Retry-After, outage, latency, watch closing), persistence across a restart, and simulated
// Deployment readiness.
// Thread-safety: test thread plus WatchStream reader threads.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fakes/wait.h"
#include "modelops/devserver/dev_server.h"
#include "watch_stream.h"

namespace modelops::devserver::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using modelops::testing::waitFor;

std::string tempDir() {
  char tmpl[] = "/tmp/modelops-devserver-it-XXXXXX";
  return mkdtemp(tmpl);
}

std::unique_ptr<DevServer> startServer(DevServerOptions o) {
  auto s = DevServer::start(o);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.ok() ? std::move(s).value() : nullptr;
}

TEST(DevServerOps, TlsWithGeneratedCaAndToken) {
  DevServerOptions o;
  o.tls = true;
  o.token = "s3cret";
  auto server = startServer(o);
  ASSERT_TRUE(server);
  EXPECT_EQ(server->url().rfind("https://127.0.0.1:", 0), 0u);
  std::string dir = tempDir();
  std::string caFile = dir + "/ca.pem";
  std::ofstream(caFile) << server->caCertificatePem();
  httplib::SSLClient client("127.0.0.1", server->port());
  client.set_ca_cert_path(caFile.c_str());
  client.enable_server_certificate_verification(true);
  auto anonymous = client.Get("/api/v1/namespaces");
  ASSERT_TRUE(anonymous) << httplib::to_string(anonymous.error());
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(json::parse(anonymous->body)["reason"], "Unauthorized");
  auto authed = client.Get("/api/v1/namespaces", {{"Authorization", "Bearer s3cret"}});
  ASSERT_TRUE(authed);
  EXPECT_EQ(authed->status, 200);
  EXPECT_EQ(client.Get("/healthz")->status, 200);  // health needs no token
  // A client that does not trust the generated CA fails the handshake.
  httplib::SSLClient untrusting("127.0.0.1", server->port());
  untrusting.set_ca_cert_path((dir + "/missing.pem").c_str());
  untrusting.enable_server_certificate_verification(true);
  EXPECT_FALSE(untrusting.Get("/healthz"));
  auto written = server->writeKubeconfig(dir + "/kubeconfig");
  ASSERT_TRUE(written.ok());
  std::stringstream ss;
  ss << std::ifstream(dir + "/kubeconfig").rdbuf();
  auto kc = json::parse(ss.str());
  EXPECT_EQ(kc["clusters"][0]["cluster"]["server"], server->url());
  EXPECT_FALSE(kc["clusters"][0]["cluster"].value("certificate-authority-data", "").empty());
  EXPECT_EQ(kc["users"][0]["user"]["token"], "s3cret");
  EXPECT_EQ(std::filesystem::status(dir + "/kubeconfig").permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
  std::filesystem::remove_all(dir);
}

TEST(DevServerOps, FaultInjectionThroughAdminEndpoint) {
  auto server = startServer({});
  ASSERT_TRUE(server);
  httplib::Client client("127.0.0.1", server->port());
  auto configure = client.Post("/admin/faults", R"({"errors":{"list":{"rate":1,"code":429,"retryAfterSeconds":7}}})",
                               "application/json");
  ASSERT_TRUE(configure);
  ASSERT_EQ(configure->status, 200);
  auto list = client.Get("/api/v1/namespaces/default/configmaps");
  EXPECT_EQ(list->status, 429);
  EXPECT_EQ(list->get_header_value("Retry-After"), "7");
  EXPECT_EQ(json::parse(list->body)["details"]["retryAfterSeconds"], 7);
  EXPECT_EQ(client.Get("/api/v1/namespaces/default")->status, 200);  // get is not affected
  EXPECT_EQ(client.Post("/admin/faults", R"({"errors":{"list":{"rate":3}}})", "application/json")->status, 400);
  ASSERT_EQ(client.Delete("/admin/faults")->status, 200);
  EXPECT_EQ(client.Get("/api/v1/namespaces/default/configmaps")->status, 200);

  ASSERT_EQ(client.Post("/admin/faults", R"({"outageSeconds":30})", "application/json")->status, 200);
  EXPECT_EQ(client.Get("/api/v1/namespaces/default")->status, 503);
  EXPECT_EQ(client.Get("/apis")->status, 503);
  ASSERT_EQ(client.Delete("/admin/faults")->status, 200);
  EXPECT_EQ(client.Get("/api/v1/namespaces/default")->status, 200);

  server->faults().setLatency(150ms);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(client.Get("/api/v1/namespaces/default")->status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 150ms);
  server->faults().reset();

  server->faults().setWatchCloseInterval(300ms);
  auto started = std::chrono::steady_clock::now();
  WatchStream watch(server->port(), "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=60");
  ASSERT_TRUE(watch.waitEnded(10s));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 250ms);
}

TEST(DevServerOps, PersistenceKeepsAcknowledgedState) {
  std::string dir = tempDir();
  std::string rvBefore;
  {
    DevServerOptions o;
    o.dataDir = dir;
    auto server = startServer(o);
    ASSERT_TRUE(server);
    httplib::Client client("127.0.0.1", server->port());
    auto r = client.Post("/api/v1/namespaces/default/configmaps", R"({"metadata":{"name":"kept"},"data":{"a":"b"}})",
                         "application/json");
    ASSERT_EQ(r->status, 201);
    rvBefore = json::parse(r->body)["metadata"]["resourceVersion"];
    server->stop();
  }
  DevServerOptions o;
  o.dataDir = dir;
  auto server = startServer(o);
  ASSERT_TRUE(server);
  httplib::Client client("127.0.0.1", server->port());
  auto got = client.Get("/api/v1/namespaces/default/configmaps/kept");
  ASSERT_EQ(got->status, 200);
  EXPECT_EQ(json::parse(got->body)["metadata"]["resourceVersion"], rvBefore);
  EXPECT_EQ(json::parse(got->body)["data"]["a"], "b");
  auto next = client.Post("/api/v1/namespaces/default/configmaps", R"({"metadata":{"name":"new"}})", "application/json");
  ASSERT_EQ(next->status, 201);
  EXPECT_GT(std::stoull(json::parse(next->body)["metadata"]["resourceVersion"].get<std::string>()), std::stoull(rvBefore));
  server->stop();
  std::filesystem::remove_all(dir);
}

TEST(DevServerOps, PreloadAndApplyManifests) {
  const char* source = std::getenv("MODELOPS_SOURCE_DIR");
  ASSERT_NE(source, nullptr);
  DevServerOptions o;
  o.preload = {std::string(source) + "/crds/modelops.dev_modeldeployments.yaml", std::string(source) + "/crds/testing"};
  auto server = startServer(o);
  ASSERT_TRUE(server);
  httplib::Client client("127.0.0.1", server->port());
  auto crd = client.Get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/modeldeployments.modelops.dev");
  ASSERT_EQ(crd->status, 200);
  EXPECT_EQ(client.Get("/apis/modelops.dev/v1alpha1")->status, 200);
  EXPECT_EQ(client.Get("/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes")->status, 200);
  auto cm = server->apply({{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "fixture"}}}, {"data", {{"a", "1"}}}});
  ASSERT_TRUE(cm.ok()) << cm.error().message;
  EXPECT_EQ((*cm)["metadata"]["namespace"], "default");
  auto again = server->apply({{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "fixture"}}}, {"data", {{"a", "2"}}}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)["data"]["a"], "2");
  EXPECT_FALSE(server->apply({{"apiVersion", "v9"}, {"kind", "Nothing"}, {"metadata", {{"name", "x"}}}}).ok());
  DevServerOptions broken;
  broken.preload = {"/nonexistent/manifest.yaml"};
  EXPECT_FALSE(DevServer::start(broken).ok());
}

TEST(DevServerOps, DeploymentsBecomeAvailable) {
  DevServerOptions o;
  o.readyDelay = 20ms;
  auto server = startServer(o);
  ASSERT_TRUE(server);
  httplib::Client client("127.0.0.1", server->port());
  auto r = client.Post("/apis/apps/v1/namespaces/default/deployments",
                       R"({"metadata":{"name":"web"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
                           "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}})",
                       "application/json");
  ASSERT_EQ(r->status, 201);
  json status;
  EXPECT_TRUE(waitFor([&] {
    auto got = client.Get("/apis/apps/v1/namespaces/default/deployments/web");
    status = got ? json::parse(got->body)["status"] : json();
    return status.is_object() && status.value("availableReplicas", 0) == 2;
  }, 10s)) << status.dump();
  EXPECT_EQ(status["observedGeneration"], 1);
  EXPECT_EQ(status["updatedReplicas"], 2);
  EXPECT_EQ(status["readyReplicas"], 2);
  // Status writes go through the status subresource: the spec endpoint keeps them.
  auto table = client.Get("/apis/apps/v1/namespaces/default/deployments", {{"Accept", "application/json;as=Table;v=v1;g=meta.k8s.io"}});
  ASSERT_EQ(table->status, 200);
  EXPECT_EQ(json::parse(table->body)["rows"][0]["cells"][1], "2/2");
  // The scale subresource, as `kubectl scale` uses it.
  auto scale = client.Get("/apis/apps/v1/namespaces/default/deployments/web/scale");
  ASSERT_EQ(scale->status, 200);
  auto scaleJson = json::parse(scale->body);
  EXPECT_EQ(scaleJson["kind"], "Scale");
  EXPECT_EQ(scaleJson["spec"]["replicas"], 2);
  EXPECT_EQ(scaleJson["status"]["selector"], "app=web");
  auto scaled = client.Patch("/apis/apps/v1/namespaces/default/deployments/web/scale", R"({"spec":{"replicas":4}})",
                             "application/merge-patch+json");
  ASSERT_EQ(scaled->status, 200);
  auto after = json::parse(client.Get("/apis/apps/v1/namespaces/default/deployments/web")->body);
  EXPECT_EQ(after["spec"]["replicas"], 4);
  EXPECT_EQ(after["metadata"]["generation"], 2);
  EXPECT_TRUE(waitFor([&] {
    auto got = client.Get("/apis/apps/v1/namespaces/default/deployments/web");
    return got && json::parse(got->body)["status"].value("availableReplicas", 0) == 4;
  }, 10s));
  EXPECT_EQ(client.Patch("/apis/apps/v1/namespaces/default/deployments/web/scale", R"({"spec":{"replicas":-1}})",
                         "application/merge-patch+json")->status, 422);
}

}  // namespace
}  // namespace modelops::devserver::testing
