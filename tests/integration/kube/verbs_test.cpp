// Integration tests of the typed verbs and the retry policy against a local HTTP server:
// paths, query parameters, content types and bodies of every verb; 429 with Retry-After retried;
// 403 and 500-on-POST not retried; 409 Conflict surfaced with the Status message; connection
// errors retried with backoff for GET; the client-side rate limit; fencing: a write under a fired
// CancelToken is not sent, and one in flight is aborted when its token fires.
// Thread-safety: recorded requests are guarded by a mutex; time is a FakeClock advanced by the
// RecordingSleeper, so no test sleeps.
#include <gtest/gtest.h>

#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>

#include "fakes/wait.h"
#include "integration/kube/test_server.h"
#include "modelops/kube/factory.h"
#include "fakes/fake_clock.h"

namespace modelops::kube::testing {
namespace {

using namespace std::chrono_literals;

struct Recorded {
  std::string method, path, query, contentType, body;
};

class VerbsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.autoAdvance(true);  // the client's waits move the fake clock and are recorded
    server_ = std::make_unique<TestServer>(std::make_unique<httplib::Server>());
    auto record = [this](const httplib::Request& req, httplib::Response& res) {
      Recorded r{req.method, req.path, "", req.get_header_value("Content-Type"), req.body};
      for (const auto& [k, v] : req.params) r.query += (r.query.empty() ? "" : "&") + k + "=" + v;
      int n;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(r);
        n = static_cast<int>(requests_.size());
      }
      respond_(req, res, n);
    };
    for (auto* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
      std::string m = method;
      const char* pattern = "/(api|apis)/.*";
      if (m == "GET") server_->http().Get(pattern, record);
      if (m == "POST") server_->http().Post(pattern, record);
      if (m == "PUT") server_->http().Put(pattern, record);
      if (m == "PATCH") server_->http().Patch(pattern, record);
      if (m == "DELETE") server_->http().Delete(pattern, record);
    }
    server_->start();
  }

  std::unique_ptr<KubeClient> client(double qps = 0, int burst = 30) {
    ClientConfig config;
    config.server = server_->url(false);
    config.qps = qps;
    config.burst = burst;
    ClientDeps deps;
    deps.clock = &clock_;
    deps.sleeper = &clock_;
    deps.jitterSeed = 7;
    auto c = makeKubeClient(config, std::move(deps));
    if (!c) throw std::runtime_error(c.error().message);
    return std::move(*c);
  }
  std::vector<Recorded> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  void respondWith(std::function<void(const httplib::Request&, httplib::Response&, int)> f) { respond_ = std::move(f); }

  modelops::testing::FakeClock clock_;
  std::unique_ptr<TestServer> server_;
  std::mutex mu_;
  std::vector<Recorded> requests_;
  std::function<void(const httplib::Request&, httplib::Response&, int)> respond_ =
      [](const httplib::Request&, httplib::Response& res, int) { res.set_content("{}", "application/json"); };
};

TEST_F(VerbsTest, EveryVerbSendsTheRightPathQueryContentTypeAndBody) {
  respondWith([](const httplib::Request& req, httplib::Response& res, int) {
    if (req.method == "GET" && req.path == "/apis/modelops.dev/v1alpha1/namespaces/ml/modeldeployments") {
      res.set_content(R"({"kind":"ModelDeploymentList","metadata":{"resourceVersion":"77","continue":"next"},
                          "items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]})", "application/json");
      return;
    }
    res.set_content(R"({"kind":"Thing","metadata":{"name":"x"}})", "application/json");
  });
  auto kube = client();
  const Resource& md = resources::modelDeployments();
  Json object = {{"apiVersion", "modelops.dev/v1alpha1"}, {"kind", "ModelDeployment"},
                 {"metadata", {{"name", "fraud"}, {"namespace", "ml"}, {"resourceVersion", "5"}}}};

  auto listed = kube->list(md, "ml", {.labelSelector = "app!=x,tier in (a,b)", .fieldSelector = "metadata.name=a",
                                      .limit = 500, .continueToken = "tok", .resourceVersion = ""});
  ASSERT_TRUE(listed.ok()) << listed.error().describe();
  ASSERT_EQ(listed->items.size(), 2u);
  EXPECT_EQ(listed->items[1]["apiVersion"], "modelops.dev/v1alpha1");
  EXPECT_EQ(listed->items[1]["kind"], "ModelDeployment");
  EXPECT_EQ(listed->resourceVersion, "77");
  EXPECT_EQ(listed->continueToken, "next");
  ASSERT_TRUE(kube->get(md, "ml", "fraud").ok());
  ASSERT_TRUE(kube->create(md, "", object).ok());  // namespace taken from the object
  ASSERT_TRUE(kube->update(md, "ml", object).ok());
  ASSERT_TRUE(kube->updateStatus(md, "ml", object).ok());
  ASSERT_TRUE(kube->patch(md, "ml", "fraud", PatchType::Merge, {{"spec", {{"paused", true}}}}).ok());
  ASSERT_TRUE(kube->patch(md, "ml", "fraud", PatchType::Json, Json::array({{{"op", "remove"}, {"path", "/spec/x"}}})).ok());
  ASSERT_TRUE(kube->patch(resources::deployments(), "ml", "d", PatchType::StrategicMerge, {{"spec", Json::object()}}).ok());
  ASSERT_TRUE(kube->patch(md, "ml", "fraud", PatchType::Apply, object, {.fieldManager = "modelops", .force = true, .status = true}).ok());
  ASSERT_TRUE(kube->remove(md, "ml", "fraud", {.propagationPolicy = "Foreground", .preconditionResourceVersion = "5",
                                               .preconditionUid = std::nullopt}).ok());
  ASSERT_TRUE(kube->remove(resources::namespaces(), "ignored", "ml").ok());

  auto r = requests();
  ASSERT_EQ(r.size(), 11u);
  const std::string base = "/apis/modelops.dev/v1alpha1/namespaces/ml/modeldeployments";
  EXPECT_EQ(r[0].method + " " + r[0].path, "GET " + base);
  EXPECT_EQ(r[0].query, "continue=tok&fieldSelector=metadata.name=a&labelSelector=app!=x,tier in (a,b)&limit=500");
  EXPECT_EQ(r[1].method + " " + r[1].path, "GET " + base + "/fraud");
  EXPECT_EQ(r[2].method + " " + r[2].path, "POST " + base);
  EXPECT_EQ(Json::parse(r[2].body), object);
  EXPECT_EQ(r[3].method + " " + r[3].path, "PUT " + base + "/fraud");
  EXPECT_EQ(r[4].method + " " + r[4].path, "PUT " + base + "/fraud/status");
  EXPECT_EQ(r[5].contentType, "application/merge-patch+json");
  EXPECT_EQ(Json::parse(r[5].body), Json({{"spec", {{"paused", true}}}}));
  EXPECT_EQ(r[6].contentType, "application/json-patch+json");
  EXPECT_EQ(r[7].path, "/apis/apps/v1/namespaces/ml/deployments/d");
  EXPECT_EQ(r[7].contentType, "application/strategic-merge-patch+json");
  EXPECT_EQ(r[8].method + " " + r[8].path, "PATCH " + base + "/fraud/status");
  EXPECT_EQ(r[8].contentType, "application/apply-patch+yaml");
  EXPECT_EQ(r[8].query, "fieldManager=modelops&force=true");
  EXPECT_EQ(r[9].method, "DELETE");
  Json options = Json::parse(r[9].body);
  EXPECT_EQ(options["kind"], "DeleteOptions");
  EXPECT_EQ(options["propagationPolicy"], "Foreground");
  EXPECT_EQ(options["preconditions"]["resourceVersion"], "5");
  EXPECT_EQ(r[10].path, "/api/v1/namespaces/ml");  // cluster-scoped: the namespace argument is ignored
}

TEST_F(VerbsTest, TooManyRequestsWithRetryAfterIsRetriedThenSucceeds) {
  respondWith([](const httplib::Request&, httplib::Response& res, int n) {
    if (n <= 2) {
      res.status = 429;
      res.set_header("Retry-After", "3");
      res.set_content(statusBody(429, "TooManyRequests", "slow down"), "application/json");
      return;
    }
    res.set_content(R"({"metadata":{"name":"cm"}})", "application/json");
  });
  auto result = client()->get(resources::configMaps(), "ns", "cm");
  ASSERT_TRUE(result.ok()) << result.error().describe();
  EXPECT_EQ(requests().size(), 3u);
  auto sleeps = clock_.sleeps();
  ASSERT_EQ(sleeps.size(), 2u);
  EXPECT_EQ(sleeps[0], std::chrono::seconds(3));  // honours Retry-After exactly
  EXPECT_EQ(sleeps[1], std::chrono::seconds(3));
}

TEST_F(VerbsTest, TooManyRequestsGivesUpAfterTheAttemptLimit) {
  respondWith([](const httplib::Request&, httplib::Response& res, int) {
    res.status = 429;
    res.set_header("Retry-After", "1");
    res.set_content(statusBody(429, "TooManyRequests", "slow down"), "application/json");
  });
  auto result = client()->create(resources::configMaps(), "ns", {{"metadata", {{"name", "cm"}}}});
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.error().isTooManyRequests());
  EXPECT_EQ(result.error().retryAfterSeconds, 1);
  EXPECT_EQ(requests().size(), 5u);  // maxAttempts
}

TEST_F(VerbsTest, ForbiddenIsNotRetried) {
  respondWith([](const httplib::Request&, httplib::Response& res, int) {
    res.status = 403;
    res.set_content(statusBody(403, "Forbidden", "configmaps \"cm\" is forbidden: User \"x\" cannot get"), "application/json");
  });
  auto result = client()->get(resources::configMaps(), "ns", "cm");
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.error().isForbidden());
  EXPECT_EQ(requests().size(), 1u);
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(VerbsTest, ConflictSurfacesWithTheStatusMessage) {
  const std::string message =
      "Operation cannot be fulfilled on modeldeployments.modelops.dev \"fraud\": the object has been modified; "
      "please apply your changes to the latest version and try again";
  respondWith([&](const httplib::Request&, httplib::Response& res, int) {
    res.status = 409;
    res.set_content(statusBody(409, "Conflict", message), "application/json");
  });
  auto result = client()->update(resources::modelDeployments(), "ml", {{"metadata", {{"name", "fraud"}}}});
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.error().isConflict());
  EXPECT_FALSE(result.error().isAlreadyExists());
  EXPECT_EQ(result.error().message, message);
  EXPECT_EQ(result.error().describe(), "409 Conflict: " + message);
  EXPECT_EQ(requests().size(), 1u);
}

TEST_F(VerbsTest, ServerErrorIsRetriedForGetButNotForPost) {
  respondWith([](const httplib::Request& req, httplib::Response& res, int n) {
    if (req.method == "POST" || n == 1) {
      res.status = 500;
      res.set_content("upstream exploded", "text/plain");
      return;
    }
    res.set_content("{}", "application/json");
  });
  auto kube = client();
  auto got = kube->get(resources::configMaps(), "ns", "cm");
  ASSERT_TRUE(got.ok()) << got.error().describe();
  EXPECT_EQ(requests().size(), 2u);
  ASSERT_EQ(clock_.sleeps().size(), 1u);
  EXPECT_GE(clock_.sleeps()[0], 100ms);  // the first backoff: 200 ms with jitter in [0.5, 1]
  EXPECT_LE(clock_.sleeps()[0], 200ms);
  auto created = kube->create(resources::configMaps(), "ns", {{"metadata", {{"name", "cm"}}}});
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, 500);
  EXPECT_EQ(created.error().reason, "InternalError");
  EXPECT_EQ(created.error().message, "upstream exploded");
  EXPECT_EQ(requests().size(), 3u);
}

TEST_F(VerbsTest, ConnectionRefusedIsRetriedWithGrowingBackoff) {
  int port = server_->port();
  server_->stop();  // nothing listens on the port any more
  ClientConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(port);
  config.qps = 0;
  ClientDeps deps;
  deps.clock = &clock_;
  deps.sleeper = &clock_;
  deps.jitterSeed = 1;
  auto kube = makeKubeClient(config, std::move(deps));
  ASSERT_TRUE(kube.ok());
  auto result = (*kube)->get(resources::configMaps(), "ns", "cm");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().reason, "ConnectionError");
  auto sleeps = clock_.sleeps();
  ASSERT_EQ(sleeps.size(), 4u);  // 5 attempts
  for (std::size_t i = 0; i < sleeps.size(); ++i) {  // 200 ms doubling, each scaled by a jitter in [0.5, 1]
    std::chrono::nanoseconds base = 200ms * (1 << i);
    EXPECT_GE(sleeps[i], base / 2) << i;
    EXPECT_LE(sleeps[i], base) << i;
  }
}

TEST_F(VerbsTest, ClientSideRateLimitDelaysRequestsBeyondTheBurst) {
  auto kube = client(/*qps=*/2, /*burst=*/3);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(kube->get(resources::configMaps(), "ns", "cm").ok());
  auto sleeps = clock_.sleeps();
  ASSERT_EQ(sleeps.size(), 2u);  // the 4th and 5th requests each wait half a second
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(sleeps[0]), 500ms);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(sleeps[1]), 500ms);
  EXPECT_EQ(requests().size(), 5u);
}

TEST_F(VerbsTest, BasicAuthAndTokenHeaders) {
  std::string authorization;
  respondWith([&](const httplib::Request& req, httplib::Response& res, int) {
    authorization = req.get_header_value("Authorization");
    res.set_content("{}", "application/json");
  });
  ClientConfig config;
  config.server = server_->url(false);
  config.username = "admin";
  config.password = "pw";
  ClientDeps deps;
  deps.clock = &clock_;
  auto kube = makeKubeClient(config, std::move(deps));
  ASSERT_TRUE(kube.ok());
  ASSERT_TRUE((*kube)->list(resources::namespaces(), "").ok());
  EXPECT_EQ(authorization, "Basic YWRtaW46cHc=");
  config.bearerToken = "tok";  // a token wins over basic auth
  ClientDeps deps2;
  deps2.clock = &clock_;
  auto withToken = makeKubeClient(config, std::move(deps2));
  ASSERT_TRUE((*withToken)->list(resources::namespaces(), "").ok());
  EXPECT_EQ(authorization, "Bearer tok");
}

TEST_F(VerbsTest, HandlerExceptionsLeaveTheWatchAndReachTheCaller) {
  respondWith([](const httplib::Request& req, httplib::Response& res, int) {
    if (!req.has_param("watch")) return res.set_content("{}", "application/json");
    res.set_content("{\"type\":\"ADDED\",\"object\":{}}\n{\"type\":\"ADDED\",\"object\":{}}\n", "application/json");
  });
  auto kube = client();
  int calls = 0;
  EXPECT_THROW((void)kube->watch(resources::configMaps(), "ns", WatchOptions{}, [&](const WatchEvent&) -> bool {
    ++calls;
    throw std::runtime_error("handler bug");
  }, CancelToken()), std::runtime_error);
  EXPECT_EQ(calls, 1);
  // The client is still usable afterwards.
  EXPECT_TRUE(kube->get(resources::configMaps(), "ns", "cm").ok());
}

TEST_F(VerbsTest, ApplyWithoutFieldManagerIsRejectedBeforeSending) {
  auto result = client()->patch(resources::modelDeployments(), "ml", "x", PatchType::Apply, Json::object());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, 400);
  EXPECT_TRUE(requests().empty());
}

TEST_F(VerbsTest, WritesUnderAFiredTokenAreNotSent) {
  auto kube = client();
  CancelToken term;
  term.cancel();
  Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "cm"}, {"namespace", "ns"}}}};
  std::vector<KubeResult<Json>> results;
  results.push_back(kube->create(resources::configMaps(), "ns", cm, term));
  results.push_back(kube->update(resources::configMaps(), "ns", cm, term));
  results.push_back(kube->updateStatus(resources::modelDeployments(), "ns", cm, term));
  results.push_back(kube->patch(resources::configMaps(), "ns", "cm", PatchType::Merge, Json::object(), {}, term));
  results.push_back(kube->remove(resources::configMaps(), "ns", "cm", {}, term));
  for (const auto& r : results) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().reason, "Cancelled") << r.error().describe();
    EXPECT_FALSE(r.error().isRetryable());
  }
  EXPECT_TRUE(requests().empty()) << requests().size() << " requests reached the server";
  // A token that has not fired lets the write through.
  EXPECT_TRUE(kube->create(resources::configMaps(), "ns", cm, CancelToken()).ok());
  EXPECT_EQ(requests().size(), 1u);
}

TEST_F(VerbsTest, AWriteInFlightIsAbortedWhenItsTokenFires) {
  std::mutex gateMu;
  std::condition_variable gateCv;
  bool open = false;
  respondWith([&](const httplib::Request&, httplib::Response& res, int) {
    std::unique_lock lock(gateMu);
    gateCv.wait_for(lock, 30s, [&] { return open; });  // holds the answer until the test is done
    res.set_content("{}", "application/json");
  });
  auto kube = client();
  CancelToken term;
  Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "cm"}, {"namespace", "ns"}}}};
  auto write = std::async(std::launch::async, [&] { return kube->create(resources::configMaps(), "ns", cm, term); });
  struct OpenGate {  // on every way out, before the future's destructor waits for the write
    std::function<void()> open;
    ~OpenGate() { open(); }
  } openGate{[&] {
    {
      std::lock_guard lock(gateMu);
      open = true;
    }
    gateCv.notify_all();
  }};
  ASSERT_TRUE(modelops::testing::waitFor([&] { return !requests().empty(); }, 10s)) << "the write never reached the server";
  term.cancel();
  bool returned = write.wait_for(5s) == std::future_status::ready;
  openGate.open();
  ASSERT_TRUE(returned) << "the write was not aborted when its token fired";
  auto result = write.get();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().reason, "Cancelled") << result.error().describe();
  EXPECT_EQ(requests().size(), 1u) << "the aborted write was retried";
}

}  // namespace
}  // namespace modelops::kube::testing
