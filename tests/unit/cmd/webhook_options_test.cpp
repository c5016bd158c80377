// Tests for modelops-operator's admission webhook flags: defaults, --help, values, validation.
#include <gtest/gtest.h>

#include "options.h"

namespace modelops::cmd {
namespace {

TEST(WebhookOptions, DefaultsServeOn9443WithSelfManagedCertificates) {
  auto o = parseOperatorOptions({});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->webhookBindAddress, ":9443");
  EXPECT_TRUE(o->webhookCertDir.empty());
  EXPECT_EQ(o->webhookServiceName, "modelops-webhook");
  EXPECT_TRUE(o->webhookServiceNamespace.empty());
  EXPECT_EQ(o->webhookConfigurationName, "modelops-validating-webhook");
  EXPECT_EQ(o->webhookCertSecret, "modelops-webhook-certs");
  EXPECT_EQ(o->webhookCertRefreshInterval, std::chrono::minutes(1));
}

TEST(WebhookOptions, HelpDocumentsEveryWebhookFlag) {
  auto o = parseOperatorOptions({"--help"});
  ASSERT_TRUE(o);
  for (const char* flag : {"--webhook-bind-address", "--webhook-cert-dir", "--webhook-service-name",
                           "--webhook-service-namespace", "--webhook-configuration-name", "--webhook-cert-secret",
                           "--webhook-cert-refresh-interval"})
    EXPECT_NE(o->usage.find(flag), std::string::npos) << flag;
}

TEST(WebhookOptions, ParsesValuesIncludingEmptyToTurnThingsOff) {
  auto o = parseOperatorOptions({"--webhook-bind-address=", "--webhook-cert-dir", "/certs",
                                 "--webhook-configuration-name=", "--webhook-service-namespace=ops",
                                 "--webhook-cert-refresh-interval=10s"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_TRUE(o->webhookBindAddress.empty());
  EXPECT_EQ(o->webhookCertDir, "/certs");
  EXPECT_TRUE(o->webhookConfigurationName.empty());
  EXPECT_EQ(o->webhookServiceNamespace, "ops");
  EXPECT_EQ(o->webhookCertRefreshInterval, std::chrono::seconds(10));
}

TEST(WebhookOptions, ARefreshIntervalMustBePositive) {
  auto o = parseOperatorOptions({"--webhook-cert-refresh-interval=0"});
  ASSERT_FALSE(o);
  EXPECT_NE(o.error().message.find("--webhook-cert-refresh-interval"), std::string::npos);
}

}  // namespace
}  // namespace modelops::cmd
