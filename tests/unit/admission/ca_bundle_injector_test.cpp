// unit.admission: the CA bundle injection into the ValidatingWebhookConfiguration - written into every
// webhook, no write when already current, repaired after a re-apply emptied it, a concurrent change
// (stale resourceVersion) refused by the test op, and a missing configuration reported by name.
// Thread-safety: gtest main thread only.
#include <gtest/gtest.h>

#include "fakes/fake_kube_client.h"
#include "modelops/admission/ca_bundle_injector.h"
#include "modelops/common/certificates.h"

namespace {

using modelops::admission::CaBundleInjector;
using modelops::admission::validatingWebhookConfigurations;
using modelops::testing::FakeKubeClient;
using nlohmann::json;

json configuration() {
  return {{"apiVersion", "admissionregistration.k8s.io/v1"},
          {"kind", "ValidatingWebhookConfiguration"},
          {"metadata", {{"name", "modelops-validating-webhook"}}},
          {"webhooks",
           {{{"name", "validate.modelops.dev"}, {"clientConfig", {{"service", {{"name", "s"}, {"namespace", "n"}}}}}},
            {{"name", "second.modelops.dev"}, {"clientConfig", {{"url", "https://x"}, {"caBundle", "b2xk"}}}}}}};
}

TEST(CaBundleInjector, WritesTheBundleIntoEveryWebhookOnceAndRepairsIt) {
  FakeKubeClient client;
  client.put(validatingWebhookConfigurations(), configuration());
  CaBundleInjector injector(client, "modelops-validating-webhook");
  const std::string pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  auto first = injector.sync(pem);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(*first);
  auto stored = client.stored(validatingWebhookConfigurations(), "", "modelops-validating-webhook");
  ASSERT_TRUE(stored.has_value());
  for (const auto& hook : (*stored)["webhooks"])
    EXPECT_EQ(hook["clientConfig"]["caBundle"], modelops::certs::base64Encode(pem)) << hook.dump();
  EXPECT_EQ((*stored)["webhooks"][0]["clientConfig"]["service"]["name"], "s");  // nothing else touched

  client.clearCalls();
  EXPECT_FALSE(*injector.sync(pem));
  EXPECT_EQ(client.countCalls("patch"), 0u);

  client.put(validatingWebhookConfigurations(), configuration());  // `kubectl apply` emptied it again
  EXPECT_TRUE(*injector.sync(pem));
  EXPECT_EQ(client.stored(validatingWebhookConfigurations(), "", "modelops-validating-webhook")
                ->at("webhooks")[0]["clientConfig"]["caBundle"],
            modelops::certs::base64Encode(pem));
}

TEST(CaBundleInjector, GuardsThePatchWithTheResourceVersionItRead) {
  FakeKubeClient client;
  client.put(validatingWebhookConfigurations(), configuration());
  CaBundleInjector injector(client, "modelops-validating-webhook");
  ASSERT_TRUE(injector.sync("pem").ok());
  auto calls = client.calls();
  ASSERT_FALSE(calls.empty());
  const json& patch = calls.back().body;
  ASSERT_TRUE(patch.is_array());
  EXPECT_EQ(patch[0]["op"], "test");
  EXPECT_EQ(patch[0]["path"], "/metadata/resourceVersion");
}

TEST(CaBundleInjector, AMissingConfigurationIsAnErrorNamingIt) {
  FakeKubeClient client;
  CaBundleInjector injector(client, "modelops-validating-webhook");
  auto r = injector.sync("pem");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("modelops-validating-webhook"), std::string::npos);
  EXPECT_FALSE(*injector.sync(""));  // nothing to inject: no call
}

}  // namespace
