// unit.api: validate() on the names modelops derives (Services <name>, <name>-stable, <name>-canary,
// <name>-<variant>; Deployments <name>-<hash>; the label modelops.dev/name) and on service.targetPort
// against the pod template (issue 13 item 3). Each case failed before the rule existed (the object was
// valid and became Healthy with names a real API server refuses), except the "fits" cases.
// Thread-safety: single-threaded tests.
#include <gtest/gtest.h>

#include <string>

#include "fixtures.h"

namespace modelops::api {
namespace {

using nlohmann::json;

std::string errorsOf(const json& doc) { return formatFieldErrors(testing::validateDoc(doc)); }

json named(json doc, const std::string& name) {
  doc["metadata"]["name"] = name;
  return doc;
}

TEST(ValidationNames, CanaryNameMustLeaveRoomForTheCanaryService) {
  auto doc = named(testing::exampleCanary(), std::string(63, 'a'));
  EXPECT_EQ(errorsOf(doc),
            "metadata.name: must be no more than 56 characters so that the Services \"<name>-stable\" and "
            "\"<name>-canary\" fit in 63 (it would be 70)");
  EXPECT_EQ(errorsOf(named(testing::exampleCanary(), std::string(56, 'a'))), "") << "56 fits";
  EXPECT_EQ(errorsOf(named(testing::exampleCanary(), std::string(57, 'a'))).substr(0, 51),
            "metadata.name: must be no more than 56 characters s");
}

TEST(ValidationNames, NameMustBeADns1035LabelOfAtMost63) {
  EXPECT_EQ(errorsOf(named(testing::exampleCanary(), std::string(64, 'a'))),
            "metadata.name: must be no more than 63 characters: it names the Service and is the label "
            "modelops.dev/name");
  EXPECT_EQ(errorsOf(named(testing::exampleCanary(), "7eleven")),
            "metadata.name: must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter): it "
            "names the Service \"7eleven\"");
  EXPECT_NE(errorsOf(named(testing::exampleCanary(), "fraud.detector")), "") << "a subdomain is no Service name";
}

TEST(ValidationNames, VariantServiceNamesMustFit) {
  auto doc = named(testing::exampleAbTest(), std::string(50, 'a'));
  doc["spec"]["strategy"]["abTest"]["variants"][1]["name"] = "treatment-long";  // 50 + 1 + 14 = 65
  EXPECT_EQ(errorsOf(doc),
            "spec.strategy.abTest.variants[1].name: must be no more than 12 characters so that the Service \"" +
                std::string(50, 'a') + "-treatment-long\" fits in 63 (it would be 65)");
  // No canary Service in an A/B test: only "-stable" and the variants must fit.
  auto fits = named(testing::exampleAbTest(), std::string(53, 'a'));  // 53 + "-treatment" = 63
  EXPECT_EQ(errorsOf(fits), "");
  auto stableTooLong = named(testing::exampleAbTest(), std::string(57, 'a'));
  stableTooLong["spec"]["strategy"]["abTest"]["variants"][0]["name"] = "c";
  stableTooLong["spec"]["strategy"]["abTest"]["variants"][1]["name"] = "t";
  stableTooLong["spec"]["strategy"]["abTest"]["variants"][1]["match"][0]["header"]["value"] = "t";
  EXPECT_EQ(errorsOf(stableTooLong), "metadata.name: must be no more than 56 characters so that the Service "
                                     "\"<name>-stable\" fits in 63 (it would be 64)");
}

TEST(ValidationNames, NamedTargetPortMustBeAContainerPort) {
  auto doc = testing::exampleCanary();
  doc["spec"]["service"]["targetPort"] = "grpc";
  EXPECT_EQ(errorsOf(doc), "spec.service.targetPort: port name \"grpc\" is not a port of the pod template's "
                           "containers (declared: \"http\")");
  doc["spec"]["service"]["targetPort"] = "http";
  EXPECT_EQ(errorsOf(doc), "");
  doc["spec"]["service"]["targetPort"] = "Not_A_Name";
  EXPECT_EQ(errorsOf(doc), "spec.service.targetPort: \"Not_A_Name\" is not a port name (1-15 lowercase letters, "
                           "digits and '-', with a letter)");
  doc["spec"]["service"]["targetPort"] = 65536;
  EXPECT_EQ(errorsOf(doc), "spec.service.targetPort: must be a port number 1..65535 or a port name");
  doc["spec"]["service"]["targetPort"] = 8080;
  EXPECT_EQ(errorsOf(doc), "");
  // A port in a second container counts.
  doc["spec"]["service"]["targetPort"] = "metrics";
  doc["spec"]["template"]["spec"]["containers"].push_back(
      {{"name", "sidecar"}, {"image", "s:1"}, {"ports", json::array({{{"name", "metrics"}, {"containerPort", 9090}}})}});
  EXPECT_EQ(errorsOf(doc), "");
}

TEST(ValidationNames, TemplateWithoutDeclaredPortsLeavesANamedTargetPortUnchecked) {
  auto doc = testing::exampleCanary();
  doc["spec"]["template"]["spec"]["containers"][0].erase("ports");
  EXPECT_EQ(errorsOf(doc), "") << "the default targetPort \"http\" with undeclared ports stays accepted";
}

}  // namespace
}  // namespace modelops::api
