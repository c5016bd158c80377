// unit.api: the revision hash: 10 hex characters, deterministic (a pinned value), independent of member
// order, changed by any model or template change and by nothing else; variant hashes.
// Thread-safety: single-threaded tests.
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "fixtures.h"
#include "modelops/api/codec.h"
#include "modelops/api/defaults.h"
#include "modelops/api/revision.h"

namespace modelops::api {
namespace {

using nlohmann::json;

std::string hashOf(const json& doc) {
  auto md = decodeModelDeployment(doc);
  EXPECT_TRUE(md.ok());
  if (!md.ok()) return "";
  applyDefaults(*md);
  return computeRevisionHash(md->spec);
}

TEST(Revision, TenLowercaseHexCharacters) {
  const std::string h = hashOf(testing::exampleCanary());
  ASSERT_EQ(h.size(), 10u);
  for (char c : h) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << h;
}

TEST(Revision, PinnedValueForAFixedInput) {
  // Guards against accidental changes of the canonical form: a changed hash renames every Deployment.
  ModelDeploymentSpec spec;
  spec.model.name = "m";
  spec.model.version = "1";
  spec.template_ = json::parse(R"({"spec":{"containers":[{"name":"c","image":"i"}]}})");
  // FNV-1a 64 of {"model":{"name":"m","version":"1"},"template":{"spec":{"containers":[{"image":"i","name":"c"}]}}}
  EXPECT_EQ(computeRevisionHash(spec), computeRevisionHash(spec));
  const std::string canonical =
      R"({"model":{"name":"m","version":"1"},"template":{"spec":{"containers":[{"image":"i","name":"c"}]}}})";
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : canonical) { h ^= c; h *= 1099511628211ULL; }
  char expected[16];
  std::snprintf(expected, sizeof expected, "%010llx", static_cast<unsigned long long>(h >> 24));
  EXPECT_EQ(computeRevisionHash(spec), expected);
}

TEST(Revision, MemberOrderDoesNotMatter) {
  const json a = json::parse(R"({"spec":{"containers":[{"name":"c","image":"i","args":["x"]}]},"metadata":{}})");
  const json b = json::parse(R"({"metadata":{},"spec":{"containers":[{"args":["x"],"image":"i","name":"c"}]}})");
  ModelDeploymentSpec s1, s2;
  s1.model.version = s2.model.version = "1";
  s1.template_ = a;
  s2.template_ = b;
  EXPECT_EQ(computeRevisionHash(s1), computeRevisionHash(s2));
}

struct Change {
  const char* name;
  std::function<void(json&)> apply;
};

TEST(Revision, ChangesWithModelOrTemplate) {
  const std::string base = hashOf(testing::exampleCanary());
  const std::vector<Change> changes = {
      {"model.version", [](json& d) { d["spec"]["model"]["version"] = "2.4.1"; }},
      {"model.uri", [](json& d) { d["spec"]["model"]["uri"] = "s3://models/fraud/2.4.0-b"; }},
      {"model.name", [](json& d) { d["spec"]["model"]["name"] = "fraud"; }},
      {"unknown model field", [](json& d) { d["spec"]["model"]["format"] = "onnx"; }},
      {"image", [](json& d) { d["spec"]["template"]["spec"]["containers"][0]["image"] = "r/ms:1.4"; }},
      {"resources", [](json& d) {
         d["spec"]["template"]["spec"]["containers"][0]["resources"] = {{"limits", {{"nvidia.com/gpu", 1}}}};
       }},
      {"pod label", [](json& d) { d["spec"]["template"]["metadata"] = {{"labels", {{"a", "b"}}}}; }},
  };
  std::set<std::string> seen{base};
  for (const auto& c : changes) {
    SCOPED_TRACE(c.name);
    json doc = testing::exampleCanary();
    c.apply(doc);
    const std::string h = hashOf(doc);
    EXPECT_NE(h, base);
    EXPECT_TRUE(seen.insert(h).second) << "collision " << h;
  }
}

TEST(Revision, UnchangedByEverythingElse) {
  const std::string base = hashOf(testing::exampleCanary());
  const std::vector<Change> changes = {
      {"replicas", [](json& d) { d["spec"]["replicas"] = 9; }},
      {"steps", [](json& d) { d["spec"]["strategy"]["canary"]["steps"][0]["setWeight"] = 20; }},
      {"analysis", [](json& d) { d["spec"]["analysis"]["interval"] = "1m"; }},
      {"paused", [](json& d) { d["spec"]["paused"] = true; }},
      {"metadata", [](json& d) { d["metadata"]["annotations"]["x"] = "y"; }},
      {"status", [](json& d) { d["status"] = {{"phase", "Healthy"}}; }},
      {"model.name defaulted equals explicit", [](json& d) { d["spec"]["model"].erase("name"); }},
  };
  for (const auto& c : changes) {
    SCOPED_TRACE(c.name);
    json doc = testing::exampleCanary();
    c.apply(doc);
    EXPECT_EQ(hashOf(doc), base);
  }
}

TEST(Revision, VariantHashes) {
  auto md = decodeModelDeployment(testing::exampleAbTest());
  ASSERT_TRUE(md.ok());
  applyDefaults(*md);
  const auto& variants = md->spec.strategy->abTest->variants;
  // The control (no overrides) is the same revision as the spec itself.
  EXPECT_EQ(computeVariantHash(md->spec, variants[0]), computeRevisionHash(md->spec));
  EXPECT_NE(computeVariantHash(md->spec, variants[1]), computeRevisionHash(md->spec));
  const ModelSpec treatment = effectiveModel(md->spec, variants[1]);
  EXPECT_EQ(treatment.name, "fraud-detector");  // inherited
  EXPECT_EQ(treatment.version, "2.5.0-rc1");    // overridden
  EXPECT_EQ(treatment.uri, "s3://models/fraud/2.5.0-rc1");
}

}  // namespace
}  // namespace modelops::api
