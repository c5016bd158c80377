// Provider requests over IPv6 loopback and IPv4-mapped literals (the destination policy sees through
// them), and TLS with the CA held in memory: only that CA is trusted, and CA data without a certificate
// is a configuration error, not a TLS failure.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "fake_http.h"
#include "modelops/analysis/destination_policy.h"
#include "modelops/analysis/prometheus_provider.h"
#include "modelops/analysis/web_provider.h"
#include "fakes/wait.h"

namespace modelops::analysis {
namespace {

using Kind = ProviderError::Kind;
using std::chrono::milliseconds;
using testing::FakeHttpServer;

// An httplib server on [::1] (FakeHttpServer binds 127.0.0.1 only).
class Ipv6Server {
 public:
  Ipv6Server() {
    server_.new_task_queue = [] { return new httplib::ThreadPool(2); };
    server_.Get("/v", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"v": 6})", "application/json");
    });
    port_ = server_.bind_to_any_port("::1");
    if (port_ > 0) thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Ipv6Server() {
    if (!thread_.joinable()) return;
    modelops::testing::waitFor([&] { return server_.is_running(); }, std::chrono::seconds(5));
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

TEST(ProviderNetwork, ReachesAnIpv6Literal) {
  Ipv6Server server;
  if (server.port() <= 0) GTEST_SKIP() << "no IPv6 loopback here";
  WebConfig c;
  c.url = "http://[::1]:" + std::to_string(server.port()) + "/v";
  c.timeout = milliseconds(3000);
  auto r = WebProvider(c).query("$.v", CancelToken{});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_DOUBLE_EQ(r->samples.at(0).value, 6);
  // ::1 is in a denied range: no request.
  c.limits.destinations = std::make_shared<DestinationPolicy>(*DestinationPolicy::parse({}, {"::1/128"}));
  auto denied = WebProvider(c).query("$.v", CancelToken{});
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().kind, Kind::DestinationDenied) << denied.error().message;
}

TEST(ProviderNetwork, AMappedLiteralIsCheckedAsTheIpv4AddressItCarries) {
  FakeHttpServer server;
  int hits = 0;
  server.http().Get("/v", [&](const httplib::Request&, httplib::Response& res) {
    ++hits;
    res.set_content(R"({"v": 4})", "application/json");
  });
  const int port = server.start();
  WebConfig c;
  c.url = "http://[::ffff:127.0.0.1]:" + std::to_string(port) + "/v";
  c.timeout = milliseconds(3000);
  c.limits.destinations = std::make_shared<DestinationPolicy>(*DestinationPolicy::parse({}, {"127.0.0.0/8"}));
  auto denied = WebProvider(c).query("$.v", CancelToken{});
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().kind, Kind::DestinationDenied) << denied.error().message;
  EXPECT_NE(denied.error().message.find("127.0.0.1"), std::string::npos) << denied.error().message;
  EXPECT_EQ(hits, 0);
  // Allowed by an IPv4 range, it reaches the IPv4 server.
  c.limits.destinations = std::make_shared<DestinationPolicy>(*DestinationPolicy::parse({"127.0.0.0/8"}, {}));
  auto allowed = WebProvider(c).query("$.v", CancelToken{});
  ASSERT_TRUE(allowed.ok()) << allowed.error().message;
  EXPECT_EQ(hits, 1);
}

TEST(ProviderNetwork, OnlyTheInMemoryCaIsTrusted) {
  testing::TempDir dir, otherDir;
  const auto [cert, key] = testing::selfSignedCert(dir);
  const auto [otherCert, otherKey] = testing::selfSignedCert(otherDir);
  FakeHttpServer server(std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str()));
  server.http().Post("/api/v1/query", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"success","data":{"resultType":"scalar","result":[1,"3"]}})", "application/json");
  });
  server.start();
  PrometheusConfig c;
  c.address = server.url("https");
  c.readTimeout = milliseconds(3000);
  c.caPem = testing::readFile(otherCert) + testing::readFile(cert);  // a bundle: the signer is the second
  auto ok = PrometheusProvider(c).query("up", CancelToken{});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_DOUBLE_EQ(ok->samples.at(0).value, 3);
  c.caPem = testing::readFile(otherCert);  // another CA only
  auto wrong = PrometheusProvider(c).query("up", CancelToken{});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().kind, Kind::Unreachable);
  EXPECT_NE(wrong.error().message.find("certificate failed verification"), std::string::npos) << wrong.error().message;
  c.caPem = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n";
  auto garbage = PrometheusProvider(c).query("up", CancelToken{});
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().kind, Kind::InvalidConfig);
  EXPECT_NE(garbage.error().message.find("no PEM certificate"), std::string::npos) << garbage.error().message;
}

}  // namespace
}  // namespace modelops::analysis
