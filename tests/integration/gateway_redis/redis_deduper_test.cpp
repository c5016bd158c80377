// RedisDeduper against a real redis-server on 127.0.0.1 (a port this test picks), and while it is down or
// hanging: labels are counted once across replicas, a Redis outage falls back to memory within the timeouts.
#include "modelops/gateway/feedback/redis_deduper.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>

#include "fakes/fake_clock.h"
#include "fakes/wait.h"
#include "modelops/gateway/feedback/feedback_service.h"
#include "support/process.h"

namespace modelops::gateway {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;

constexpr std::int64_t kT0 = 1'780'000'000'000;
const char* const kRedisServer = "/usr/bin/redis-server";

// A loopback socket bound to a port the kernel picks; listen() makes it a peer that never answers.
class LoopbackSocket {
 public:
  LoopbackSocket() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port_ = ntohs(addr.sin_port);
    }
  }
  ~LoopbackSocket() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool listen() { return ::listen(fd_, 16) == 0; }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

std::unique_ptr<ChildProcess> startRedis(int port) {
  auto redis = std::make_unique<ChildProcess>(std::vector<std::string>{
      kRedisServer, "--port", std::to_string(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
      "--dir", std::filesystem::temp_directory_path().string()});
  if (!redis->waitForOutput([](const std::string& out) { return out.find("Ready to accept connections") != std::string::npos; },
                            10s)) {
    return nullptr;
  }
  return redis;
}

struct RedisFixture : ::testing::Test {
  void SetUp() override {
    if (!std::filesystem::exists(kRedisServer)) GTEST_SKIP() << "redis-server is not installed (Debian: redis-server)";
    for (int attempt = 0; attempt < 3 && !redis; ++attempt) {
      LoopbackSocket probe;  // a free port: closed just before redis binds it (retried if taken meanwhile)
      port = probe.port();
      probe.close();
      redis = startRedis(port);
    }
    ASSERT_TRUE(redis) << "redis-server did not start";
  }
  std::shared_ptr<LabelDeduper> replica(GatewayMetrics& m, std::int64_t retryMs = 50) {
    RedisOptions options;
    options.port = port;
    options.retryIntervalMs = retryMs;
    options.commandTimeoutMs = 300;
    auto d = makeRedisDeduper(options, std::make_shared<WindowDeduper>(), m);
    EXPECT_TRUE(d.ok());
    return d.ok() ? d.value() : nullptr;
  }
  int port = 0;
  std::unique_ptr<ChildProcess> redis;
  GatewayMetrics metrics;
};

bool rendered(const GatewayMetrics& m, const std::string& line) { return m.render().find(line) != std::string::npos; }

TEST_F(RedisFixture, AKeyIsFirstOnceAcrossReplicas) {
  auto a = replica(metrics);
  auto b = replica(metrics);
  EXPECT_TRUE(a->markFirst("id-1", kT0, 60'000));
  EXPECT_FALSE(b->markFirst("id-1", kT0, 60'000)) << "the other replica sees it through Redis";
  EXPECT_EQ(b->markFirstBatch({"id-2", "id-1", "id-2", "id-3"}, kT0, {60'000, 60'000, 60'000, 60'000}),
            (std::vector<bool>{true, false, false, true}));
  EXPECT_TRUE(rendered(metrics, "modelops_feedback_dedupe_fallback_total 0\n"));
}

TEST_F(RedisFixture, KeysExpireWithTheirTtl) {
  auto a = replica(metrics);
  auto b = replica(metrics);
  ASSERT_TRUE(a->markFirst("short", kT0, 50));
  // b's own window never saw the key, so once Redis forgets it (PX 50) b counts it again.
  EXPECT_TRUE(testing::waitFor([&] { return b->markFirst("short", kT0, 60'000); }, 5s));
}

TEST_F(RedisFixture, OutageFallsBackToMemoryQuicklyAndRecovers) {
  auto a = replica(metrics);
  ASSERT_TRUE(a->markFirst("before", kT0, 60'000));
  ASSERT_EQ(redis->terminate(5s), 0);
  redis.reset();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(a->markFirst("before", kT0, 60'000)) << "the window remembers what this replica counted";
  EXPECT_TRUE(a->markFirst("during", kT0, 60'000));
  EXPECT_FALSE(a->markFirst("during", kT0, 60'000));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_FALSE(rendered(metrics, "modelops_feedback_dedupe_fallback_total 0\n"));
  redis = startRedis(port);
  ASSERT_TRUE(redis);
  auto b = replica(metrics);
  // a reconnects within its retry interval: a key it marks is then seen by b through Redis.
  int n = 0;
  EXPECT_TRUE(testing::waitFor([&] {
    const std::string key = "after-" + std::to_string(n++);
    return a->markFirst(key, kT0, 60'000) && !b->markFirst(key, kT0, 60'000);
  }, 5s));
}

TEST(RedisDeduperUnreachable, HangingOrAbsentRedisIsBoundedInTime) {
  GatewayMetrics metrics;
  LoopbackSocket hanging;  // accepts the TCP handshake (backlog) but never answers
  ASSERT_TRUE(hanging.listen());
  LoopbackSocket closed;   // bound, not listening: connection refused
  for (int port : {hanging.port(), closed.port()}) {
    RedisOptions options;
    options.port = port;
    options.connectTimeoutMs = 100;
    options.commandTimeoutMs = 100;
    options.retryIntervalMs = 60'000;
    auto d = makeRedisDeduper(options, std::make_shared<WindowDeduper>(), metrics);
    ASSERT_TRUE(d.ok());
    const auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(d.value()->markFirst("k", kT0, 1000));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s) << port;
    const auto second = std::chrono::steady_clock::now();
    EXPECT_FALSE(d.value()->markFirst("k", kT0, 1000));
    EXPECT_LT(std::chrono::steady_clock::now() - second, 50ms) << "no reconnect before the retry interval";
  }
  EXPECT_TRUE(rendered(metrics, "modelops_feedback_dedupe_fallback_total 4\n"));
}

TEST_F(RedisFixture, FeedbackIsCountedOnceAcrossTwoGatewayReplicas) {
  testing::FakeClock clock;
  const auto keys = std::make_shared<KeyRingSource>(
      KeyRing{signingKey(std::string(32, 'k')), std::nullopt});
  GatewayMetrics metricsA, metricsB;
  FeedbackService a(keys, replica(metricsA), metricsA, clock);
  FeedbackService b(keys, replica(metricsB), metricsB, clock);
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();
  const std::string id = encodePredictionId(PredictionId{"ns", "m", "v1", "r1", "", "cat", now, 0, false}, keys->current()->current);
  const std::string body = nlohmann::json{{"predictionId", id}, {"label", "cat"}}.dump();
  EXPECT_EQ(nlohmann::json::parse(a.handle(body, "application/json").body)["result"], "correct");
  EXPECT_EQ(nlohmann::json::parse(b.handle(body, "application/json").body)["result"], "duplicate");
  const std::string series = R"({class="cat",model="m",namespace="ns",revision="r1",segment="",version="v1"} 1)";
  EXPECT_TRUE(rendered(metricsA, "modelops_feedback_labeled_total" + series));
  EXPECT_EQ(metricsB.render().find("modelops_feedback_labeled_total{"), std::string::npos);
}

}  // namespace
}  // namespace modelops::gateway
