// OperatorOptions: every flag of modelops-operator, with defaults, parsed from argv.
// Kept apart from main() so the flags and their validation are unit-tested.
// Thread-safety: plain value type.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "modelops/analysis/provider.h"
#include "modelops/common/result.h"

namespace modelops::cmd {

struct OperatorOptions {
  // Connection to the API server.
  std::string kubeconfig;  // empty: $KUBECONFIG, ~/.kube/config, then in-cluster
  std::string context;
  double qps = 20;
  std::int64_t burst = 30;
  // Scope.
  std::string watchNamespace;  // empty: all namespaces
  std::int64_t workers = 2;
  std::chrono::milliseconds resyncPeriod{std::chrono::minutes(10)};
  // Logging.
  std::string logLevel = "info";
  std::string logFormat = "text";
  // Endpoints.
  std::string metricsBindAddress = ":8080";
  std::string healthProbeBindAddress = ":8081";
  // Leader election.
  bool leaderElect = false;
  std::string leaderElectionId = "modelops-operator";
  std::string leaderElectionNamespace;  // empty: the pod's namespace, else "default"
  std::string identity;                 // empty: hostname + random suffix
  std::chrono::milliseconds leaseDuration{15000};
  std::chrono::milliseconds renewDeadline{10000};
  std::chrono::milliseconds retryPeriod{2000};
  // Shutdown.
  std::chrono::milliseconds shutdownTimeout{4000};
  // Validating admission webhook (src/admission).
  std::string webhookBindAddress = ":9443";  // empty or "0": off
  std::string webhookCertDir;                 // empty: self-managed certificates
  std::string webhookServiceName = "modelops-webhook";
  std::string webhookServiceNamespace;        // empty: the pod's namespace
  std::string webhookConfigurationName = "modelops-validating-webhook";
  std::string webhookCertSecret = "modelops-webhook-certs";  // empty: self-managed in memory only
  std::chrono::milliseconds webhookCertRefreshInterval{std::chrono::minutes(1)};
  // Metric providers: what a provider may cost the operator and where it may connect.
  std::int64_t providerMaxResponseBytes = static_cast<std::int64_t>(analysis::ProviderLimits::kDefaultMaxResponseBytes);
  std::chrono::milliseconds providerRequestTimeout{30000};
  std::vector<std::string> providerAllow;  // values as given (each a comma-separated list)
  std::vector<std::string> providerDeny;
  analysis::ProviderLimits providerLimits;  // built from the four flags above by parseOperatorOptions
  // Measurements (analysis queries run off the reconcile workers) and provider credentials.
  bool providerCredentialsRequireLabel = true;  // only Secrets labelled modelops.dev/provider-credentials=true
  std::int64_t measurementConcurrency = 8;
  std::int64_t measurementConcurrencyPerProvider = 2;
  std::int64_t measurementQueueLength = 256;
  // Notifications (webhooks): operator-wide list, delivery queue and retries (docs/operations.md).
  std::string notificationsConfigMap;  // "namespace/name"; empty: only spec.notifications
  std::int64_t notificationQueueLength = 1000;
  std::int64_t notificationMaxAttempts = 5;
  std::chrono::milliseconds notificationAttemptTimeout{5000};
  std::chrono::milliseconds notificationBackoff{1000};  // first retry's wait; doubles up to 60s

  bool showHelp = false;
  bool showVersion = false;
  std::string usage;  // the --help text
};

// Parses and validates flags. Errors name the flag.
Result<OperatorOptions> parseOperatorOptions(const std::vector<std::string>& args);

}  // namespace modelops::cmd
