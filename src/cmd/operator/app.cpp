// Operator wiring; see app.h. Turns the flags into clients, the reconciler and a runtime::Manager
// (which starts the parts in dependency order, waits for SIGTERM/SIGINT, and stops them in reverse
// within --shutdown-timeout).
#include "app.h"
#include "notifications.h"

#include <unistd.h>

#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "modelops/admission/admission_webhook.h"
#include "modelops/common/logging.h"
#include "modelops/kube/factory.h"
#include "modelops/kube/config.h"
#include "modelops/reconciler/measurement_metrics.h"
#include "modelops/reconciler/reconciler.h"
#include "modelops/runtime/manager.h"
#include "modelops/runtime/metrics.h"
#include "modelops/runtime/shutdown.h"
#include "modelops/runtime/sleeper.h"
#include "modelops/version.h"

namespace modelops::cmd {
namespace {

using namespace std::chrono_literals;

struct Address {
  std::string host;
  int port = 0;
};

// "HOST:PORT", ":PORT" (all interfaces) or "0" (off: nullopt).
Result<std::optional<Address>> parseAddress(const std::string& flag, const std::string& text) {
  if (text == "0" || text.empty()) return std::optional<Address>();
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return Error{"InvalidFlag", flag + ": expected HOST:PORT, got \"" + text + "\""};
  Address a{text.substr(0, colon), 0};
  if (a.host.empty()) a.host = "0.0.0.0";
  try {
    a.port = std::stoi(text.substr(colon + 1));
  } catch (const std::exception&) {
    return Error{"InvalidFlag", flag + ": bad port in \"" + text + "\""};
  }
  if (a.port < 0 || a.port > 65535) return Error{"InvalidFlag", flag + ": port out of range in \"" + text + "\""};
  return std::optional<Address>(a);
}

// The manager's options for a server at `address`, nullopt when the flag turned it off.
std::optional<runtime::HttpEndpointsOptions> endpointOptions(const std::optional<Address>& address) {
  if (!address) return std::nullopt;
  runtime::HttpEndpointsOptions o;
  o.host = address->host;
  o.port = address->port;
  return o;
}

std::string defaultIdentity() {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  std::random_device rd;
  return std::string(host) + "_" + std::to_string(rd() % 1000000);
}

std::string leaseNamespace(const OperatorOptions& o, const kube::ClientConfig& cfg) {
  if (!o.leaderElectionNamespace.empty()) return o.leaderElectionNamespace;
  return cfg.defaultNamespace.empty() ? "default" : cfg.defaultNamespace;
}

}  // namespace

int runOperator(const OperatorOptions& options) {
  // Signals first: threads started later inherit the blocked mask (see runtime/shutdown.h).
  runtime::SignalWatcher signals;
  auto format = parseLogFormat(options.logFormat);
  if (auto st = configureLogging(options.logLevel, *format); !st) {
    std::cerr << "modelops-operator: " << st.error().message << "\n";
    return 2;
  }
  auto metricsAddress = parseAddress("--metrics-bind-address", options.metricsBindAddress);
  auto probesAddress = parseAddress("--health-probe-bind-address", options.healthProbeBindAddress);
  if (!metricsAddress || !probesAddress) {
    logError(!metricsAddress ? metricsAddress.error().message : probesAddress.error().message);
    return 2;
  }

  SystemClock clock;
  runtime::RealSleeper sleeper;
  kube::LoadOptions load;
  load.kubeconfigPath = options.kubeconfig;
  load.context = options.context;
  auto config = kube::loadClientConfig(load);
  if (!config) {
    logError("cannot load the API server configuration", {{"err", config.error().message}});
    return 1;
  }
  config->qps = options.qps;
  config->burst = static_cast<int>(options.burst);
  // The replica's identity in the User-Agent: an API server's audit log then tells the replicas apart
  // (which one wrote what around a leadership change).
  std::string identity = options.identity.empty() ? defaultIdentity() : options.identity;
  config->userAgent += " (" + identity + ")";
  auto baseClient = kube::makeKubeClient(*config, clock);
  // Lease renewals never wait behind the shared QPS limiter: a client of their own, unlimited.
  auto leaseConfig = *config;
  leaseConfig.qps = 0;
  auto baseLeaseClient = kube::makeKubeClient(leaseConfig, clock);
  if (!baseClient || !baseLeaseClient) {
    logError("cannot create the API client",
             {{"err", (!baseClient ? baseClient.error() : baseLeaseClient.error()).message}});
    return 1;
  }
  logInfo("starting modelops-operator", {{"version", kVersion}, {"server", config->server},
                                         {"source", config->source},
                                         {"namespace", options.watchNamespace.empty() ? "(all)" : options.watchNamespace}});

  logInfo("metric provider limits",
          {{"maxResponseBytes", options.providerLimits.maxResponseBytes},
           {"requestTimeoutMs", options.providerLimits.maxRequestTimeout.count()},
           {"allow", options.providerAllow}, {"deny", options.providerDeny},
           {"alwaysDenied", analysis::DestinationPolicy::builtInDenied()}});

  runtime::RuntimeMetrics metrics;
  runtime::MeteredKubeClient client(**baseClient, metrics);
  runtime::MeteredKubeClient leaseClient(**baseLeaseClient, metrics);

  runtime::ManagerOptions managerOptions;
  managerOptions.controller.workers = static_cast<int>(options.workers);
  managerOptions.leaderElect = options.leaderElect;
  managerOptions.leaderElection.leaseNamespace = leaseNamespace(options, *config);
  managerOptions.leaderElection.leaseName = options.leaderElectionId;
  managerOptions.leaderElection.identity = identity;
  managerOptions.leaderElection.leaseDuration = options.leaseDuration;
  managerOptions.leaderElection.renewDeadline = options.renewDeadline;
  managerOptions.leaderElection.retryPeriod = options.retryPeriod;
  managerOptions.probes = endpointOptions(*probesAddress);
  managerOptions.metrics = endpointOptions(*metricsAddress);
  managerOptions.events.host = identity;
  managerOptions.inFlightGrace = options.shutdownTimeout;
  managerOptions.shutdownBudget = options.shutdownTimeout;

  // Measurements: provider credentials come from the Secret informer's cache (set once the manager
  // exists); measurements run on the pool's threads and re-queue their ModelDeployment when done.
  // A lookup before the Secret cache has synced waits for it (bounded: the RBAC may forbid the watch).
  const runtime::Informer* secretInformer = nullptr;
  reconciler::AnalysisMeasurer measurer(
      [&secretInformer](const std::string& ns, const std::string& name) -> std::optional<nlohmann::json> {
        if (!secretInformer || !secretInformer->waitForSync(5s)) return std::nullopt;
        auto secret = secretInformer->cache().get(ns, name);
        if (!secret) return std::nullopt;
        return *secret;
      },
      options.providerCredentialsRequireLabel,
      analysis::AnalysisRunner(analysis::defaultProviderFactory(options.providerLimits)));
  auto measurementMetrics = reconciler::makeMeasurementMetrics(metrics.registry());
  reconciler::MeasurementPoolOptions poolOptions;
  poolOptions.observer = measurementMetrics.get();
  poolOptions.maxInFlight = static_cast<std::size_t>(options.measurementConcurrency);
  poolOptions.maxPerProvider = static_cast<std::size_t>(options.measurementConcurrencyPerProvider);
  poolOptions.maxQueued = static_cast<std::size_t>(options.measurementQueueLength);
  reconciler::ThreadExecutor measurementThreads(poolOptions.maxInFlight);
  reconciler::MeasurementPool measurements(measurementThreads, clock, poolOptions);
  managerOptions.stopMeasurements = [&measurements](std::chrono::milliseconds grace) { measurements.shutdown(grace); };
  auto gauges = reconciler::makeAnalysisGauges(metrics.registry());
  auto outcomes = reconciler::makeRolloutOutcomes(metrics.registry());
  reconciler::ReconcilerOptions reconcilerOptions;
  reconcilerOptions.measurer = &measurer;
  reconcilerOptions.measurements = &measurements;
  reconcilerOptions.gauges = gauges.get();
  reconcilerOptions.outcomes = outcomes.get();
  // Notifications: the reconciler's Events to webhooks, off its threads; Secrets from the same cache.
  auto notifications = makeOperatorNotifications(
      options, metrics.registry(), clock, sleeper,
      [&secretInformer](const std::string& ns, const std::string& name) -> std::optional<nlohmann::json> {
        if (!secretInformer || !secretInformer->waitForSync(5s)) return std::nullopt;
        auto secret = secretInformer->cache().get(ns, name);
        if (!secret) return std::nullopt;
        return *secret;
      });
  reconcilerOptions.notifier = notifications.notifier.get();
  reconciler::ModelDeploymentReconciler reconciler(reconcilerOptions);
  runtime::Manager manager(managerOptions, reconciler, client, leaseClient, clock, sleeper, metrics);
  measurements.setReadyCallback([&manager](const std::string& key) { manager.controller().enqueue(key); });

  // Informers: ModelDeployments, and only the Deployments/Services that carry our label.
  runtime::InformerOptions mdOptions;
  mdOptions.ns = options.watchNamespace;
  mdOptions.resyncPeriod = options.resyncPeriod;
  auto childOptions = mdOptions;
  childOptions.resyncPeriod = 0ms;
  childOptions.labelSelector = "modelops.dev/name";
  manager.watchPrimary(kube::resources::modelDeployments(), mdOptions);
  manager.watchOwned(kube::resources::deployments(), childOptions);
  manager.watchOwned(kube::resources::services(), childOptions);
  // Secrets: only those opted in as provider credentials (unless the label is not required).
  auto secretOptions = mdOptions;
  secretOptions.resyncPeriod = 0ms;
  if (options.providerCredentialsRequireLabel)
    secretOptions.labelSelector = std::string(reconciler::kProviderCredentialsLabel) + "=true";
  secretInformer = &manager.watchCache(kube::resources::secrets(), secretOptions);
  watchNotificationsConfigMap(options, manager, *notifications.notifier);

  // Validating admission webhook: served on every replica (not only the leader), stopped after the manager.
  auto webhookAddress = parseAddress("--webhook-bind-address", options.webhookBindAddress);
  if (!webhookAddress) {
    logError(webhookAddress.error().message);
    return 2;
  }
  std::unique_ptr<admission::AdmissionWebhook> webhook;
  if (*webhookAddress) {
    admission::AdmissionWebhookConfig webhookConfig;
    webhookConfig.server.host = (*webhookAddress)->host;
    webhookConfig.server.port = (*webhookAddress)->port;
    webhookConfig.server.refreshInterval = options.webhookCertRefreshInterval;
    webhookConfig.certDir = options.webhookCertDir;
    webhookConfig.serviceName = options.webhookServiceName;
    webhookConfig.serviceNamespace = !options.webhookServiceNamespace.empty() ? options.webhookServiceNamespace
                                     : config->defaultNamespace.empty()       ? "default"
                                                                              : config->defaultNamespace;
    webhookConfig.configurationName = options.webhookConfigurationName;
    webhookConfig.certSecretName = options.webhookCertSecret;
    auto started = admission::AdmissionWebhook::start(webhookConfig, client, clock);
    if (!started) {
      logError("cannot start the admission webhook", {{"err", started.error().message}});
      return 1;
    }
    webhook = std::move(started).value();
  }

  int exitCode = manager.run(signals.token());
  // Before the manager (and the Secret cache the notifier reads) goes: queued deliveries are dropped.
  notifications.notifier->stop();
  notifications.sender->stop();
  if (webhook) webhook->stop();
  return exitCode;
}

}  // namespace modelops::cmd
