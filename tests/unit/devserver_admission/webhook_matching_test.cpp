// unit.devserver_admission: which webhooks of a ValidatingWebhookConfiguration apply to a request -
// operations, groups, versions, resources and subresources, scope, namespaceSelector, objectSelector -
// and the --webhook-service flag's syntax.
// Thread-safety: gtest main thread only.
#include <gtest/gtest.h>

#include "admission.h"

namespace {

using modelops::devserver::AdmissionAttributes;
using modelops::devserver::Json;
using modelops::devserver::parseServiceAddress;
using modelops::devserver::webhookMatches;

Json modelDeploymentHook() {
  return Json::parse(R"({"name": "validate.modelops.dev",
    "rules": [{"operations": ["CREATE", "UPDATE"], "apiGroups": ["modelops.dev"], "apiVersions": ["v1alpha1"],
               "resources": ["modeldeployments"], "scope": "Namespaced"}]})");
}

AdmissionAttributes mdCreate() {
  AdmissionAttributes a;
  a.group = "modelops.dev";
  a.version = "v1alpha1";
  a.resource = "modeldeployments";
  a.operation = "CREATE";
  a.object = {{"metadata", {{"name", "m"}, {"labels", {{"tier", "gold"}}}}}};
  a.namespaceLabels = {{"kubernetes.io/metadata.name", "ml"}, {"env", "prod"}};
  return a;
}

TEST(WebhookMatches, RulesSelectOperationGroupVersionResource) {
  Json hook = modelDeploymentHook();
  EXPECT_TRUE(webhookMatches(hook, mdCreate()));
  auto a = mdCreate();
  a.operation = "DELETE";
  EXPECT_FALSE(webhookMatches(hook, a));
  a = mdCreate();
  a.group = "apps";
  EXPECT_FALSE(webhookMatches(hook, a));
  a = mdCreate();
  a.version = "v1";
  EXPECT_FALSE(webhookMatches(hook, a));
  a = mdCreate();
  a.resource = "deployments";
  EXPECT_FALSE(webhookMatches(hook, a));
  EXPECT_FALSE(webhookMatches(Json::object(), mdCreate()));
  EXPECT_FALSE(webhookMatches(Json::array(), mdCreate()));
}

TEST(WebhookMatches, SubresourcesNeedTheirOwnRule) {
  auto status = mdCreate();
  status.operation = "UPDATE";
  status.subresource = "status";
  EXPECT_FALSE(webhookMatches(modelDeploymentHook(), status));
  Json hook = modelDeploymentHook();
  hook["rules"][0]["resources"] = {"modeldeployments/status"};
  EXPECT_TRUE(webhookMatches(hook, status));
  EXPECT_FALSE(webhookMatches(hook, mdCreate()));
  hook["rules"][0]["resources"] = {"*"};
  EXPECT_TRUE(webhookMatches(hook, mdCreate()));
  EXPECT_FALSE(webhookMatches(hook, status));
  hook["rules"][0]["resources"] = {"*/*"};
  EXPECT_TRUE(webhookMatches(hook, status));
  EXPECT_TRUE(webhookMatches(hook, mdCreate()));
}

TEST(WebhookMatches, WildcardsAndScope) {
  Json hook = Json::parse(R"({"rules": [{"operations": ["*"], "apiGroups": ["*"], "apiVersions": ["*"],
                                          "resources": ["*"], "scope": "Cluster"}]})");
  EXPECT_FALSE(webhookMatches(hook, mdCreate()));  // namespaced object, Cluster scope
  auto clusterScoped = mdCreate();
  clusterScoped.namespaced = false;
  EXPECT_TRUE(webhookMatches(hook, clusterScoped));
  hook["rules"][0].erase("scope");
  EXPECT_TRUE(webhookMatches(hook, mdCreate()));
}

TEST(WebhookMatches, NamespaceAndObjectSelectors) {
  Json hook = modelDeploymentHook();
  hook["namespaceSelector"] = {{"matchLabels", {{"env", "prod"}}}};
  EXPECT_TRUE(webhookMatches(hook, mdCreate()));
  hook["namespaceSelector"] = {{"matchExpressions", {{{"key", "env"}, {"operator", "NotIn"}, {"values", {"prod"}}}}}};
  EXPECT_FALSE(webhookMatches(hook, mdCreate()));
  hook.erase("namespaceSelector");
  hook["objectSelector"] = {{"matchLabels", {{"tier", "gold"}}}};
  EXPECT_TRUE(webhookMatches(hook, mdCreate()));
  auto other = mdCreate();
  other.object["metadata"]["labels"] = {{"tier", "bronze"}};
  EXPECT_FALSE(webhookMatches(hook, other));
  other.oldObject = mdCreate().object;  // an update that removes the label still matches (old or new)
  EXPECT_TRUE(webhookMatches(hook, other));
  hook["objectSelector"] = Json::object();  // {} selects everything
  EXPECT_TRUE(webhookMatches(hook, mdCreate()));
}

TEST(ServiceAddress, ParsesNamespaceNameHostPortAndNamesTheFlagOnError) {
  std::map<std::string, std::string> out;
  EXPECT_FALSE(parseServiceAddress("modelops-system/modelops-webhook=127.0.0.1:9443", out).has_value());
  EXPECT_EQ(out.at("modelops-system/modelops-webhook"), "127.0.0.1:9443");
  EXPECT_FALSE(parseServiceAddress("ns/name=[::1]:8443", out).has_value());
  for (const char* bad : {"name=127.0.0.1:1", "ns/name", "/name=1.2.3.4:1", "ns/=1.2.3.4:1", "ns/n=1.2.3.4:0",
                          "ns/n=1.2.3.4"}) {
    auto err = parseServiceAddress(bad, out);
    ASSERT_TRUE(err.has_value()) << bad;
    EXPECT_NE(err->find("--webhook-service"), std::string::npos);
  }
}

}  // namespace
