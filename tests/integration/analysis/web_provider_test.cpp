// Integration tests of WebProvider and of the runner's web path against a fake JSON endpoint on
// 127.0.0.1: URL/body/header templates rendered per revision (percent-encoded, JSON-escaped), JSONPath
// picking, HTTP errors, and an accuracy metric judged from a label service.
// Thread-safety: single test thread; handlers run on the fake server's threads.
#include <mutex>

#include <gtest/gtest.h>

#include "fake_http.h"
#include "modelops/analysis/runner.h"
#include "modelops/analysis/web_provider.h"

namespace modelops::analysis {
namespace {

using Kind = ProviderError::Kind;

class WebProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      method = req.method;
      version = req.get_param_value("version");
      requestBody = req.body;
      header = req.get_header_value("X-Model");
      res.status = status;
      res.set_content(answer, "application/json");
    };
    server.http().Get("/accuracy", handler);
    server.http().Post("/accuracy", handler);
    server.start();
  }

  testing::FakeHttpServer server;
  std::mutex mu;
  std::string method, version, requestBody, header;
  int status = 200;
  std::string answer = R"({"correct": 930, "labeled": 1000, "segments": [{"name": "eu", "value": 0.7}]})";
};

TEST_F(WebProviderTest, GetPicksValuesWithJsonPath) {
  WebConfig c;
  c.url = server.url() + "/accuracy?version=v1";
  WebProvider p(c);
  auto correct = p.query("$.correct", CancelToken{});
  ASSERT_TRUE(correct.ok()) << correct.error().message;
  EXPECT_DOUBLE_EQ(correct->samples.at(0).value, 930);
  EXPECT_EQ(correct->query, "$.correct");
  auto seg = p.query("$.segments[0].value", CancelToken{});
  ASSERT_TRUE(seg.ok());
  EXPECT_DOUBLE_EQ(seg->samples.at(0).value, 0.7);
  std::lock_guard lock(mu);
  EXPECT_EQ(method, "GET");
  EXPECT_EQ(version, "v1");
}

TEST_F(WebProviderTest, HttpErrorIsAnError) {
  status = 500;
  WebConfig c;
  c.url = server.url() + "/accuracy";
  auto r = WebProvider(c).query("$.correct", CancelToken{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::HttpStatus);
  EXPECT_NE(r.error().message.find("500"), std::string::npos);
}

TEST_F(WebProviderTest, RunnerRendersPerRevisionAndJudges) {
  MetricSpec m;
  m.name = "label-service";
  WebConfig c;
  c.url = server.url() + "/accuracy?model={{model}}&version={{version}}";
  c.method = "POST";
  c.body = R"({"track": "{{track}}", "model": "{{model}}"})";
  c.headers = {{"X-Model", "{{model}}"}};
  m.provider = WebTemplate{c};
  m.successes = "$.correct";
  m.trials = "$.labeled";
  m.accuracy = AccuracyCriteria{0.9, 0.95, 200, std::nullopt, std::nullopt};
  AnalysisRunner runner;
  Verdict v = runner.measure(m, TemplateVars{"fd", "ml", "fr\"aud", "2.4.0 rc&x", "4", "canary", {}}, std::nullopt, CancelToken{});
  EXPECT_EQ(v.phase, VerdictPhase::Pass) << v.reason;
  EXPECT_DOUBLE_EQ(v.samples, 1000);
  EXPECT_EQ(v.query, "successes: $.correct | trials: $.labeled");
  std::lock_guard lock(mu);
  EXPECT_EQ(method, "POST");
  EXPECT_EQ(version, "2.4.0 rc&x");  // percent-encoded in the URL, decoded by the server
  EXPECT_EQ(requestBody, R"({"track": "canary", "model": "fr\"aud"})");
  EXPECT_EQ(header, "fr\"aud");
}

TEST_F(WebProviderTest, MissingFieldIsInconclusiveNotZero) {
  answer = R"({"labeled": 1000})";
  MetricSpec m;
  m.name = "label-service";
  WebConfig c;
  c.url = server.url() + "/accuracy";
  m.provider = WebTemplate{c};
  m.successes = "$.correct";
  m.trials = "$.labeled";
  m.accuracy = AccuracyCriteria{0.9, 0.95, 200, std::nullopt, std::nullopt};
  Verdict v = AnalysisRunner().measure(m, TemplateVars{}, std::nullopt, CancelToken{});
  EXPECT_EQ(v.phase, VerdictPhase::Inconclusive) << v.reason;
}

}  // namespace
}  // namespace modelops::analysis
