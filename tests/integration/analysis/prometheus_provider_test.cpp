// Integration tests of PrometheusProvider against fake Prometheus servers on 127.0.0.1: requests as
// sent (POST form / GET, auth, headers), every answer shape, and the failure modes (refused, slow,
// error JSON, no series, NaN, matrix) — each with its documented result, and the runner + judge never
// passing on them.
// Thread-safety: single test thread; handlers run on the fake server's threads.
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>

#include <gtest/gtest.h>

#include "fake_http.h"
#include "modelops/analysis/prometheus_provider.h"
#include "modelops/analysis/runner.h"
#include "fakes/wait.h"

namespace modelops::analysis {
namespace {

using Kind = ProviderError::Kind;
using testing::FakeHttpServer;
using testing::Gate;

std::string vectorBody(const std::string& results) {
  return R"({"status":"success","data":{"resultType":"vector","result":[)" + results + "]}}";
}

struct Seen {
  std::mutex mu;
  std::string method, query, authorization, tenant, contentType;
  std::vector<std::pair<std::string, std::string>> requests;  // (query, time) of every request, in order
};

class PrometheusProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(seen.mu);
        seen.method = req.method;
        seen.query = req.get_param_value("query");
        seen.authorization = req.get_header_value("Authorization");
        seen.tenant = req.get_header_value("X-Scope-OrgID");
        seen.contentType = req.get_header_value("Content-Type");
        seen.requests.emplace_back(seen.query, req.get_param_value("time"));
      }
      if (slow) gate.wait();
      if (answerFor) {
        const auto [code, text] = answerFor(req.get_param_value("query"));
        res.status = code;
        res.set_content(text, "application/json");
        return;
      }
      res.status = status;
      res.set_content(body, "application/json");
    };
    server.http().Post("/api/v1/query", handler);
    server.http().Get("/api/v1/query", handler);
    server.http().Post("/prefix/api/v1/query", handler);
    server.start();
  }

  PrometheusConfig config() {
    PrometheusConfig c;
    c.address = server.url();
    c.connectTimeout = std::chrono::milliseconds(1000);
    c.readTimeout = std::chrono::milliseconds(1000);
    return c;
  }

  MetricSpec accuracyMetric(PrometheusConfig c) {
    MetricSpec m;
    m.name = "accuracy";
    m.provider = std::move(c);
    m.successes = R"(sum by (segment) (correct{version="{{version}}"}))";
    m.trials = R"(sum by (segment) (labeled{version="{{version}}"}))";
    m.accuracy = AccuracyCriteria{0.9, 0.95, 100, std::nullopt, std::nullopt};
    m.segments = SegmentCriteria{"segment", 0.85, 50, std::nullopt};
    return m;
  }

  Verdict measureOnce(PrometheusConfig c) {
    AnalysisRunner runner;
    return runner.measure(accuracyMetric(std::move(c)), TemplateVars{"fd", "ml", "fraud", "v2", "2", "canary", {}},
                          std::nullopt, CancelToken{});
  }

  FakeHttpServer server;
  Gate gate;  // declared after the server: released (destroyed) before the server stops
  Seen seen;
  std::atomic<bool> slow{false};
  int status = 200;
  std::string body = vectorBody(R"({"metric":{"segment":"eu-west"},"value":[1,"950"]})");
  // When set (before the first request), answers by query instead of status/body.
  std::function<std::pair<int, std::string>(const std::string& query)> answerFor;
};

TEST_F(PrometheusProviderTest, PostsTheQueryFormEncodedAndReadsAVector) {
  PrometheusProvider p(config());
  const std::string q = R"(sum by (segment) (increase(m{version="a b&c"}[10m])))";
  auto r = p.query(q, CancelToken{});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->samples.size(), 1u);
  EXPECT_EQ(r->samples[0].labels.at("segment"), "eu-west");
  EXPECT_DOUBLE_EQ(r->samples[0].value, 950);
  EXPECT_EQ(r->query, q);
  std::lock_guard lock(seen.mu);
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.query, q);  // decoded by the server exactly as sent
  EXPECT_EQ(seen.contentType, "application/x-www-form-urlencoded");
}

TEST_F(PrometheusProviderTest, GetWithAuthHeadersAndPathPrefix) {
  PrometheusConfig c = config();
  c.usePost = false;
  c.bearerToken = "s3cret";
  c.headers = {{"X-Scope-OrgID", "team-ml"}};
  PrometheusProvider p(c);
  ASSERT_TRUE(p.query("up", CancelToken{}).ok());
  {
    std::lock_guard lock(seen.mu);
    EXPECT_EQ(seen.method, "GET");
    EXPECT_EQ(seen.query, "up");
    EXPECT_EQ(seen.authorization, "Bearer s3cret");
    EXPECT_EQ(seen.tenant, "team-ml");
  }
  c = config();
  c.address += "/prefix/";
  c.basicAuth = std::make_pair("user", "pw");
  ASSERT_TRUE(PrometheusProvider(c).query("up", CancelToken{}).ok());
  std::lock_guard lock(seen.mu);
  EXPECT_EQ(seen.authorization, "Basic dXNlcjpwdw==");
}

TEST_F(PrometheusProviderTest, ScalarResult) {
  body = R"({"status":"success","data":{"resultType":"scalar","result":[1700000000,"0.42"]}})";
  auto r = PrometheusProvider(config()).query("scalar(x)", CancelToken{});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->samples.size(), 1u);
  EXPECT_DOUBLE_EQ(r->samples[0].value, 0.42);
}

TEST_F(PrometheusProviderTest, ConnectionRefusedIsUnreachableAndAnErrorVerdict) {
  PrometheusConfig c = config();
  c.address = "http://127.0.0.1:" + std::to_string(testing::refusedPort());
  auto r = PrometheusProvider(c).query("up", CancelToken{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::Unreachable);
  EXPECT_NE(r.error().message.find("refused"), std::string::npos) << r.error().message;
  Verdict v = measureOnce(c);
  EXPECT_EQ(v.phase, VerdictPhase::Error);
  EXPECT_NE(v.reason.find("refused"), std::string::npos) << v.reason;
}

TEST_F(PrometheusProviderTest, SlowServerTimesOutAndIsAnErrorVerdict) {
  slow = true;
  PrometheusConfig c = config();
  c.readTimeout = std::chrono::milliseconds(300);
  const auto started = std::chrono::steady_clock::now();
  auto r = PrometheusProvider(c).query("up", CancelToken{});
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::Timeout) << r.error().message;
  EXPECT_NE(r.error().message.find("300ms"), std::string::npos) << r.error().message;
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  EXPECT_EQ(measureOnce(c).phase, VerdictPhase::Error);
  gate.release();
}

TEST_F(PrometheusProviderTest, CancelStopsAWaitingQuery) {
  slow = true;
  PrometheusConfig c = config();
  c.readTimeout = std::chrono::milliseconds(20000);
  CancelToken cancel;
  std::thread canceller([&] {
    modelops::testing::waitFor([&] { return gate.waiting() > 0; }, std::chrono::seconds(10));
    cancel.cancel();
  });
  const auto started = std::chrono::steady_clock::now();
  auto r = PrometheusProvider(c).query("up", cancel);
  canceller.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::Cancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  gate.release();
}

TEST_F(PrometheusProviderTest, ErrorJsonCarriesErrorTypeAndKeepsTheTextForTheLog) {
  status = 400;
  body = R"({"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected \"}\""})";
  auto r = PrometheusProvider(config()).query("sum(", CancelToken{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::QueryError);
  EXPECT_NE(r.error().message.find("QueryError: bad_data (HTTP 400"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().detail.find("1:5: parse error"), std::string::npos) << r.error().detail;
  Verdict v = measureOnce(config());
  EXPECT_EQ(v.phase, VerdictPhase::Error);
  EXPECT_NE(v.reason.find("bad_data"), std::string::npos);
}

TEST_F(PrometheusProviderTest, ServiceUnavailableHtmlIsHttpStatus) {
  status = 503;
  body = "<html>upstream down</html>";
  auto r = PrometheusProvider(config()).query("up", CancelToken{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::HttpStatus);
  EXPECT_NE(r.error().message.find("503"), std::string::npos);
  EXPECT_EQ(measureOnce(config()).phase, VerdictPhase::Error);
}

TEST_F(PrometheusProviderTest, NoSeriesIsNoDataAndInconclusive) {
  body = vectorBody("");
  auto r = PrometheusProvider(config()).query("up", CancelToken{});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->hasData());
  Verdict v = measureOnce(config());
  EXPECT_EQ(v.phase, VerdictPhase::Inconclusive) << v.reason;
  EXPECT_NE(v.reason.find("no series"), std::string::npos) << v.reason;
}

TEST_F(PrometheusProviderTest, NaNIsNoDataAndInconclusive) {
  body = vectorBody(R"({"metric":{"segment":"eu-west"},"value":[1,"NaN"]})");
  auto r = PrometheusProvider(config()).query("up", CancelToken{});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->samples.size(), 1u);
  EXPECT_FALSE(r->samples[0].hasValue());
  // The runner asks successes and trials in one combined query: NaN in both parts.
  body = vectorBody(R"({"metric":{"segment":"eu-west","modelops_part":"0"},"value":[1,"NaN"]},)"
                    R"({"metric":{"segment":"eu-west","modelops_part":"1"},"value":[1,"NaN"]})");
  Verdict v = measureOnce(config());
  EXPECT_EQ(v.phase, VerdictPhase::Inconclusive) << v.reason;
}

TEST_F(PrometheusProviderTest, MatrixIsUnsupportedAndAnErrorVerdict) {
  body = R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2,"2"]]}]}})";
  auto r = PrometheusProvider(config()).query("m[5m]", CancelToken{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::Unsupported);
  EXPECT_NE(r.error().message.find("unsupported result type \"matrix\""), std::string::npos);
  Verdict v = measureOnce(config());
  EXPECT_EQ(v.phase, VerdictPhase::Error);
  EXPECT_NE(v.reason.find("unsupported result type"), std::string::npos);
}

TEST(PrometheusProviderTls, VerifiesAgainstTheCaPemInMemory) {
  testing::TempDir dir;
  const auto [cert, key] = testing::selfSignedCert(dir);
  FakeHttpServer server(std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str()));
  server.http().Post("/api/v1/query", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(vectorBody(R"({"metric":{},"value":[1,"7"]})"), "application/json");
  });
  server.start();
  PrometheusConfig c;
  c.address = server.url("https");
  c.caPem = testing::readFile(cert);
  c.connectTimeout = c.readTimeout = std::chrono::milliseconds(2000);
  auto ok = PrometheusProvider(c).query("up", CancelToken{});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_DOUBLE_EQ(ok->samples.at(0).value, 7);
  // Without the CA the server is not trusted.
  c.caPem.clear();
  auto untrusted = PrometheusProvider(c).query("up", CancelToken{});
  ASSERT_FALSE(untrusted.ok());
  EXPECT_EQ(untrusted.error().kind, Kind::Unreachable);
  EXPECT_NE(untrusted.error().message.find("TLS"), std::string::npos) << untrusted.error().message;
  c.insecureSkipVerify = true;
  EXPECT_TRUE(PrometheusProvider(c).query("up", CancelToken{}).ok());
}

}  // namespace
}  // namespace modelops::analysis

namespace modelops::analysis {
namespace {

// The runner's successes and trials go in one request (one snapshot of Prometheus' storage), and the
// verdict is made of its two parts.
TEST_F(PrometheusProviderTest, AccuracyQueriesGoInOneCombinedRequest) {
  body = vectorBody(R"({"metric":{"segment":"eu-west","modelops_part":"0"},"value":[1700000000,"950"]},)"
                    R"({"metric":{"segment":"eu-west","modelops_part":"1"},"value":[1700000000,"1000"]})");
  Verdict v = measureOnce(config());
  EXPECT_EQ(v.samples, 1000) << v.reason;
  ASSERT_TRUE(v.value.has_value()) << v.reason;
  EXPECT_DOUBLE_EQ(*v.value, 0.95);
  std::lock_guard lock(seen.mu);
  ASSERT_EQ(seen.requests.size(), 1u);
  EXPECT_EQ(seen.requests[0].first, PrometheusProvider::combineQueries({R"(sum by (segment) (correct{version="v2"}))",
                                                                         R"(sum by (segment) (labeled{version="v2"}))"}));
  EXPECT_EQ(seen.requests[0].second, "") << "the combined query runs at the server's now";
}

// Prometheus rejects label_replace of a scalar: then the queries go one by one, the later ones pinned to
// the evaluation time of the first answer.
TEST_F(PrometheusProviderTest, RejectedCombinedQueryFallsBackToOneTimeForAll) {
  answerFor = [](const std::string& query) -> std::pair<int, std::string> {
    if (query.find("label_replace") != std::string::npos) {
      return {400, R"({"status":"error","errorType":"bad_data","error":"expected type instant vector in call to function \"label_replace\", got scalar"})"};
    }
    return {200, R"({"status":"success","data":{"resultType":"scalar","result":[1700000000.25,"7"]}})"};
  };
  PrometheusProvider p(config());
  auto r = p.queryTogether({"scalar(a)", "scalar(b)", "scalar(c)"}, CancelToken{});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[2].query, "scalar(c)");
  EXPECT_DOUBLE_EQ((*r)[2].samples.at(0).value, 7);
  std::lock_guard lock(seen.mu);
  ASSERT_EQ(seen.requests.size(), 4u);
  EXPECT_NE(seen.requests[0].first.find("label_replace"), std::string::npos);
  EXPECT_EQ(seen.requests[1], std::make_pair(std::string("scalar(a)"), std::string()));
  EXPECT_EQ(seen.requests[2], std::make_pair(std::string("scalar(b)"), std::string("1700000000.250")));
  EXPECT_EQ(seen.requests[3], std::make_pair(std::string("scalar(c)"), std::string("1700000000.250")));
}

// A query that is wrong on its own is reported with that query, after the fallback.
TEST_F(PrometheusProviderTest, AQueryErrorNamesTheFailingPart) {
  answerFor = [](const std::string& query) -> std::pair<int, std::string> {
    if (query.find("labeled") != std::string::npos) {
      return {400, R"({"status":"error","errorType":"bad_data","error":"parse error"})"};
    }
    return {200, vectorBody(R"({"metric":{},"value":[1700000000,"5"]})")};
  };
  Verdict v = measureOnce(config());
  EXPECT_EQ(v.phase, VerdictPhase::Error);
  EXPECT_NE(v.reason.find("canary trials: prometheus: QueryError: bad_data"), std::string::npos) << v.reason;
}

// Transport errors are not retried one by one: one error, one request.
TEST_F(PrometheusProviderTest, UnreachableCombinedQueryIsOneError) {
  status = 503;
  body = "<html>upstream down</html>";
  auto r = PrometheusProvider(config()).queryTogether({"a", "b"}, CancelToken{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::HttpStatus);
  std::lock_guard lock(seen.mu);
  EXPECT_EQ(seen.requests.size(), 1u);
}

}  // namespace
}  // namespace modelops::analysis
