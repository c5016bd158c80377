// Tests for modelops-operator's flags: defaults, every flag documented in --help, validation.
#include <gtest/gtest.h>

#include "options.h"

namespace modelops::cmd {
namespace {

TEST(OperatorOptions, DefaultsMatchKubernetesConventions) {
  auto o = parseOperatorOptions({});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_DOUBLE_EQ(o->qps, 20);
  EXPECT_EQ(o->burst, 30);
  EXPECT_EQ(o->workers, 2);
  EXPECT_EQ(o->leaseDuration.count(), 15000);
  EXPECT_EQ(o->renewDeadline.count(), 10000);
  EXPECT_EQ(o->retryPeriod.count(), 2000);
  EXPECT_FALSE(o->leaderElect);
  EXPECT_TRUE(o->watchNamespace.empty());
}

TEST(OperatorOptions, HelpDocumentsEveryFlag) {
  auto o = parseOperatorOptions({"--help"});
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->showHelp);
  for (const char* flag :
       {"--kubeconfig", "--context", "--namespace", "--kube-api-qps", "--kube-api-burst", "--log-level",
        "--log-format", "--metrics-bind-address", "--health-probe-bind-address", "--leader-elect",
        "--leader-election-id", "--leader-election-namespace", "--leader-election-lease-duration",
        "--leader-election-renew-deadline", "--leader-election-retry-period", "--workers", "--resync-period",
        "--shutdown-timeout", "--version"}) {
    EXPECT_NE(o->usage.find(flag), std::string::npos) << flag;
  }
}

TEST(OperatorOptions, ParsesValues) {
  auto o = parseOperatorOptions({"--kubeconfig", "/k", "--context=dev", "-n", "ml", "--kube-api-qps=50",
                                 "--kube-api-burst", "100", "--log-format", "json", "--leader-elect",
                                 "--leader-election-lease-duration=30s", "--leader-election-renew-deadline=20s",
                                 "--leader-election-retry-period=5s"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->kubeconfig, "/k");
  EXPECT_EQ(o->context, "dev");
  EXPECT_EQ(o->watchNamespace, "ml");
  EXPECT_DOUBLE_EQ(o->qps, 50);
  EXPECT_EQ(o->burst, 100);
  EXPECT_EQ(o->logFormat, "json");
  EXPECT_TRUE(o->leaderElect);
  EXPECT_EQ(o->leaseDuration.count(), 30000);
}

TEST(OperatorOptions, RejectsInconsistentValuesNamingTheFlag) {
  struct Case {
    std::vector<std::string> args;
    const char* flag;
  } cases[] = {
      {{"--log-format", "xml"}, "--log-format"},
      {{"--workers", "0"}, "--workers"},
      {{"--kube-api-qps", "-1"}, "--kube-api-qps"},
      {{"--kube-api-burst", "0"}, "--kube-api-burst"},
      {{"--leader-election-lease-duration", "5s"}, "--leader-election-lease-duration"},
      {{"--leader-election-retry-period", "12s"}, "--leader-election-renew-deadline"},
      {{"stray"}, "stray"},
  };
  for (const auto& c : cases) {
    auto o = parseOperatorOptions(c.args);
    ASSERT_FALSE(o) << c.flag;
    EXPECT_NE(o.error().message.find(c.flag), std::string::npos) << o.error().message;
  }
}

// Metric provider limits (issue 12): defaults, values, and errors naming the flag.
TEST(OperatorOptions, ProviderLimitFlags) {
  auto defaults = parseOperatorOptions({});
  ASSERT_TRUE(defaults) << defaults.error().message;
  EXPECT_EQ(defaults->providerLimits.maxResponseBytes, 4u << 20);
  EXPECT_EQ(defaults->providerLimits.maxRequestTimeout.count(), 30000);
  ASSERT_TRUE(defaults->providerLimits.destinations);
  EXPECT_FALSE(defaults->providerLimits.destinations->check("m", {*analysis::parseIpAddress("169.254.169.254")}).allowed);
  EXPECT_TRUE(defaults->providerLimits.destinations->check("p", {*analysis::parseIpAddress("10.0.0.1")}).allowed);

  auto o = parseOperatorOptions({"--provider-max-response-bytes=65536", "--provider-request-timeout", "5s",
                                 "--provider-allow=*.monitoring.svc,10.0.0.0/8", "--provider-allow", "fd00::/8",
                                 "--provider-deny=10.9.0.0/16"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->providerLimits.maxResponseBytes, 65536u);
  EXPECT_EQ(o->providerLimits.maxRequestTimeout.count(), 5000);
  const auto& policy = *o->providerLimits.destinations;
  EXPECT_TRUE(policy.check("prometheus.monitoring.svc", {*analysis::parseIpAddress("192.168.1.1")}).allowed);
  EXPECT_TRUE(policy.check("x", {*analysis::parseIpAddress("fd00::5")}).allowed);
  EXPECT_FALSE(policy.check("x", {*analysis::parseIpAddress("10.9.1.1")}).allowed);
  EXPECT_FALSE(policy.check("x", {*analysis::parseIpAddress("192.168.1.1")}).allowed);

  for (const auto& [args, flag] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--provider-max-response-bytes=10"}, "--provider-max-response-bytes"},
           {{"--provider-request-timeout=0s"}, "--provider-request-timeout"},
           {{"--provider-allow=10.0.0.0/33"}, "--provider-allow"},
           {{"--provider-deny=http://x"}, "--provider-deny"}}) {
    auto bad = parseOperatorOptions(args);
    ASSERT_FALSE(bad) << flag;
    EXPECT_NE(bad.error().message.find(flag), std::string::npos) << bad.error().message;
  }
  auto help = parseOperatorOptions({"--help"});
  ASSERT_TRUE(help);
  for (const char* flag : {"--provider-max-response-bytes", "--provider-request-timeout", "--provider-allow",
                           "--provider-deny"}) {
    EXPECT_NE(help->usage.find(flag), std::string::npos) << flag;
  }
}

// Measurements off the workers and provider credentials (issue 14 item 2, issue 12 row 5).
TEST(OperatorOptions, MeasurementAndProviderCredentialFlags) {
  auto d = parseOperatorOptions({});
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_TRUE(d->providerCredentialsRequireLabel) << "Secrets must opt in by default";
  EXPECT_EQ(d->measurementConcurrency, 8);
  EXPECT_EQ(d->measurementConcurrencyPerProvider, 2);
  EXPECT_EQ(d->measurementQueueLength, 256);
  auto help = parseOperatorOptions({"--help"});
  ASSERT_TRUE(help);
  for (const char* flag : {"--provider-credentials-require-label", "--measurement-concurrency",
                           "--measurement-concurrency-per-provider", "--measurement-queue-length"})
    EXPECT_NE(help->usage.find(flag), std::string::npos) << flag;
  auto o = parseOperatorOptions({"--provider-credentials-require-label=false", "--measurement-concurrency=3",
                                 "--measurement-concurrency-per-provider", "1", "--measurement-queue-length=10"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_FALSE(o->providerCredentialsRequireLabel);
  EXPECT_EQ(o->measurementConcurrency, 3);
  EXPECT_EQ(o->measurementConcurrencyPerProvider, 1);
  EXPECT_EQ(o->measurementQueueLength, 10);
  for (const auto& [args, flag] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--measurement-concurrency=0"}, "--measurement-concurrency"},
           {{"--measurement-concurrency=1000"}, "--measurement-concurrency"},
           {{"--measurement-concurrency-per-provider=0"}, "--measurement-concurrency-per-provider"},
           {{"--measurement-queue-length=0"}, "--measurement-queue-length"}}) {
    auto bad = parseOperatorOptions(args);
    ASSERT_FALSE(bad) << args[0];
    EXPECT_NE(bad.error().message.find(flag), std::string::npos) << bad.error().message;
  }
}

// Notification flags (issue 17): values, defaults and validation naming the flag.
TEST(OperatorOptions, NotificationFlags) {
  auto d = parseOperatorOptions({});
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->notificationsConfigMap.empty());
  EXPECT_EQ(d->notificationQueueLength, 1000);
  EXPECT_EQ(d->notificationMaxAttempts, 5);
  EXPECT_EQ(d->notificationAttemptTimeout.count(), 5000);
  EXPECT_EQ(d->notificationBackoff.count(), 1000);
  auto o = parseOperatorOptions({"--notifications-configmap=modelops-system/notifications", "--notification-queue-length=10",
                                 "--notification-max-attempts=2", "--notification-attempt-timeout=2s",
                                 "--notification-backoff=250ms"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->notificationsConfigMap, "modelops-system/notifications");
  EXPECT_EQ(o->notificationQueueLength, 10);
  EXPECT_EQ(o->notificationMaxAttempts, 2);
  EXPECT_EQ(o->notificationAttemptTimeout.count(), 2000);
  EXPECT_EQ(o->notificationBackoff.count(), 250);
  for (const auto& [arg, flag] : std::vector<std::pair<std::string, std::string>>{
           {"--notifications-configmap=just-a-name", "--notifications-configmap"},
           {"--notifications-configmap=a/b/c", "--notifications-configmap"},
           {"--notification-queue-length=0", "--notification-queue-length"},
           {"--notification-max-attempts=0", "--notification-max-attempts"},
           {"--notification-attempt-timeout=0s", "--notification-attempt-timeout"},
           {"--notification-backoff=0s", "--notification-backoff"}}) {
    auto bad = parseOperatorOptions({arg});
    ASSERT_FALSE(bad) << arg;
    EXPECT_NE(bad.error().message.find(flag), std::string::npos) << bad.error().message;
  }
}

}  // namespace
}  // namespace modelops::cmd
