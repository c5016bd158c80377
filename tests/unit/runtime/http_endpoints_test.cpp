// HttpEndpoints tests on 127.0.0.1 port 0: /healthz and /readyz follow their checks, /metrics
// serves the registry with the Prometheus content type, and the real `promtool check metrics`
// accepts the exposition (skipped when promtool is not installed); MeteredKubeClient counts calls.
// Thread-safety: each test owns its server and stops it before returning.
#include "modelops/runtime/http_endpoints.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <unistd.h>

#include "fakes/fake_kube_client.h"
#include "modelops/runtime/metrics.h"

namespace modelops::runtime {
namespace {

TEST(HttpEndpoints, ProbesFollowTheirChecks) {
  RuntimeMetrics metrics;
  HttpEndpointsOptions opts;
  opts.host = "127.0.0.1";
  opts.port = 0;
  HttpEndpoints http(opts, &metrics);
  std::atomic<bool> synced{false}, renewing{true};
  http.addLivenessCheck("leader-election", [&] { return renewing.load(); });
  http.addReadinessCheck("informers-synced", [&] { return synced.load(); });
  auto port = http.start();
  ASSERT_TRUE(port.ok());
  ASSERT_GT(*port, 0);
  httplib::Client cli("127.0.0.1", *port);
  cli.set_connection_timeout(5, 0);
  auto live = cli.Get("/healthz");
  ASSERT_TRUE(live);
  EXPECT_EQ(live->status, 200);
  auto notReady = cli.Get("/readyz");
  ASSERT_TRUE(notReady);
  EXPECT_EQ(notReady->status, 500);
  EXPECT_NE(notReady->body.find("informers-synced"), std::string::npos);
  synced = true;
  auto ready = cli.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  renewing = false;
  auto dead = cli.Get("/healthz");
  ASSERT_TRUE(dead);
  EXPECT_EQ(dead->status, 500);
  EXPECT_NE(dead->body.find("leader-election"), std::string::npos);
  http.stop();
}

TEST(HttpEndpoints, MetricsPassPromtoolCheck) {
  RuntimeMetrics metrics;
  testing::FakeKubeClient fake;
  MeteredKubeClient client(fake, metrics);
  const kube::Resource cms{"", "v1", "configmaps", "ConfigMap", true};
  (void)client.create(cms, "ns", {{"metadata", {{"name", "a"}}}});
  (void)client.create(cms, "ns", {{"metadata", {{"name", "a"}}}});  // 409
  (void)client.get(cms, "ns", "missing");                          // 404
  (void)client.list(cms, "ns");
  metrics.reconcileFinished("success", 0.02);
  metrics.reconcileFinished("error", 1.5);
  metrics.queueDepth(3);
  metrics.queueLatency(0.004);
  metrics.watchRestarted("modeldeployments");
  metrics.setLeader(true);

  HttpEndpointsOptions opts;
  opts.host = "127.0.0.1";
  opts.port = 0;
  opts.probes = false;
  HttpEndpoints http(opts, &metrics);
  auto port = http.start();
  ASSERT_TRUE(port.ok());
  httplib::Client cli("127.0.0.1", *port);
  auto res = cli.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& body = res->body;
  for (const char* expected :
       {"modelops_api_requests_total{code=\"201\",verb=\"create\"} 1", "modelops_api_requests_total{code=\"409\",verb=\"create\"} 1",
        "modelops_api_requests_total{code=\"404\",verb=\"get\"} 1", "modelops_api_requests_total{code=\"200\",verb=\"list\"} 1",
        "modelops_reconcile_total{result=\"success\"} 1", "modelops_reconcile_duration_seconds_count 2",
        "modelops_workqueue_depth 3", "modelops_workqueue_latency_seconds_count 1",
        "modelops_watch_restarts_total{resource=\"modeldeployments\"} 1", "modelops_leader 1"}) {
    EXPECT_NE(body.find(expected), std::string::npos) << expected << "\n" << body;
  }
  EXPECT_EQ(cli.Get("/healthz")->status, 404);  // probes are on the other server in this setup
  http.stop();

  if (access("/usr/bin/promtool", X_OK) != 0) GTEST_SKIP() << "promtool not installed";
  char path[] = "/tmp/modelops-metrics-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, body.data(), body.size()), static_cast<ssize_t>(body.size()));
  close(fd);
  std::string cmd = std::string("/usr/bin/promtool check metrics < ") + path + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof buf, p)) out += buf;
  int rc = pclose(p);
  unlink(path);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "") << out;  // no lint findings either
}

}  // namespace
}  // namespace modelops::runtime
