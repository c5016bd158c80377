// Unit tests of response parsing: Prometheus /api/v1/query answers (vector, scalar, empty, NaN/Inf,
// matrix, string, status:error, non-JSON), addresses, and JSONPath extraction for the web provider.
// Thread-safety: single-threaded tests.
#include <cmath>
#include <map>
#include <vector>

#include <gtest/gtest.h>

#include "modelops/analysis/prometheus_provider.h"
#include "modelops/analysis/web_provider.h"

namespace modelops::analysis {
namespace {

using Kind = ProviderError::Kind;

TEST(PrometheusParse, VectorGivesLabelledSamples) {
  auto r = parsePrometheusResponse(200, R"({"status":"success","data":{"resultType":"vector","result":[
      {"metric":{"segment":"eu-west"},"value":[1700000000.1,"240"]},
      {"metric":{"segment":"us-east"},"value":[1700000000.1,"1.5e3"]}]}})", "q");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->samples.size(), 2u);
  EXPECT_EQ(r->samples[0].labels.at("segment"), "eu-west");
  EXPECT_DOUBLE_EQ(r->samples[0].value, 240);
  EXPECT_DOUBLE_EQ(r->samples[1].value, 1500);
  EXPECT_EQ(r->query, "q");
  EXPECT_TRUE(r->hasData());
  ASSERT_TRUE(r->evaluatedAt.has_value());
  EXPECT_DOUBLE_EQ(*r->evaluatedAt, 1700000000.1);
}

TEST(PrometheusParse, ScalarGivesOneUnlabelledSample) {
  auto r = parsePrometheusResponse(200, R"({"status":"success","data":{"resultType":"scalar","result":[1.0,"0.25"]}})", "q");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->samples.size(), 1u);
  EXPECT_TRUE(r->samples[0].labels.empty());
  EXPECT_DOUBLE_EQ(r->samples[0].value, 0.25);
  EXPECT_EQ(r->evaluatedAt, std::optional<double>(1.0));
}

TEST(PrometheusParse, EmptyVectorIsNoDataNotAnError) {
  auto r = parsePrometheusResponse(200, R"({"status":"success","data":{"resultType":"vector","result":[]}})", "q");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->samples.empty());
  EXPECT_FALSE(r->hasData());
}

TEST(PrometheusParse, NaNAndInfStayNonFinite) {
  auto r = parsePrometheusResponse(200, R"({"status":"success","data":{"resultType":"vector","result":[
      {"metric":{},"value":[1,"NaN"]},{"metric":{},"value":[1,"+Inf"]},{"metric":{},"value":[1,"-Inf"]}]}})", "q");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->samples.size(), 3u);
  EXPECT_TRUE(std::isnan(r->samples[0].value));
  EXPECT_TRUE(std::isinf(r->samples[1].value) && r->samples[1].value > 0);
  EXPECT_TRUE(std::isinf(r->samples[2].value) && r->samples[2].value < 0);
  EXPECT_FALSE(r->hasData());
}

TEST(PrometheusParse, MatrixAndStringAreUnsupported) {
  for (const char* body : {R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"]]}]}})",
                           R"({"status":"success","data":{"resultType":"string","result":[1,"x"]}})"}) {
    auto r = parsePrometheusResponse(200, body, "q");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, Kind::Unsupported);
    EXPECT_NE(r.error().message.find("unsupported result type"), std::string::npos);
    EXPECT_EQ(r.error().query, "q");
  }
}

// The message (status, Events) carries the documented errorType and the HTTP status; the backend's
// text goes to detail (the debug log) only.
TEST(PrometheusParse, ErrorStatusCarriesTypeInMessageAndTextInDetail) {
  auto r = parsePrometheusResponse(400, R"({"status":"error","errorType":"bad_data","error":"parse error at char 5"})", "q");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::QueryError);
  EXPECT_NE(r.error().message.find("QueryError: bad_data (HTTP 400"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("parse error at char 5"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().detail, "parse error at char 5");
  // An errorType Prometheus does not document is body text too.
  auto odd = parsePrometheusResponse(400, R"({"status":"error","errorType":"<html>internal","error":"x"})", "q");
  ASSERT_FALSE(odd.ok());
  EXPECT_NE(odd.error().message.find("QueryError: unknown (HTTP 400"), std::string::npos) << odd.error().message;
  EXPECT_EQ(odd.error().message.find("internal"), std::string::npos) << odd.error().message;
}

TEST(PrometheusParse, MembersOfTheWrongTypeAreBadResponsesNotExceptions) {
  // Found by fuzzing: json::value() threw type_error on these shapes.
  auto resultType = parsePrometheusResponse(200, R"({"status":"success","data":{"resultType":[1],"result":[]}})", "q");
  ASSERT_FALSE(resultType.ok());
  EXPECT_EQ(resultType.error().kind, Kind::BadResponse);
  EXPECT_NE(resultType.error().message.find("data.resultType is not a string"), std::string::npos);

  auto errorFields = parsePrometheusResponse(400, R"({"status":"error","errorType":7,"error":["x"]})", "q");
  ASSERT_FALSE(errorFields.ok());
  EXPECT_EQ(errorFields.error().kind, Kind::QueryError);
  EXPECT_NE(errorFields.error().message.find("QueryError: unknown"), std::string::npos);
  EXPECT_EQ(errorFields.error().detail, "(no error text)");
}

TEST(PrometheusParse, NonJsonIsHttpStatusOrBadResponse) {
  auto proxy = parsePrometheusResponse(502, "<html>Bad Gateway</html>", "q");
  ASSERT_FALSE(proxy.ok());
  EXPECT_EQ(proxy.error().kind, Kind::HttpStatus);
  EXPECT_EQ(proxy.error().message, "prometheus: HttpStatus: HTTP 502");
  EXPECT_EQ(proxy.error().detail, "<html>Bad Gateway</html>");
  auto garbage = parsePrometheusResponse(200, "not json", "q");
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().kind, Kind::BadResponse);
  auto badValue = parsePrometheusResponse(200, R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"abc"]}]}})", "q");
  ASSERT_FALSE(badValue.ok());
  EXPECT_EQ(badValue.error().kind, Kind::BadResponse);
}

// queryTogether's one request: every query tagged with its index, joined with `or`.
TEST(PrometheusCombined, TagsEachQueryWithItsIndex) {
  EXPECT_EQ(PrometheusProvider::combineQueries({"sum(a)", "sum by (s) (b)"}),
            R"(label_replace((sum(a)), "modelops_part", "0", "", "") or )"
            R"(label_replace((sum by (s) (b)), "modelops_part", "1", "", ""))");
}

TEST(PrometheusCombined, SplitGivesEachQueryItsSeriesWithoutTheTag) {
  QueryResult combined;
  combined.query = "combined";
  combined.evaluatedAt = 1700000000.5;
  combined.samples = {Sample{{{"modelops_part", "1"}, {"segment", "eu"}}, 100},
                      Sample{{{"modelops_part", "0"}, {"segment", "eu"}}, 90},
                      Sample{{{"modelops_part", "1"}, {"segment", "us"}}, 50}};
  auto parts = PrometheusProvider::splitCombined(combined, {"s", "t", "p"});
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[0].query, "s");
  ASSERT_EQ((*parts)[0].samples.size(), 1u);
  EXPECT_EQ((*parts)[0].samples[0].labels, (std::map<std::string, std::string>{{"segment", "eu"}}));
  EXPECT_DOUBLE_EQ((*parts)[0].samples[0].value, 90);
  ASSERT_EQ((*parts)[1].samples.size(), 2u);
  EXPECT_EQ((*parts)[1].samples[1].labels.at("segment"), "us");
  EXPECT_TRUE((*parts)[2].samples.empty()) << "a query without series is no data, as on its own";
  EXPECT_EQ((*parts)[2].evaluatedAt, std::optional<double>(1700000000.5));
}

TEST(PrometheusCombined, ASeriesWithoutAKnownPartIsABadResponse) {
  for (const auto& labels : std::vector<std::map<std::string, std::string>>{
           {{"segment", "eu"}}, {{"modelops_part", "2"}}, {{"modelops_part", "x"}}, {{"modelops_part", ""}}}) {
    QueryResult combined;
    combined.samples = {Sample{labels, 1}};
    auto parts = PrometheusProvider::splitCombined(combined, {"s", "t"});
    ASSERT_FALSE(parts.ok());
    EXPECT_EQ(parts.error().kind, Kind::BadResponse);
    EXPECT_NE(parts.error().message.find("modelops_part"), std::string::npos) << parts.error().message;
  }
}

TEST(HttpAddress, ParsesSchemeHostPortPrefix) {
  auto a = parseHttpAddress("http://prometheus.monitoring:9090");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "prometheus.monitoring");
  EXPECT_EQ(a->port, 9090);
  EXPECT_EQ(a->pathPrefix, "");
  auto b = parseHttpAddress("https://prom.example/sub/path/");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->port, 443);
  EXPECT_EQ(b->pathPrefix, "/sub/path");
  auto c = parseHttpAddress("http://[::1]:9090");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->host, "::1");
  EXPECT_FALSE(parseHttpAddress("prom:9090").ok());
  EXPECT_FALSE(parseHttpAddress("ftp://x").ok());
  EXPECT_FALSE(parseHttpAddress("http://x:99999").ok());
  EXPECT_FALSE(parseHttpAddress("http://user:pw@x:9090").ok());
}

TEST(WebExtract, PicksNumbersNumericStringsAndNull) {
  const std::string body = R"({"correct": 812, "labeled": "900", "items": [{"value": 1}, {"value": 2.5}], "missing": null})";
  auto a = extractJsonSamples(body, "$.correct");
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_EQ(a->samples.size(), 1u);
  EXPECT_DOUBLE_EQ(a->samples[0].value, 812);
  auto b = extractJsonSamples(body, "$.labeled");
  ASSERT_TRUE(b.ok());
  EXPECT_DOUBLE_EQ(b->samples[0].value, 900);
  auto c = extractJsonSamples(body, "$.items[*].value");
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->samples.size(), 2u);
  EXPECT_DOUBLE_EQ(c->samples[1].value, 2.5);
  auto d = extractJsonSamples(body, "$.items[0].value");
  ASSERT_TRUE(d.ok());
  EXPECT_DOUBLE_EQ(d->samples.at(0).value, 1);
  auto n = extractJsonSamples(body, "$.missing");
  ASSERT_TRUE(n.ok());
  EXPECT_FALSE(n->hasData());
  auto none = extractJsonSamples(body, "$.nothere");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->samples.empty());
}

TEST(WebExtract, NonNumbersAndBadJsonAreErrors) {
  EXPECT_EQ(extractJsonSamples(R"({"a": {"b": 1}})", "$.a").error().kind, Kind::BadResponse);
  EXPECT_EQ(extractJsonSamples(R"({"a": true})", "$.a").error().kind, Kind::BadResponse);
  EXPECT_EQ(extractJsonSamples(R"({"a": "high"})", "$.a").error().kind, Kind::BadResponse);
  EXPECT_EQ(extractJsonSamples("<html>", "$.a").error().kind, Kind::BadResponse);
}

}  // namespace
}  // namespace modelops::analysis
