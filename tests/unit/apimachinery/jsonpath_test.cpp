// Tests of the JSONPath subset (jsonpath.h): printer-column paths, braces, $-rooted paths, wildcards,
// slices, quoted keys, recursive descent and filters, plus syntax errors.
// Thread-safety: single-threaded tests.
#include "modelops/apimachinery/jsonpath.h"

#include <gtest/gtest.h>

namespace modelops::apimachinery {
namespace {

using nlohmann::json;

const json kDoc = json::parse(R"({
  "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web"}},
  "spec": {"containers": [{"name": "app", "image": "app:v1"}, {"name": "proxy", "image": "proxy:v2"}], "replicas": 3},
  "status": {"phase": "Running", "weight": 0.25,
             "conditions": [{"type": "Progressing", "status": "True"}, {"type": "Available", "status": "False"}]},
  "items": [{"name": "a", "n": 1}, {"name": "b", "n": 5}, {"name": "c", "n": 9}]
})");

struct PathCase {
  const char* path;
  json expected;  // array of results
};

class JsonPathEval : public ::testing::TestWithParam<PathCase> {};

TEST_P(JsonPathEval, SelectsExpectedValues) {
  auto r = evalJsonPath(kDoc, GetParam().path);
  ASSERT_TRUE(r.ok()) << GetParam().path << ": " << r.error().message;
  EXPECT_EQ(json(*r), GetParam().expected) << GetParam().path;
}

INSTANTIATE_TEST_SUITE_P(
    Paths, JsonPathEval,
    ::testing::Values(
        PathCase{".status.phase", json::array({"Running"})},
        PathCase{"{.status.phase}", json::array({"Running"})},
        PathCase{"$.status.phase", json::array({"Running"})},
        PathCase{"status.phase", json::array({"Running"})},
        PathCase{".spec.containers[0].image", json::array({"app:v1"})},
        PathCase{".spec.containers[-1].name", json::array({"proxy"})},
        PathCase{"$.spec.containers[1]", json::array({{{"name", "proxy"}, {"image", "proxy:v2"}}})},
        PathCase{".items[*].name", json::array({"a", "b", "c"})},
        PathCase{".spec.containers[*].image", json::array({"app:v1", "proxy:v2"})},
        PathCase{".items[0:2].n", json::array({1, 5})},
        PathCase{".items[1:].name", json::array({"b", "c"})},
        PathCase{".items[::2].name", json::array({"a", "c"})},
        PathCase{".status.conditions[?(@.type==\"Available\")].status", json::array({"False"})},
        PathCase{".status.conditions[?(@.type == 'Progressing')].status", json::array({"True"})},
        PathCase{".status.conditions[?(@.type!=\"Available\")].type", json::array({"Progressing"})},
        PathCase{".items[?(@.n > 4)].name", json::array({"b", "c"})},
        PathCase{".items[?(@.n<=5)].name", json::array({"a", "b"})},
        PathCase{".items[?(@.missing)].name", json::array()},
        PathCase{".items[?(@.n)].name", json::array({"a", "b", "c"})},
        PathCase{".metadata.labels['app.kubernetes.io/name']", json::array({"web"})},
        PathCase{".metadata.labels.app\\.kubernetes\\.io/name", json::array({"web"})},
        PathCase{"..image", json::array({"app:v1", "proxy:v2"})},
        PathCase{".status.weight", json::array({0.25})},
        PathCase{".spec.replicas", json::array({3})},
        PathCase{".status.missing", json::array()},
        PathCase{".spec.containers[5].image", json::array()},
        PathCase{".status.phase.deeper", json::array()},
        PathCase{"{.metadata.name}{.spec.replicas}", json::array({"web", 3})}));

TEST(JsonPath, SyntaxErrors) {
  for (const char* bad : {".a[", ".a[?(@.x==)]", ".a[abc]", "{.a", ".a[?(x==1)]", ".a[1:2:0]", ".a['unterminated]"}) {
    auto r = evalJsonPath(kDoc, bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "InvalidJsonPath");
    EXPECT_FALSE(validateJsonPath(bad).ok()) << bad;
  }
  EXPECT_TRUE(validateJsonPath(".status.conditions[?(@.type==\"Ready\")].status").ok());
}

}  // namespace
}  // namespace modelops::apimachinery
