// Issue 12 rows 2-4 against local raw-socket listeners: no metric provider can exhaust or stall the
// operator (endless body, 2 GiB Content-Length, a one-byte trickle), the operator's network position is
// not lent (denied link-local / metadata addresses, checked after name resolution), and what a provider
// answered never reaches a verdict's message (internal pages, 1 MiB error texts).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "fake_http.h"
#include "fakes/wait.h"
#include "http_call.h"
#include "modelops/analysis/destination_policy.h"
#include "modelops/analysis/prometheus_provider.h"
#include "modelops/analysis/runner.h"
#include "modelops/analysis/web_provider.h"
#include "raw_server.h"

namespace modelops::analysis {
namespace {

using Kind = ProviderError::Kind;
using std::chrono::milliseconds;
using testing::FakeHttpServer;
using testing::RawServer;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kLimit = 64 * 1024;

detail::HttpRequestSpec specFor(const std::string& url, milliseconds deadline, std::size_t limit = kLimit) {
  detail::HttpRequestSpec spec;
  spec.endpoint = *parseHttpAddress(url);
  spec.pathAndQuery = "/metrics.json";
  spec.deadline = deadline;
  spec.connectTimeout = std::min(deadline, milliseconds(2000));
  spec.maxResponseBytes = limit;
  return spec;
}

// An answer that never ends: a 200 without Content-Length, 16 KiB after 16 KiB until the peer leaves.
void endlessBody(RawServer::Connection& c) {
  if (!c.readRequestHead()) return;
  if (!c.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")) return;
  const std::string chunk(16 * 1024, '1');
  while (c.write(chunk)) {
  }
}

TEST(ProviderLimits, EndlessBodyStopsAtTheSizeLimit) {
  RawServer server(endlessBody);
  server.start();
  detail::HttpCallStats stats;
  const auto r = detail::httpCall(specFor(server.url(), milliseconds(10000)), "web test", CancelToken{}, &stats);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::ResponseTooLarge) << r.error().message;
  EXPECT_NE(r.error().message.find("ResponseTooLarge"), std::string::npos) << r.error().message;
  EXPECT_LE(stats.maxBodyBytesHeld, kLimit);                  // never held more than the limit
  EXPECT_GT(stats.maxBodyBytesHeld, kLimit - 16 * 1024 - 1);  // and did read up to it
  EXPECT_LT(stats.elapsed, milliseconds(5000));
}

TEST(ProviderLimits, AnnouncedTwoGibibytesAreRefusedBeforeReading) {
  RawServer server([](RawServer::Connection& c) {
    if (!c.readRequestHead()) return;
    if (!c.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2147483648\r\n\r\n")) return;
    const std::string chunk(16 * 1024, '7');
    while (c.write(chunk)) {
    }
  });
  server.start();
  detail::HttpCallStats stats;
  const auto r = detail::httpCall(specFor(server.url(), milliseconds(10000)), "web test", CancelToken{}, &stats);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::ResponseTooLarge) << r.error().message;
  EXPECT_EQ(stats.maxBodyBytesHeld, 0u);
  EXPECT_LT(stats.elapsed, milliseconds(5000));
}

// Headers that never end (cpp-httplib bounds a header line, not their number): stopped by the bytes
// received, long before the deadline, with the server's bytes bounded by what the socket buffers hold.
void headerFlood(RawServer::Connection& c, const std::string& line) {
  if (!c.readRequestHead()) return;
  if (!c.write("HTTP/1.1 200 OK\r\n")) return;
  while (c.write(line)) {
  }
}

TEST(ProviderLimits, EndlessHeadersStopAtTheSizeBudget) {
  for (const std::string& line : {"X-Flood: " + std::string(1000, 'h') + "\r\n", std::string(16 * 1024, 'h')}) {
    RawServer server([&](RawServer::Connection& c) { headerFlood(c, line); });
    server.start();
    detail::HttpCallStats stats;
    const auto r = detail::httpCall(specFor(server.url(), milliseconds(20000)), "web test", CancelToken{}, &stats);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, Kind::ResponseTooLarge) << r.error().message;
    EXPECT_LT(stats.elapsed, milliseconds(5000));
    server.stop();
    // What the client took in is the budget plus what arrived within one watchdog period; socket
    // buffers hold a few MiB more on the server's side. Without the budget: 20 s of loopback traffic.
    EXPECT_LT(server.bytesWritten(), std::size_t{64} << 20) << server.bytesWritten();
  }
}

// The limits never cost a legitimate answer: 3 MiB under the default 4 MiB, once with a Content-Length
// and once chunked in 1 KiB chunks (the wire budget leaves room for the framing).
TEST(ProviderLimits, AnAnswerWithinTheLimitIsReadWhole) {
  std::string body = R"({"pad": ")" + std::string(3 * 1024 * 1024, 'p') + R"(", "v": 0.5})";
  FakeHttpServer server;
  server.http().Get("/plain", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(body, "application/json");
  });
  server.http().Get("/chunked", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("application/json", [&](std::size_t offset, httplib::DataSink& sink) {
      if (offset >= body.size()) {
        sink.done();
        return true;
      }
      return sink.write(body.data() + offset, std::min<std::size_t>(1024, body.size() - offset));
    });
  });
  server.start();
  for (const char* path : {"/plain", "/chunked"}) {
    WebConfig c;
    c.url = server.url() + path;
    c.timeout = milliseconds(10000);
    auto r = WebProvider(c).query("$.v", CancelToken{});
    ASSERT_TRUE(r.ok()) << path << ": " << r.error().message;
    EXPECT_DOUBLE_EQ(r->samples.at(0).value, 0.5) << path;
  }
}

TEST(ProviderLimits, ADefaultLimitAppliesThroughTheProvider) {
  RawServer server(endlessBody);
  server.start();
  WebConfig c;
  c.url = server.url() + "/metrics.json";
  c.timeout = milliseconds(20000);
  c.limits.maxResponseBytes = 256 * 1024;
  const auto started = Clock::now();
  const auto r = WebProvider(c).query("$.x", CancelToken{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::ResponseTooLarge) << r.error().message;
  EXPECT_LT(Clock::now() - started, milliseconds(10000));
}

// One byte every 2 s: no single read ever times out, yet the request must end at its deadline.
void trickle(RawServer::Connection& c, const std::string& head) {
  if (!c.readRequestHead()) return;
  if (!c.write(head)) return;
  while (c.pause(milliseconds(2000)) && c.write("1")) {
  }
}

void expectDeadlineHonoured(RawServer& server, milliseconds deadline) {
  server.start();
  PrometheusConfig c;
  c.address = server.url();
  c.readTimeout = deadline;
  const auto started = Clock::now();
  const auto r = PrometheusProvider(c).query("up", CancelToken{});
  const auto took = Clock::now() - started;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::Timeout) << r.error().message;
  EXPECT_GE(took, deadline - milliseconds(50));
  EXPECT_LT(took, deadline + milliseconds(1500)) << "deadline " << deadline.count() << "ms";
}

TEST(ProviderLimits, ABodyTrickleEndsAtTheOverallDeadline) {
  RawServer server([](RawServer::Connection& c) {
    trickle(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n");
  });
  expectDeadlineHonoured(server, milliseconds(3000));
}

TEST(ProviderLimits, AHeaderTrickleEndsAtTheOverallDeadline) {
  RawServer server([](RawServer::Connection& c) { trickle(c, "HTTP/1.1 200 OK\r\nX-Slow: "); });
  expectDeadlineHonoured(server, milliseconds(3000));
}

TEST(ProviderLimits, TheOperatorCapShortensALongProviderTimeout) {
  RawServer server([](RawServer::Connection& c) { trickle(c, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"); });
  server.start();
  PrometheusConfig c;
  c.address = server.url();
  c.readTimeout = milliseconds(60000);
  c.limits.maxRequestTimeout = milliseconds(2000);
  const auto started = Clock::now();
  const auto r = PrometheusProvider(c).query("up", CancelToken{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::Timeout) << r.error().message;
  EXPECT_LT(Clock::now() - started, milliseconds(3500));
}

TEST(ProviderLimits, CancelStopsATrickleAtOnce) {
  RawServer server([](RawServer::Connection& c) { trickle(c, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"); });
  server.start();
  CancelToken cancel;
  std::thread canceller([&] {  // cancels once the request reached the server
    modelops::testing::waitFor([&] { return server.connections() > 0; });
    cancel.cancel();
  });
  const auto started = Clock::now();
  const auto r = detail::httpCall(specFor(server.url(), milliseconds(20000)), "web test", cancel);
  canceller.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::Cancelled) << r.error().message;
  EXPECT_LT(Clock::now() - started, milliseconds(5000));
}

// ---- destinations ----

TEST(ProviderDestinations, MetadataAndLinkLocalAddressesAreDeniedByDefault) {
  for (const std::string address : {"http://169.254.169.254/latest/meta-data", "http://169.254.1.1:9090",
                                    "http://[fd00:ec2::254]/", "http://[::ffff:169.254.169.254]:80",
                                    "http://[fe80::1]:9090", "http://100.100.100.200/"}) {
    PrometheusConfig c;
    c.address = address;
    c.readTimeout = milliseconds(2000);
    const auto started = Clock::now();
    const auto r = PrometheusProvider(c).query("up", CancelToken{});
    ASSERT_FALSE(r.ok()) << address;
    EXPECT_EQ(r.error().kind, Kind::DestinationDenied) << address << ": " << r.error().message;
    EXPECT_NE(r.error().message.find("DestinationDenied"), std::string::npos) << r.error().message;
    EXPECT_LT(Clock::now() - started, milliseconds(500)) << address << " must not be tried";
  }
}

TEST(ProviderDestinations, TheCheckRunsOnTheResolvedAddressesOfAName) {
  FakeHttpServer server;
  int hits = 0;
  server.http().Get("/v", [&](const httplib::Request&, httplib::Response& res) {
    ++hits;
    res.set_content(R"({"v": 1})", "application/json");
  });
  const int port = server.start();
  WebConfig c;
  c.url = "http://localhost:" + std::to_string(port) + "/v";
  c.timeout = milliseconds(3000);
  // "localhost" is no denied name; its addresses are.
  c.limits.destinations = std::make_shared<DestinationPolicy>(*DestinationPolicy::parse({}, {"127.0.0.0/8", "::1"}));
  auto denied = WebProvider(c).query("$.v", CancelToken{});
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().kind, Kind::DestinationDenied) << denied.error().message;
  EXPECT_EQ(hits, 0);
  // An allow list that names other ranges denies it too; allowing the name lets it through.
  c.limits.destinations = std::make_shared<DestinationPolicy>(*DestinationPolicy::parse({"10.0.0.0/8"}, {}));
  EXPECT_EQ(WebProvider(c).query("$.v", CancelToken{}).error().kind, Kind::DestinationDenied);
  c.limits.destinations = std::make_shared<DestinationPolicy>(*DestinationPolicy::parse({"LOCALHOST."}, {}));
  auto allowed = WebProvider(c).query("$.v", CancelToken{});
  ASSERT_TRUE(allowed.ok()) << allowed.error().message;
  EXPECT_EQ(hits, 1);
}

TEST(ProviderDestinations, AnUnresolvableHostIsADnsFailure) {
  PrometheusConfig c;
  c.address = "http://no-such-host.invalid:9090";
  c.readTimeout = milliseconds(5000);
  const auto r = PrometheusProvider(c).query("up", CancelToken{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::DnsFailure) << r.error().message;
  EXPECT_NE(r.error().message.find("DNSFailure: cannot resolve host \"no-such-host.invalid\""), std::string::npos)
      << r.error().message;
}

// ---- what reaches status ----

MetricSpec webThresholdMetric(const std::string& url) {
  MetricSpec m;
  m.name = "latency";
  WebTemplate t;
  t.config.url = url;
  t.config.timeout = milliseconds(3000);
  m.provider = t;
  m.query = "$.value";
  m.threshold = ThresholdCriteria{std::nullopt, 1.0};
  return m;
}

TEST(ProviderAnswersInStatus, AnInternalPageNeverReachesTheVerdict) {
  const std::string secret = "INTERNAL-ADMIN-PAGE root:x:0:0 token=abc123";
  FakeHttpServer server;
  server.http().Get("/page", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content("<html>" + secret + "</html>", "text/html");
  });
  server.http().Get("/missing", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 404;
    res.set_content(secret, "text/plain");
  });
  server.http().Get("/string", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"value": ")" + secret + R"("})", "application/json");
  });
  server.start();
  AnalysisRunner runner;
  TemplateVars vars;
  for (const auto& [path, expected] : {std::pair{"/page", "BadResponse"}, std::pair{"/missing", "HttpStatus: HTTP 404"},
                                       std::pair{"/string", "BadResponse"}}) {
    const Verdict v = runner.measure(webThresholdMetric(server.url() + path), vars, std::nullopt, CancelToken{});
    EXPECT_EQ(v.phase, VerdictPhase::Error) << path;
    EXPECT_NE(v.reason.find(expected), std::string::npos) << path << ": " << v.reason;
    EXPECT_EQ(v.reason.find("INTERNAL"), std::string::npos) << path << ": " << v.reason;
    EXPECT_EQ(v.reason.find("abc123"), std::string::npos) << path << ": " << v.reason;
  }
}

TEST(ProviderAnswersInStatus, AOneMebibyteErrorTextIsNotCopied) {
  const std::string huge(1024 * 1024, 'E');
  FakeHttpServer server;
  server.http().Post("/api/v1/query", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 400;
    res.set_content(R"({"status":"error","errorType":"bad_data","error":")" + huge + R"("})", "application/json");
  });
  server.http().Post("/plain/api/v1/query", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 500;
    res.set_content(huge, "text/plain");
  });
  server.start();
  PrometheusConfig c;
  c.address = server.url();
  c.readTimeout = milliseconds(5000);
  const auto r = PrometheusProvider(c).query("up", CancelToken{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::QueryError);
  EXPECT_NE(r.error().message.find("QueryError: bad_data (HTTP 400"), std::string::npos) << r.error().message;
  EXPECT_LT(r.error().message.size(), 300u);
  EXPECT_LE(r.error().detail.size(), ProviderError::kMaxDetailBytes + 64);
  c.address = server.url() + "/plain";
  const auto plain = PrometheusProvider(c).query("up", CancelToken{});
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.error().kind, Kind::HttpStatus);
  EXPECT_LT(plain.error().message.size(), 200u) << plain.error().message.substr(0, 300);
  // Through the runner: the verdict's reason stays short.
  MetricSpec m;
  m.name = "accuracy";
  c.address = server.url();
  m.provider = c;
  m.successes = "s";
  m.trials = "t";
  m.accuracy = AccuracyCriteria{};
  const Verdict v = AnalysisRunner().measure(m, TemplateVars{}, std::nullopt, CancelToken{});
  EXPECT_EQ(v.phase, VerdictPhase::Error);
  EXPECT_LT(v.reason.size(), 400u);
  EXPECT_EQ(v.reason.find("EEEE"), std::string::npos);
}

}  // namespace
}  // namespace modelops::analysis
