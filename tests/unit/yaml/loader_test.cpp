// Tests of the YAML loader on whole streams: documents, comments, anchors and aliases, merge keys, map
// keys, and a Kubernetes manifest read as the JSON kubectl would send.
// Thread-safety: single-threaded tests.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "modelops/yaml/yaml.h"

namespace modelops::yaml {
namespace {

using nlohmann::json;

std::vector<json> load(const std::string& text) {
  auto docs = loadYamlDocuments(text);
  EXPECT_TRUE(docs.ok()) << (docs.ok() ? "" : docs.error().message);
  return docs.ok() ? *docs : std::vector<json>{};
}

TEST(YamlDocuments, TheIssueExampleTypesEveryValue) {
  auto docs = load(R"(# a ModelDeployment fragment
model:
  version: "2.4.0"     # quoted: a string
  enabled: "true"
replicas: 4
min: 0.5
on: true
nothing: ~
also: null
)");
  ASSERT_EQ(docs.size(), 1u);
  const json& d = docs[0];
  EXPECT_TRUE(d["model"]["version"].is_string());
  EXPECT_EQ(d["model"]["version"], "2.4.0");
  EXPECT_TRUE(d["model"]["enabled"].is_string());
  EXPECT_TRUE(d["replicas"].is_number_integer());
  EXPECT_EQ(d["replicas"], 4);
  EXPECT_TRUE(d["min"].is_number_float());
  EXPECT_DOUBLE_EQ(d["min"].get<double>(), 0.5);
  EXPECT_EQ(d["true"], true);  // the key `on` is a YAML 1.1 boolean in Kubernetes too: key "true"
  EXPECT_TRUE(d.contains("nothing") && d["nothing"].is_null());
  EXPECT_TRUE(d.contains("also") && d["also"].is_null());
}

struct StreamRow {
  std::string name;
  std::string yaml;
  std::vector<json> expected;
};

TEST(YamlDocuments, StreamsSplitIntoNonEmptyDocuments) {
  const std::vector<StreamRow> rows = {
      {"single", "a: 1\n", {json{{"a", 1}}}},
      {"two", "a: 1\n---\nb: 2\n", {json{{"a", 1}}, json{{"b", 2}}}},
      {"leading separator", "---\na: 1\n", {json{{"a", 1}}}},
      {"trailing separator", "a: 1\n---\n", {json{{"a", 1}}}},
      {"comment-only document", "a: 1\n---\n# nothing here\n---\nb: 2\n", {json{{"a", 1}}, json{{"b", 2}}}},
      {"empty documents", "---\n---\n---\na: 1\n---\n---\n", {json{{"a", 1}}}},
      {"null document", "null\n---\na: 1\n", {json{{"a", 1}}}},
      {"document end markers", "a: 1\n...\n---\nb: 2\n...\n", {json{{"a", 1}}, json{{"b", 2}}}},
      {"only comments", "# just a comment\n", {}},
      {"empty input", "", {}},
      {"list document", "- 1\n- two\n", {json::array({1, "two"})}},
      {"flow style", "{a: [1, 2, {b: c}], d: 'e'}\n", {json{{"a", json::array({1, 2, json{{"b", "c"}}})}, {"d", "e"}}}},
      {"byte order mark", "\xEF\xBB\xBF" "a: 1\n", {json{{"a", 1}}}},
      {"CRLF line ends", "a: 1\r\nb: x\r\n", {json{{"a", 1}, {"b", "x"}}}},
      {"unicode", "name: \"caf\\u00e9\"\nraw: café\n", {json{{"name", "café"}, {"raw", "café"}}}},
  };
  for (const StreamRow& row : rows) {
    EXPECT_EQ(load(row.yaml), row.expected) << row.name;
  }
}

TEST(YamlDocuments, AnchorsAndAliasesAreExpanded) {
  auto docs = load(R"(
defaults: &defaults
  image: server:1.3
  ports: [8080]
a: *defaults
b: &scalar hello
c: *scalar
list: &list [1, 2]
nested: {x: *list}
)");
  ASSERT_EQ(docs.size(), 1u);
  json defaults = {{"image", "server:1.3"}, {"ports", {8080}}};
  EXPECT_EQ(docs[0]["a"], defaults);
  EXPECT_EQ(docs[0]["c"], "hello");
  EXPECT_EQ(docs[0]["nested"]["x"], json::array({1, 2}));
}

TEST(YamlDocuments, AnchorsAreScopedToTheirDocument) {
  auto docs = loadYamlDocuments("a: &x 1\n---\nb: *x\n", "s.yaml");
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.error().message, "s.yaml:3:4: the referenced anchor is not defined");
}

TEST(YamlDocuments, MergeKeysMergeMapsWithWrittenKeysWinning) {
  auto docs = load(R"(
base: &base {image: a, port: 80, tier: gold}
extra: &extra {port: 81, zone: eu}
one:
  <<: *base
  port: 8080
before:
  port: 9090
  <<: *base
list:
  <<: [*extra, *base]
  tier: silver
inline:
  <<: {k: v}
quoted:
  "<<": not a merge
)");
  ASSERT_EQ(docs.size(), 1u);
  const json& d = docs[0];
  EXPECT_EQ(d["one"], (json{{"image", "a"}, {"port", 8080}, {"tier", "gold"}}));
  EXPECT_EQ(d["before"], (json{{"image", "a"}, {"port", 9090}, {"tier", "gold"}}));
  // earlier maps in the list win over later ones: port from extra (81), image from base
  EXPECT_EQ(d["list"], (json{{"image", "a"}, {"port", 81}, {"tier", "silver"}, {"zone", "eu"}}));
  EXPECT_EQ(d["inline"], (json{{"k", "v"}}));
  EXPECT_EQ(d["quoted"], (json{{"<<", "not a merge"}}));
}

TEST(YamlDocuments, NonStringKeysBecomeStringsAsKubernetesConvertsThem) {
  auto docs = load("200: ok\n0x10: hex\ntrue: yes\n1.0: integral float\n'7': quoted\n");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0], (json{{"200", "ok"}, {"16", "hex"}, {"true", true}, {"1", "integral float"},
                           {"7", "quoted"}}));
}

TEST(YamlDocuments, AKubernetesManifestReadsAsKubectlSendsIt) {
  auto docs = load(R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels: {app: demo, version: "1.0"}
data:
  enabled: "true"
  count: "3"
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.25
          args: ["--port", "8080"]
          ports:
            - containerPort: 8080
          resources:
            limits: {nvidia.com/gpu: 1, memory: 512Mi}
)");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0]["metadata"]["labels"]["version"], "1.0");
  EXPECT_EQ(docs[0]["data"]["enabled"], "true");
  EXPECT_EQ(docs[1]["spec"]["replicas"], 3);
  const json& c = docs[1]["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(c["args"], json::array({"--port", "8080"}));
  EXPECT_EQ(c["ports"][0]["containerPort"], 8080);
  EXPECT_EQ(c["resources"]["limits"]["nvidia.com/gpu"], 1);
  EXPECT_EQ(c["resources"]["limits"]["memory"], "512Mi");
}

TEST(YamlDocuments, NestingUpToTheLimitIsAccepted) {
  std::string text = "v: " + std::string(kMaxDepth - 1, '[') + std::string(kMaxDepth - 1, ']') + "\n";
  auto docs = loadYamlDocuments(text);
  ASSERT_TRUE(docs.ok()) << docs.error().message;
  const json* v = &(*docs)[0]["v"];
  int depth = 0;
  while (v->is_array() && !v->empty()) {
    v = &(*v)[0];
    ++depth;
  }
  EXPECT_EQ(depth, kMaxDepth - 2);  // the innermost is an empty array
}

}  // namespace
}  // namespace modelops::yaml
