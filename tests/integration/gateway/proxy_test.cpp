// integration.gateway, proxy half: the real ProxyServer (in process, loopback) between an httplib client
// and TestUpstream servers, driven by ScriptedHooks (a route to one upstream, an optional shadow): keep-
// alive pools, bounds, timeouts, connect retries, shadows that never delay the primary, drain.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "fakes/wait.h"
#include "gateway/test_upstream.h"
#include "modelops/gateway/proxy/proxy_server.h"

namespace modelops::itest {
namespace {

using namespace std::chrono_literals;
using namespace modelops::gateway::proxy;
using modelops::testing::waitFor;

// Every prediction goes to `primary` (and a copy to `shadow` when set); counts what the proxy reports.
class ScriptedHooks : public ProxyHooks {
 public:
  UpstreamAddress primary;
  std::optional<UpstreamAddress> shadow;
  std::atomic<bool> isReady{true};
  std::atomic<int> stamped{0}, finishedCount{0}, failures{0}, compared{0}, agreed{0}, dropped{0}, feedbacks{0};

  bool ready() const override { return isReady.load(); }
  std::string metricsText() const override { return "test_metric 1\n"; }
  ProxyResponse feedback(const ProxyRequest& request) override {
    feedbacks.fetch_add(1);
    return {200, {{"Content-Type", "application/json"}}, R"({"received":)" + std::to_string(request.body.size()) + "}"};
  }
  std::optional<ForwardPlan> plan(const ProxyRequest& request, int& status, std::string& message) override {
    if (!request.target.starts_with("/v1/models/")) return std::nullopt;
    if (request.target.starts_with("/v1/models/empty")) {
      status = 503;
      message = "model empty has no backend with weight";
      return std::nullopt;
    }
    return ForwardPlan{primary, shadow, nullptr, ""};
  }
  void stamp(const ForwardPlan&, const ProxyRequest&, ProxyResponse& response) override {
    stamped.fetch_add(1);
    response.headers.emplace_back("X-Prediction-Id", "id-" + std::to_string(stamped.load()));
  }
  void finished(const ForwardPlan&, int, std::chrono::nanoseconds) override { finishedCount.fetch_add(1); }
  void upstreamFailed(const ForwardPlan&, UpstreamFailure) override { failures.fetch_add(1); }
  void shadowCompared(const ForwardPlan&, const ProxyResponse& p, const ProxyResponse& s) override {
    // agreed before compared: a test that waits for `compared` then reads `agreed` sees both.
    auto cls = [](const ProxyResponse& r) { return nlohmann::json::parse(r.body)["predictions"][0]; };
    if (cls(p) == cls(s)) agreed.fetch_add(1);
    compared.fetch_add(1);
  }
  void shadowDropped(const ForwardPlan&, ShadowDrop, std::string_view) override { dropped.fetch_add(1); }
};

UpstreamAddress addressOf(const TestUpstream& u) { return {"127.0.0.1", static_cast<std::uint16_t>(u.port())}; }

class ProxyTest : public ::testing::Test {
 protected:
  void startProxy(ProxyOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    proxy_ = std::make_unique<ProxyServer>(options, hooks_);
    ASSERT_TRUE(proxy_->start()) << "proxy did not start";
  }
  httplib::Client client(std::chrono::seconds readTimeout = 10s) {
    httplib::Client c("127.0.0.1", proxy_->port());
    c.set_keep_alive(true);
    c.set_tcp_nodelay(true);
    c.set_read_timeout(readTimeout);
    return c;
  }
  // Upstreams live until the proxy is gone: the proxy's pooled keep-alive connections would hold an
  // httplib server's stop() for its keep-alive timeout.
  TestUpstream& addUpstream(const std::string& name) { return *upstreams_.emplace_back(std::make_unique<TestUpstream>(name)); }
  void TearDown() override {
    proxy_.reset();
    upstreams_.clear();
  }
  ScriptedHooks hooks_;
  std::vector<std::unique_ptr<TestUpstream>> upstreams_;
  std::unique_ptr<ProxyServer> proxy_;
};

TEST_F(ProxyTest, ForwardsStampsAndKeepsUpstreamConnectionsAlive) {
  auto& upstream = addUpstream("stable");
  hooks_.primary = addressOf(upstream);
  ProxyOptions o;
  o.ioThreads = 1;
  startProxy(o);
  auto c = client();
  for (int i = 0; i < 20; ++i) {
    auto r = c.Post("/v1/models/m:predict", R"({"instances": [[1, 2]]})", "application/json");
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(nlohmann::json::parse(r->body)["server"], "stable");
    EXPECT_FALSE(r->get_header_value("X-Prediction-Id").empty());
  }
  EXPECT_EQ(upstream.requests(), 20);
  EXPECT_EQ(upstream.lastHeader("X-Forwarded-For"), "127.0.0.1");
  EXPECT_EQ(upstream.lastHeader("Host"), upstream.address()) << "the upstream gets its own name as Host";
  EXPECT_EQ(upstream.lastHeader("X-Forwarded-Host"), "127.0.0.1:" + std::to_string(proxy_->port()));
  auto stats = proxy_->stats();
  EXPECT_EQ(stats.upstreamConnects, 1u) << "the upstream connection was not kept alive";
  EXPECT_EQ(stats.upstreamReuses, 19u);
  EXPECT_EQ(hooks_.finishedCount.load(), 20);
}

TEST_F(ProxyTest, NeverSendsIntoAPooledConnectionTheUpstreamClosed) {
  ClosingUpstream upstream;
  hooks_.primary = {"127.0.0.1", static_cast<std::uint16_t>(upstream.port())};
  ProxyOptions o;
  o.ioThreads = 1;
  startProxy(o);
  auto c = client();
  for (int i = 0; i < 20; ++i) {
    auto r = c.Get("/v1/models/m:predict");
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    EXPECT_EQ(r->status, 200) << "request " << i << ": " << r->body;
  }
  EXPECT_EQ(upstream.answered(), 20);
  EXPECT_EQ(proxy_->stats().upstreamConnects, 20u);
}

TEST_F(ProxyTest, OwnEndpointsAndUnknownPaths) {
  auto& upstream = addUpstream("stable");
  hooks_.primary = addressOf(upstream);
  hooks_.isReady = false;
  startProxy();
  auto c = client();
  EXPECT_EQ(c.Get("/healthz")->status, 200);
  EXPECT_EQ(c.Get("/readyz")->status, 503);
  hooks_.isReady = true;
  EXPECT_EQ(c.Get("/readyz")->status, 200);
  EXPECT_NE(c.Get("/metrics")->body.find("test_metric 1"), std::string::npos);
  auto unknown = c.Post("/v2/other", "{}", "application/json");
  EXPECT_EQ(unknown->status, 404);
  EXPECT_NE(unknown->body.find("no model is served at /v2/other"), std::string::npos) << unknown->body;
  auto empty = c.Post("/v1/models/empty:predict", "{}", "application/json");
  EXPECT_EQ(empty->status, 503);
  EXPECT_NE(empty->body.find("no backend with weight"), std::string::npos);
  auto feedback = c.Post("/v1/feedback", R"({"predictionId": "x", "label": 1})", "application/json");
  EXPECT_EQ(feedback->status, 200);
  EXPECT_EQ(hooks_.feedbacks.load(), 1);
  EXPECT_EQ(c.Get("/v1/feedback")->status, 405);
  EXPECT_EQ(upstream.requests(), 0);
}

TEST_F(ProxyTest, BoundsRequestAndResponseBodies) {
  auto& upstream = addUpstream("stable");
  hooks_.primary = addressOf(upstream);
  ProxyOptions o;
  o.maxRequestBodyBytes = 1000;
  o.maxResponseBodyBytes = 2000;
  o.maxFeedbackBodyBytes = 500;
  startProxy(o);
  auto c = client();
  auto big = c.Post("/v1/models/m:predict", std::string(1001, ' '), "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_NE(big->body.find("larger than the limit of 1000 bytes"), std::string::npos) << big->body;
  auto bigFeedback = client().Post("/v1/feedback", std::string(501, ' '), "application/json");
  EXPECT_EQ(bigFeedback->status, 413);
  EXPECT_EQ(upstream.requests(), 0);
  EXPECT_EQ(hooks_.feedbacks.load(), 0);

  upstream.setFiller(3000);
  auto tooLarge = client().Post("/v1/models/m:predict", "{}", "application/json");
  ASSERT_TRUE(tooLarge);
  EXPECT_EQ(tooLarge->status, 502);
  EXPECT_NE(tooLarge->body.find("larger than 2000 bytes"), std::string::npos) << tooLarge->body;
  EXPECT_EQ(hooks_.failures.load(), 1);
  upstream.setFiller(0);
  EXPECT_EQ(client().Post("/v1/models/m:predict", "{}", "application/json")->status, 200) << "the proxy stopped serving";
}

TEST_F(ProxyTest, TimesOutAHangingUpstreamAndRetriesOnlyConnecting) {
  auto& upstream = addUpstream("stable");
  upstream.hang();
  hooks_.primary = addressOf(upstream);
  ProxyOptions o;
  o.requestTimeout = 300ms;
  startProxy(o);
  auto started = std::chrono::steady_clock::now();
  auto r = client().Post("/v1/models/m:predict", "{}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 504);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_EQ(upstream.requests(), 1) << "a request that reached the upstream was sent again";
  upstream.release();

  // A port nobody listens on: every connection attempt fails, then 502.
  std::uint16_t closedPort;
  {
    TestUpstream gone("gone");
    closedPort = static_cast<std::uint16_t>(gone.port());
  }
  hooks_.primary = {"127.0.0.1", closedPort};
  auto before = proxy_->stats();
  auto refused = client().Post("/v1/models/m:predict", "{}", "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 502);
  EXPECT_NE(refused->body.find("cannot connect"), std::string::npos) << refused->body;
  EXPECT_EQ(proxy_->stats().upstreamConnects - before.upstreamConnects, 2u) << "connect was not retried (2 attempts)";
}

TEST_F(ProxyTest, AHangingShadowNeverDelaysThePrimary) {
  auto& stable = addUpstream("stable");
  auto& shadow = addUpstream("shadow");
  shadow.hang();
  hooks_.primary = addressOf(stable);
  hooks_.shadow = addressOf(shadow);
  ProxyOptions o;
  o.maxShadowInFlight = 4;
  o.requestTimeout = 20s;  // the shadow would hold a request this long
  startProxy(o);
  auto c = client(2s);  // a primary answer held back by its shadow would time this client out
  for (int i = 0; i < 20; ++i) {
    auto r = c.Post("/v1/models/m:predict", "{}", "application/json");
    ASSERT_TRUE(r) << "request " << i << ": " << httplib::to_string(r.error());
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_TRUE(waitFor([&] { return shadow.waiting() == 4; }, 5s)) << shadow.waiting();
  EXPECT_EQ(hooks_.dropped.load(), 16) << "shadows over the in-flight bound must be dropped and counted";
  EXPECT_EQ(hooks_.compared.load(), 0);
  shadow.release();
  EXPECT_TRUE(waitFor([&] { return hooks_.compared.load() == 4; }, 5s)) << hooks_.compared.load();
  EXPECT_EQ(hooks_.agreed.load(), 4);
  // With room again, shadows are sent and compared; a disagreeing class is not "agreed".
  shadow.setClass("7");
  c.Post("/v1/models/m:predict", "{}", "application/json");
  EXPECT_TRUE(waitFor([&] { return hooks_.compared.load() == 5; }, 5s));
  EXPECT_EQ(hooks_.agreed.load(), 4);
}

TEST_F(ProxyTest, DrainFinishesInFlightRequestsAndRefusesNewOnes) {
  auto& upstream = addUpstream("stable");
  hooks_.primary = addressOf(upstream);
  startProxy();
  upstream.hang();
  std::vector<std::future<int>> inFlight;
  for (int i = 0; i < 5; ++i)
    inFlight.push_back(std::async(std::launch::async, [this] {
      auto r = client(20s).Post("/v1/models/m:predict", "{}", "application/json");
      return r ? r->status : -1;
    }));
  ASSERT_TRUE(waitFor([&] { return upstream.waiting() == 5; }, 5s));
  auto idle = client();
  ASSERT_EQ(idle.Get("/healthz")->status, 200);  // an idle keep-alive connection, closed by the drain
  auto drained = std::async(std::launch::async, [this] { return proxy_->drain(10s); });
  ASSERT_TRUE(waitFor([&] { return proxy_->draining(); }, 5s));
  // Refused: the listener is closed (or the connection is closed before an answer).
  EXPECT_TRUE(waitFor([&] {
    httplib::Client fresh("127.0.0.1", proxy_->port());
    fresh.set_connection_timeout(1s);
    return !fresh.Get("/healthz");
  }, 5s));
  EXPECT_EQ(drained.wait_for(0ms), std::future_status::timeout) << "drain returned with requests in flight";
  upstream.release();
  for (auto& f : inFlight) EXPECT_EQ(f.get(), 200);
  EXPECT_TRUE(drained.get()) << "drain did not finish within its grace";
}

}  // namespace
}  // namespace modelops::itest
