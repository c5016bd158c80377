// unit.devserver: the object rules kube-apiserver applies (names per kind, label keys and values,
// annotation keys and total size, pod template images) and the boolean query parameter rule,
// both as pure functions and through ApiCore (422 Invalid with kube-apiserver's message and causes).
// Thread-safety: gtest main thread only.
#include <gtest/gtest.h>

#include "core_fixture.h"
#include "modelops/apimachinery/go_format.h"
#include "object_meta_validation.h"
#include "request_info.h"

namespace modelops::devserver::testing {
namespace {

bool anyContains(const std::vector<std::string>& msgs, const std::string& needle) {
  for (const auto& m : msgs)
    if (m.find(needle) != std::string::npos) return true;
  return false;
}

TEST(ObjectRules, Dns1035LabelIsWhatServicesNeed) {
  EXPECT_TRUE(dns1035LabelErrors("web-1").empty());
  EXPECT_TRUE(dns1035LabelErrors(std::string(63, 'a')).empty());
  auto tooLong = dns1035LabelErrors(std::string(64, 'a'));
  ASSERT_EQ(tooLong.size(), 1u);  // only the length: the characters are fine
  EXPECT_EQ(tooLong[0], "must be no more than 63 characters");
  EXPECT_TRUE(anyContains(dns1035LabelErrors("1web"), "start with an alphabetic character"));
  EXPECT_FALSE(dns1035LabelErrors("web-").empty());
  EXPECT_FALSE(dns1035LabelErrors("Web").empty());
  EXPECT_FALSE(dns1035LabelErrors("").empty());
}

TEST(ObjectRules, Dns1123SubdomainAndLabel) {
  EXPECT_TRUE(dns1123SubdomainErrors("md.example.com").empty());
  EXPECT_TRUE(dns1123SubdomainErrors("1abc").empty());
  EXPECT_TRUE(dns1123SubdomainErrors(std::string(253, 'a')).empty());
  EXPECT_EQ(dns1123SubdomainErrors(std::string(254, 'a')),
            std::vector<std::string>{"must be no more than 253 characters"});
  for (const char* bad : {"a..b", ".a", "a.", "A", "a_b", "a/b", ""})
    EXPECT_TRUE(anyContains(dns1123SubdomainErrors(bad), "a lowercase RFC 1123 subdomain must consist")) << bad;
  EXPECT_TRUE(dns1123LabelErrors("kube-system").empty());
  EXPECT_FALSE(dns1123LabelErrors("a.b").empty());  // namespaces: a label, no dots
}

TEST(ObjectRules, QualifiedNamesForLabelAndAnnotationKeys) {
  for (const char* ok : {"app", "modelops.dev/name", "app.kubernetes.io/part-of", "A_b.c-D", "x/Y"})
    EXPECT_TRUE(qualifiedNameErrors(ok).empty()) << ok;
  EXPECT_TRUE(anyContains(qualifiedNameErrors("-app"), "name part must consist of alphanumeric characters"));
  EXPECT_TRUE(anyContains(qualifiedNameErrors("/app"), "prefix part must be non-empty"));
  EXPECT_TRUE(anyContains(qualifiedNameErrors("app/"), "name part must be non-empty"));
  EXPECT_TRUE(anyContains(qualifiedNameErrors("a/b/c"), "a qualified name must consist"));
  EXPECT_TRUE(anyContains(qualifiedNameErrors("Bad_Prefix/app"), "prefix part a lowercase RFC 1123 subdomain"));
  EXPECT_TRUE(anyContains(qualifiedNameErrors(std::string(64, 'a')), "name part must be no more than 63 characters"));
  EXPECT_TRUE(qualifiedNameErrors(std::string(253, 'a') + "/" + std::string(63, 'b')).empty());
}

TEST(ObjectRules, LabelValues) {
  EXPECT_TRUE(labelValueErrors("").empty());
  EXPECT_TRUE(labelValueErrors("v1.2_3-x").empty());
  EXPECT_EQ(labelValueErrors(std::string(64, 'a')), std::vector<std::string>{"must be no more than 63 characters"});
  EXPECT_TRUE(anyContains(labelValueErrors("has space"), "a valid label must be an empty string"));
  EXPECT_FALSE(labelValueErrors("-x").empty());
}

TEST(ObjectRules, GoQuoteEscapesLikeGo) {
  EXPECT_EQ(apimachinery::goQuote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
  EXPECT_EQ(apimachinery::goQuote(std::string("\x01", 1)), "\"\\x01\"");
  EXPECT_EQ(apimachinery::goQuote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
}

TEST(ObjectRules, BooleanQueryParametersDecodeAsTheApiServerDoes) {
  EXPECT_FALSE(queryParamBool(false, ""));
  for (const char* t : {"true", "True", "TRUE", "1", "t", "yes", ""}) EXPECT_TRUE(queryParamBool(true, t)) << t;
  for (const char* f : {"false", "False", "FALSE", "fAlSe", "0"}) EXPECT_FALSE(queryParamBool(true, f)) << f;
}

TEST_F(CoreTest, ServiceNameLongerThan63IsInvalidWithTheApiServersMessage) {
  std::string name(64, 'a');
  Json svc = {{"metadata", {{"name", name}}}, {"spec", {{"ports", {{{"port", 80}}}}}}};
  auto r = core.create(type("", "v1", "services"), "ns", svc, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, 422);
  EXPECT_EQ(r.error().reason, "Invalid");
  EXPECT_EQ(r.error().message, "Service \"" + name + "\" is invalid: metadata.name: Invalid value: \"" + name +
                                   "\": must be no more than 63 characters");
  ASSERT_EQ(r.error().causes.size(), 1u);
  EXPECT_EQ(r.error().causes[0].field, "metadata.name");
  EXPECT_EQ(r.error().causes[0].type, "FieldValueInvalid");
  // The same name is a valid subdomain: a ConfigMap may have it.
  EXPECT_TRUE(core.create(configMaps(), "ns", configMap(name), {}).ok());
}

TEST_F(CoreTest, InvalidNamesPerKind) {
  EXPECT_FALSE(core.create(configMaps(), "ns", configMap("Upper"), {}).ok());
  EXPECT_FALSE(core.create(widgets(), "ns", widget("under_score", 1), {}).ok());
  auto ns = core.create(type("", "v1", "namespaces"), "", Json{{"metadata", {{"name", "a.b"}}}}, {});
  ASSERT_FALSE(ns.ok());
  EXPECT_EQ(ns.error().causes.at(0).field, "metadata.name");
  // RBAC names are path segments: colons and capitals are fine, '/' is not.
  Json role = {{"metadata", {{"name", "system:Reader"}}}, {"rules", Json::array()}};
  EXPECT_TRUE(core.create(type("rbac.authorization.k8s.io", "v1", "clusterroles"), "", role, {}).ok());
  role["metadata"]["name"] = "a/b";
  auto bad = core.create(type("rbac.authorization.k8s.io", "v1", "clusterroles"), "", role, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("may not contain '/'"), std::string::npos) << bad.error().message;
}

TEST_F(CoreTest, InvalidLabelKeysAndValuesAreRefusedOnCreateAndUpdate) {
  auto r = core.create(configMaps(), "ns", configMap("c", {{"-bad", "ok"}, {"good", std::string(64, 'v')}}), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, 422);
  ASSERT_EQ(r.error().causes.size(), 2u);
  for (const auto& c : r.error().causes) EXPECT_EQ(c.field, "metadata.labels");
  EXPECT_NE(r.error().message.find("metadata.labels: Invalid value: \"-bad\": name part must consist of"),
            std::string::npos)
      << r.error().message;
  ASSERT_TRUE(core.create(configMaps(), "ns", configMap("c", {{"team", "a"}}), {}).ok());
  auto patched = core.patch(configMaps(), "ns", "c", PatchType::Merge,
                            Json{{"metadata", {{"labels", {{"a/b/c", "x"}}}}}}, "", {});
  ASSERT_FALSE(patched.ok());
  EXPECT_EQ(patched.error().code, 422);
  EXPECT_EQ((*core.get(configMaps(), "ns", "c"))["metadata"]["labels"], Json({{"team", "a"}}));  // nothing stored
}

TEST_F(CoreTest, AnnotationsOverTheTotalSizeAreTooLong) {
  Json cm = configMap("big");
  cm["metadata"]["annotations"] = {{"a", std::string(kTotalAnnotationSizeLimitBytes - 1, 'x')}};  // exactly the limit
  ASSERT_TRUE(core.create(configMaps(), "ns", cm, {}).ok());
  auto r = core.patch(configMaps(), "ns", "big", PatchType::Merge,
                      Json{{"metadata", {{"annotations", {{"b", ""}}}}}}, "", {});  // one byte more
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, 422);
  EXPECT_EQ(r.error().message, "ConfigMap \"big\" is invalid: metadata.annotations: Too long: must have at most 262144 bytes");
  ASSERT_EQ(r.error().causes.size(), 1u);
  EXPECT_EQ(r.error().causes[0].type, "FieldValueTooLong");
  Json badKey = configMap("badkey");
  badKey["metadata"]["annotations"] = {{"not a key", "v"}};
  EXPECT_FALSE(core.create(configMaps(), "ns", badKey, {}).ok());
  badKey["metadata"]["annotations"] = {{"Example.COM/Mixed", "v"}};  // keys are checked lower-cased
  EXPECT_TRUE(core.create(configMaps(), "ns", badKey, {}).ok());
}

TEST_F(CoreTest, DeploymentPodTemplateContainersNeedAnImage) {
  Json d = Json::parse(R"({"metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [
      {"name": "a", "image": "a:1"}, {"name": "b"}], "initContainers": [{"name": "i", "image": ""}]}}}})");
  auto r = core.create(deployments(), "ns", d, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, 422);
  EXPECT_EQ(r.error().message,
            "Deployment.apps \"d\" is invalid: [spec.template.spec.containers[1].image: Required value, "
            "spec.template.spec.initContainers[0].image: Required value]");
  ASSERT_EQ(r.error().causes.size(), 2u);
  EXPECT_EQ(r.error().causes[0].type, "FieldValueRequired");
  d["spec"]["template"]["spec"]["containers"] = Json::array();
  d["spec"]["template"]["spec"].erase("initContainers");
  auto none = core.create(deployments(), "ns", d, {});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().causes.at(0).field, "spec.template.spec.containers");
  d["spec"]["template"]["spec"]["containers"] = {{{"name", "a"}, {"image", "a:1"}}};
  ASSERT_TRUE(core.create(deployments(), "ns", d, {}).ok());
  auto cleared = core.patch(deployments(), "ns", "d", PatchType::Json,
                            Json::parse(R"([{"op": "remove", "path": "/spec/template/spec/containers/0/image"}])"), "", {});
  ASSERT_FALSE(cleared.ok());
  EXPECT_EQ(cleared.error().causes.at(0).field, "spec.template.spec.containers[0].image");
}

}  // namespace
}  // namespace modelops::devserver::testing
