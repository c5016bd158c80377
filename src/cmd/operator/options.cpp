// Flag definitions and validation for modelops-operator; see options.h.
#include "options.h"

#include <memory>

#include "modelops/common/flags.h"

namespace modelops::cmd {
namespace {

Result<OperatorOptions> invalid(const std::string& message) { return Error{"InvalidFlag", message}; }

// The provider limits from their flags; errors name the flag.
Status buildProviderLimits(OperatorOptions& o) {
  constexpr std::int64_t kMinBytes = 1024, kMaxBytes = std::int64_t{1} << 30;
  if (o.providerMaxResponseBytes < kMinBytes || o.providerMaxResponseBytes > kMaxBytes)
    return Error{"InvalidFlag", "--provider-max-response-bytes must be between 1024 and 1073741824"};
  if (o.providerRequestTimeout.count() <= 0 || o.providerRequestTimeout > std::chrono::minutes(10))
    return Error{"InvalidFlag", "--provider-request-timeout must be positive and at most 10m"};
  auto policy = analysis::DestinationPolicy::parse(o.providerAllow, o.providerDeny);
  if (!policy) return Error{"InvalidFlag", policy.error().message};
  o.providerLimits.maxResponseBytes = static_cast<std::size_t>(o.providerMaxResponseBytes);
  o.providerLimits.maxRequestTimeout = o.providerRequestTimeout;
  o.providerLimits.destinations = std::make_shared<const analysis::DestinationPolicy>(std::move(*policy));
  return {};
}

}  // namespace

Result<OperatorOptions> parseOperatorOptions(const std::vector<std::string>& args) {
  OperatorOptions o;
  FlagSet flags("modelops-operator",
                "Reconciles ModelDeployments (modelops.dev/v1alpha1): rolls new model versions out by canary\n"
                "steps or A/B splits, judges their measured accuracy with confidence bounds, and rolls back\n"
                "on its own when a version is worse.");
  flags.addString("kubeconfig", &o.kubeconfig,
                  "Path to a kubeconfig file. Default: $KUBECONFIG (colon-separated list, merged as kubectl "
                  "does), then ~/.kube/config, then the in-cluster service account.",
                  "PATH");
  flags.addString("context", &o.context, "Kubeconfig context to use instead of current-context.", "NAME");
  flags.addDouble("kube-api-qps", &o.qps, "Client-side limit of API requests per second (0: unlimited).");
  flags.addInt("kube-api-burst", &o.burst, "Requests allowed above --kube-api-qps in a burst.");
  flags.addString("namespace", &o.watchNamespace,
                  "Watch and reconcile only this namespace. Default: all namespaces (cluster scope).", "NAME");
  flags.addAlias('n', "namespace");
  flags.addInt("workers", &o.workers, "Concurrent reconcile workers.");
  flags.addDuration("resync-period", &o.resyncPeriod,
                    "Re-queue every ModelDeployment this often even without changes (0: never).");
  flags.addString("log-level", &o.logLevel, "Log level: trace, debug, info, warn, error. SPDLOG_LEVEL overrides.",
                  "LEVEL");
  flags.addString("log-format", &o.logFormat, "Log format: text or json (one JSON object per line).", "FORMAT");
  flags.addString("metrics-bind-address", &o.metricsBindAddress,
                  "Address for the Prometheus /metrics endpoint, HOST:PORT (\":8080\": all interfaces; \"0\": off).",
                  "ADDR");
  flags.addString("health-probe-bind-address", &o.healthProbeBindAddress,
                  "Address for /healthz and /readyz, HOST:PORT (\"0\": off).", "ADDR");
  flags.addBool("leader-elect", &o.leaderElect,
                "Elect a leader on a coordination.k8s.io Lease; only the leader reconciles. Turn on when "
                "running more than one replica.");
  flags.addString("leader-election-id", &o.leaderElectionId, "Name of the Lease used for leader election.", "NAME");
  flags.addString("leader-election-namespace", &o.leaderElectionNamespace,
                  "Namespace of the Lease. Default: the pod's namespace, else \"default\".", "NAME");
  flags.addString("leader-election-identity", &o.identity,
                  "This replica's identity in the Lease. Default: hostname plus a random suffix.", "NAME");
  flags.addDuration("leader-election-lease-duration", &o.leaseDuration,
                    "How long a standby waits after the last renewal before taking the lease.");
  flags.addDuration("leader-election-renew-deadline", &o.renewDeadline,
                    "How long the leader keeps retrying a renewal before it stops reconciling.");
  flags.addDuration("leader-election-retry-period", &o.retryPeriod, "Interval between lease attempts.");
  flags.addDuration("shutdown-timeout", &o.shutdownTimeout,
                    "On SIGTERM/SIGINT, how long in-flight reconciles may run before exit.");
  // Validating admission webhook.
  flags.addString("webhook-bind-address", &o.webhookBindAddress,
                  "Address of the validating admission webhook's HTTPS server, HOST:PORT (\"\" or \"0\": off).",
                  "ADDR");
  flags.addString("webhook-cert-dir", &o.webhookCertDir,
                  "Directory with the webhook's tls.crt and tls.key (e.g. a cert-manager Secret), reloaded when they "
                  "change. Default: a self-managed CA and certificate, renewed before expiry, the CA bundle written "
                  "into --webhook-configuration-name.",
                  "DIR");
  flags.addString("webhook-service-name", &o.webhookServiceName,
                  "Service in front of the webhook; self-managed certificates are for NAME.NAMESPACE.svc.", "NAME");
  flags.addString("webhook-service-namespace", &o.webhookServiceNamespace,
                  "Namespace of that Service. Default: the pod's namespace.", "NAME");
  flags.addString("webhook-configuration-name", &o.webhookConfigurationName,
                  "ValidatingWebhookConfiguration whose caBundle the operator keeps current with self-managed "
                  "certificates (\"\": leave it alone).",
                  "NAME");
  flags.addString("webhook-cert-secret", &o.webhookCertSecret,
                  "Secret (in the webhook Service's namespace) through which replicas share the self-managed CA and "
                  "certificate (\"\": keep them in memory, one replica only).",
                  "NAME");
  flags.addDuration("webhook-cert-refresh-interval", &o.webhookCertRefreshInterval,
                    "How often the webhook certificate is reloaded or checked for renewal, and the CA bundle checked.");
  flags.addInt("provider-max-response-bytes", &o.providerMaxResponseBytes,
               "Largest metric provider answer read, in bytes (a larger one is a ResponseTooLarge error).");
  flags.addDuration("provider-request-timeout", &o.providerRequestTimeout,
                    "Cap on one metric provider request, all included (resolve, connect, TLS, headers, body); "
                    "a metric's own shorter timeout wins.");
  flags.addStringList("provider-allow", &o.providerAllow,
                      "Metric provider destinations allowed, comma-separated: host names, *.suffix, addresses, "
                      "CIDR ranges. Default: any destination not denied.",
                      "LIST");
  flags.addStringList("provider-deny", &o.providerDeny,
                      "Metric provider destinations denied (same forms), on top of the built-in link-local and "
                      "metadata ranges (169.254.0.0/16, fe80::/10, fd00:ec2::254, 100.100.100.200, 0.0.0.0/8, ::). Deny wins.",
                      "LIST");
  flags.addBool("provider-credentials-require-label", &o.providerCredentialsRequireLabel,
                "Use a Secret as metrics-provider credentials only when it carries the label "
                "modelops.dev/provider-credentials: \"true\" (only such Secrets are watched). false: any Secret "
                "of the ModelDeployment's namespace (all Secrets are watched).");
  flags.addInt("measurement-concurrency", &o.measurementConcurrency,
               "Analysis measurements running at once (they run off the reconcile workers).");
  flags.addInt("measurement-concurrency-per-provider", &o.measurementConcurrencyPerProvider,
               "Analysis measurements running at once against one provider (scheme://host:port).");
  flags.addInt("measurement-queue-length", &o.measurementQueueLength,
               "Analysis measurements waiting to run; when full, a reconcile asks again later.");
  flags.addString("notifications-configmap", &o.notificationsConfigMap,
                  "ConfigMap NAMESPACE/NAME whose data key \"notifications\" lists operator-wide notifications (the "
                  "shape of spec.notifications; Secrets in that namespace). Watched. Default: none.",
                  "NS/NAME");
  flags.addInt("notification-queue-length", &o.notificationQueueLength,
               "Webhook deliveries queued or waiting for a retry; when full, a new one is dropped and counted.");
  flags.addInt("notification-max-attempts", &o.notificationMaxAttempts,
               "Attempts per webhook delivery (the first included), with exponential backoff (jittered) up to 60s.");
  flags.addDuration("notification-backoff", &o.notificationBackoff,
                    "Wait before a webhook delivery's first retry; it doubles for each further retry, up to 60s.");
  flags.addDuration("notification-attempt-timeout", &o.notificationAttemptTimeout,
                    "Cap on one webhook attempt (connect, send, answer).");
  flags.addBool("version", &o.showVersion, "Print the version and exit.");

  if (auto st = flags.parse(args); !st) return st.error();
  o.showHelp = flags.helpRequested();
  o.usage = flags.usage();
  if (!flags.positional().empty())
    return invalid("unexpected argument \"" + flags.positional().front() + "\" (see --help)");
  if (o.qps < 0) return invalid("--kube-api-qps must be >= 0");
  if (o.burst < 1) return invalid("--kube-api-burst must be >= 1");
  if (o.workers < 1 || o.workers > 64) return invalid("--workers must be between 1 and 64");
  if (o.measurementConcurrency < 1 || o.measurementConcurrency > 256)
    return invalid("--measurement-concurrency must be between 1 and 256");
  if (o.measurementConcurrencyPerProvider < 1)
    return invalid("--measurement-concurrency-per-provider must be >= 1");
  if (o.measurementQueueLength < 1 || o.measurementQueueLength > 100000)
    return invalid("--measurement-queue-length must be between 1 and 100000");
  if (o.logFormat != "text" && o.logFormat != "json") return invalid("--log-format must be text or json");
  if (o.notificationQueueLength < 1 || o.notificationQueueLength > 100000)
    return invalid("--notification-queue-length must be between 1 and 100000");
  if (o.notificationMaxAttempts < 1 || o.notificationMaxAttempts > 20)
    return invalid("--notification-max-attempts must be between 1 and 20");
  if (o.notificationAttemptTimeout.count() <= 0 || o.notificationAttemptTimeout > std::chrono::minutes(5))
    return invalid("--notification-attempt-timeout must be positive and at most 5m");
  if (o.notificationBackoff.count() <= 0 || o.notificationBackoff > std::chrono::minutes(1))
    return invalid("--notification-backoff must be positive and at most 1m");
  if (!o.notificationsConfigMap.empty()) {
    const auto slash = o.notificationsConfigMap.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == o.notificationsConfigMap.size() ||
        o.notificationsConfigMap.find('/', slash + 1) != std::string::npos)
      return invalid("--notifications-configmap must be NAMESPACE/NAME, got \"" + o.notificationsConfigMap + "\"");
  }
  if (o.leaseDuration <= o.renewDeadline)
    return invalid("--leader-election-lease-duration must be greater than --leader-election-renew-deadline");
  if (o.renewDeadline <= o.retryPeriod)
    return invalid("--leader-election-renew-deadline must be greater than --leader-election-retry-period");
  if (o.retryPeriod.count() <= 0) return invalid("--leader-election-retry-period must be positive");
  if (o.webhookCertRefreshInterval.count() <= 0) return invalid("--webhook-cert-refresh-interval must be positive");
  if (auto st = buildProviderLimits(o); !st) return st.error();
  return o;
}

}  // namespace modelops::cmd
