// Operator wiring; see app.h. Builds the parts, starts them in dependency order, waits for
// SIGTERM/SIGINT, and stops them in reverse within --shutdown-timeout.
#include "app.h"

#include <unistd.h>

#include <iostream>
#include <memory>
#include <random>

#include "modelops/common/logging.h"
#include "modelops/kube/client_impl.h"
#include "modelops/kube/config.h"
#include "modelops/reconciler/reconciler.h"
#include "modelops/runtime/controller.h"
#include "modelops/runtime/event_recorder.h"
#include "modelops/runtime/http_endpoints.h"
#include "modelops/runtime/informer.h"
#include "modelops/runtime/leader_election.h"
#include "modelops/runtime/metrics.h"
#include "modelops/runtime/shutdown.h"
#include "modelops/runtime/sleeper.h"
#include "modelops/runtime/work_queue.h"
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

  runtime::RuntimeMetrics metrics;
  runtime::MeteredKubeClient client(**baseClient, metrics);
  runtime::MeteredKubeClient leaseClient(**baseLeaseClient, metrics);

  // Informers: ModelDeployments, and only the Deployments/Services that carry our label.
  runtime::InformerSet informers;
  runtime::InformerOptions mdOptions;
  mdOptions.ns = options.watchNamespace;
  mdOptions.resyncPeriod = options.resyncPeriod;
  auto childOptions = mdOptions;
  childOptions.resyncPeriod = 0ms;
  childOptions.labelSelector = "modelops.dev/name";
  auto& mdInformer = informers.add(std::make_unique<runtime::Informer>(
      client, kube::resources::modelDeployments(), clock, sleeper, mdOptions, &metrics));
  auto& deploymentInformer = informers.add(std::make_unique<runtime::Informer>(
      client, kube::resources::deployments(), clock, sleeper, childOptions, &metrics));
  auto& serviceInformer = informers.add(std::make_unique<runtime::Informer>(
      client, kube::resources::services(), clock, sleeper, childOptions, &metrics));

  std::string identity = options.identity.empty() ? defaultIdentity() : options.identity;
  runtime::EventRecorderOptions recorderOptions;
  recorderOptions.host = identity;
  runtime::EventRecorder recorder(client, clock, recorderOptions);

  reconciler::AnalysisMeasurer measurer(&client);
  reconciler::AnalysisGauges gauges(*metrics.registry());
  reconciler::ReconcilerOptions reconcilerOptions;
  reconcilerOptions.measurer = &measurer;
  reconcilerOptions.gauges = &gauges;
  reconcilerOptions.events = [&recorder](const nlohmann::json& object, const rollout::PlannedEvent& e) {
    recorder.record(runtime::ObjectReference::of(object),
                    e.type == "Warning" ? runtime::EventType::Warning : runtime::EventType::Normal, e.reason, e.message);
  };
  reconciler::ModelDeploymentReconciler reconciler(reconcilerOptions);

  runtime::WorkQueue queue(clock, sleeper, {}, &metrics);
  runtime::ControllerOptions controllerOptions;
  controllerOptions.workers = static_cast<int>(options.workers);
  runtime::Controller controller(reconciler, queue, client, clock, informers, &recorder, &metrics, controllerOptions);
  mdInformer.addHandler(controller.enqueueHandler());
  deploymentInformer.addHandler(controller.ownerHandler());
  serviceInformer.addHandler(controller.ownerHandler());

  std::unique_ptr<runtime::LeaderElector> elector;
  if (options.leaderElect) {
    runtime::LeaderElectionConfig le;
    le.leaseNamespace = leaseNamespace(options, *config);
    le.leaseName = options.leaderElectionId;
    le.identity = identity;
    le.leaseDuration = options.leaseDuration;
    le.renewDeadline = options.renewDeadline;
    le.retryPeriod = options.retryPeriod;
    runtime::LeaderCallbacks callbacks;
    callbacks.onStartedLeading = [&] {
      logInfo("became leader", {{"identity", identity}});
      controller.startLeading();
    };
    callbacks.onStoppedLeading = [&] {
      logWarn("stopped leading", {{"identity", identity}});
      if (!controller.stopLeading(options.shutdownTimeout)) {
        // Reconciles still running after losing the lease could race the new leader: exit now.
        logError("reconciles did not stop after losing leadership; exiting");
        std::_Exit(1);
      }
    };
    callbacks.onNewLeader = [](const std::string& holder) { logInfo("leader observed", {{"identity", holder}}); };
    elector = std::make_unique<runtime::LeaderElector>(leaseClient, clock, sleeper, le, callbacks, &metrics);
  }

  // Probes and metrics: one server when both addresses are the same, else two.
  std::vector<std::unique_ptr<runtime::HttpEndpoints>> endpoints;
  auto addEndpoint = [&](const Address& a, bool probes, bool withMetrics) {
    runtime::HttpEndpointsOptions eo;
    eo.host = a.host;
    eo.port = a.port;
    eo.probes = probes;
    eo.metrics = withMetrics;
    auto e = std::make_unique<runtime::HttpEndpoints>(eo, &metrics);
    e->addReadinessCheck("informers-synced", [&informers] { return informers.allSynced(); });
    if (elector) e->addLivenessCheck("leader-election", [&elector] { return elector->healthy(); });
    endpoints.push_back(std::move(e));
  };
  const auto& m = *metricsAddress;
  const auto& p = *probesAddress;
  if (m && p && m->host == p->host && m->port == p->port) {
    addEndpoint(*m, true, true);
  } else {
    if (p) addEndpoint(*p, true, false);
    if (m) addEndpoint(*m, false, true);
  }
  for (auto& e : endpoints) {
    auto port = e->start();
    if (!port) {
      logError("cannot serve probes/metrics", {{"err", port.error().message}});
      return 1;
    }
    logInfo("serving", {{"port", *port}});
  }

  informers.startAll();
  recorder.start();
  controller.start();
  // Reconcile only from synced caches: an empty cache would look like missing children.
  while (!informers.waitForSync(1s)) {
    if (signals.token().cancelled()) break;
    logInfo("waiting for informer caches to sync");
  }
  if (!signals.token().cancelled()) {
    logInfo("caches synced");
    if (elector) {
      elector->start();
    } else {
      // Without leader election this replica is the one that reconciles (modelops_leader 1).
      controller.startLeading();
      metrics.setLeader(true);
    }
  }
  signals.token().waitFor(std::chrono::hours(24 * 365 * 100));
  logInfo("shutting down", {{"signal", signals.signal()}});

  runtime::ShutdownSequence shutdown(clock);
  if (elector) shutdown.add("leader election", [&](std::chrono::milliseconds) { elector->stop(); });
  else metrics.setLeader(false);
  shutdown.add("controller", [&](std::chrono::milliseconds left) { controller.shutdown(left); });
  shutdown.add("events", [&](std::chrono::milliseconds left) { recorder.stop(std::min<std::chrono::milliseconds>(left, 1s)); });
  shutdown.add("informers", [&](std::chrono::milliseconds) { informers.stopAll(); });
  shutdown.add("endpoints", [&](std::chrono::milliseconds) {
    for (auto& e : endpoints) e->stop();
  });
  bool clean = shutdown.run(options.shutdownTimeout);
  logInfo(clean ? "stopped" : "stopped with steps over the time budget");
  return clean ? 0 : 1;
}

}  // namespace modelops::cmd
