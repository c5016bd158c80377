// modelops-gateway wiring; see app.h.
#include "app.h"

#include <iostream>
#include <memory>
#include <set>
#include <thread>

#include "modelops/common/logging.h"
#include "modelops/gateway/feedback/feedback_service.h"
#include "modelops/gateway/feedback/gateway_metrics.h"
#include "modelops/gateway/feedback/label_deduper.h"
#include "modelops/gateway/feedback/redis_deduper.h"
#include "modelops/gateway/feedback/stamper.h"
#include "modelops/gateway/proxy/gateway_hooks.h"
#include "modelops/gateway/proxy/proxy_server.h"
#include "modelops/gateway/sampling/payload_sampler.h"
#include "modelops/kube/config.h"
#include "modelops/kube/factory.h"
#include "modelops/runtime/shutdown.h"
#include "modelops/version.h"
#include "route_watch.h"

namespace modelops::cmd {
namespace {

// The label deduper: in memory per replica, or Redis (with the memory window as its fallback while
// Redis is unreachable) when --redis-address is set.
Result<std::shared_ptr<gateway::LabelDeduper>> makeDeduper(const GatewayOptions& o, gateway::GatewayMetrics& metrics) {
  gateway::WindowDeduperOptions window;
  window.windowMs = o.idMaxAge.count();
  window.maxKeys = static_cast<std::size_t>(o.dedupeMaxKeys);
  auto memory = std::make_shared<gateway::WindowDeduper>(window);
  if (o.redisAddress.empty()) return std::shared_ptr<gateway::LabelDeduper>(memory);
  auto redisOptions = gateway::parseRedisAddress(o.redisAddress);
  if (!redisOptions) return Error{"InvalidFlag", "--redis-address: " + redisOptions.error()};
  auto redis = gateway::makeRedisDeduper(*redisOptions, memory, metrics);
  if (!redis) return Error{"RedisUnavailable", "--redis-address: " + redis.error()};
  return *redis;
}

RouteWatchOptions watchOptions(const GatewayOptions& o, const kube::ClientConfig& config) {
  RouteWatchOptions w;
  w.namespaces = o.namespaces;
  if (w.namespaces.empty()) w.namespaces.push_back(config.defaultNamespace.empty() ? "default" : config.defaultNamespace);
  w.routing.namespaces = std::set<std::string>(w.namespaces.begin(), w.namespaces.end());
  w.routing.clusterDomain = o.clusterDomain;
  w.routing.serviceAddresses = o.serviceAddresses;
  w.keyNamespace = o.keySecretNamespace.empty() ? w.namespaces.front() : o.keySecretNamespace;
  w.keySecret = o.keySecret;
  return w;
}

// The payload log (--sample-*), or null when sampling is off.
Result<std::unique_ptr<gateway::PayloadSampler>> makeSampler(const GatewayOptions& o, const Clock& clock) {
  if (!o.samplingEnabled()) return std::unique_ptr<gateway::PayloadSampler>();
  auto sampler = gateway::PayloadSampler::create(o.sampling, clock);
  if (!sampler) return sampler.error();
  logInfo("payload sampling on",
          {{"dir", o.sampling.dir}, {"rate", o.sampling.rate}, {"modelRates", o.sampling.modelRates.size()}});
  return std::move(*sampler);
}

gateway::FeedbackLimits feedbackLimits(const GatewayOptions& o) {
  gateway::FeedbackLimits limits;
  limits.maxBodyBytes = o.proxy.maxFeedbackBodyBytes;
  limits.maxItems = static_cast<std::size_t>(o.maxFeedbackItems);
  limits.maxIdAgeMs = o.idMaxAge.count();
  return limits;
}

// The API client from the flags; nullptr (logged) when the configuration is unusable.
std::unique_ptr<kube::KubeClient> makeClient(const GatewayOptions& options, Clock& clock, kube::ClientConfig& config) {
  kube::LoadOptions load;
  load.kubeconfigPath = options.kubeconfig;
  load.context = options.context;
  auto loaded = kube::loadClientConfig(load);
  if (!loaded) {
    logError("cannot load the API server configuration", {{"err", loaded.error().message}});
    return nullptr;
  }
  config = std::move(*loaded);
  config.qps = options.qps;
  config.burst = static_cast<int>(options.burst);
  config.userAgent += " gateway";
  auto client = kube::makeKubeClient(config, clock);
  if (!client) {
    logError("cannot create the API client", {{"err", client.error().message}});
    return nullptr;
  }
  return std::move(*client);
}

// After SIGTERM/SIGINT: not ready (still serving) for --drain-delay, then the drain. True when every
// in-flight request finished.
bool shutDown(const GatewayOptions& options, gateway::proxy::ProxyServer& server, int signal) {
  server.setUnready();
  if (options.drainDelay.count() > 0) {
    // Endpoints controllers and load balancers learn of the shutdown through /readyz; until they do,
    // new requests still arrive and are served.
    logInfo("shutting down: not ready, still serving", {{"delayMs", options.drainDelay.count()}});
    std::this_thread::sleep_for(options.drainDelay);
  }
  logInfo("draining", {{"signal", signal}, {"timeoutMs", options.drainTimeout.count()}, {"inFlight", server.stats().inFlight}});
  bool drained = server.drain(options.drainTimeout);
  auto stats = server.stats();
  logInfo(drained ? "drained" : "drain timed out; in-flight requests were cut",
          {{"requests", stats.requests}, {"connections", stats.connectionsAccepted}});
  return drained;
}

}  // namespace

int runGateway(const GatewayOptions& options) {
  // Signals first: threads started later inherit the blocked mask (see runtime/shutdown.h).
  runtime::SignalWatcher signals;
  auto format = parseLogFormat(options.logFormat);
  auto logging = format ? configureLogging(options.logLevel, *format) : Status(format.error());
  if (!logging) {
    std::cerr << "modelops-gateway: " << logging.error().message << "\n";
    return 2;
  }
  SystemClock clock;
  RealSleeper sleeper;
  kube::ClientConfig config;
  auto client = makeClient(options, clock, config);
  if (!client) return 1;
  gateway::GatewayMetrics metrics;
  auto deduper = makeDeduper(options, metrics);
  if (!deduper) {
    logError("cannot set up label dedupe", {{"err", deduper.error().message}});
    return 2;
  }
  auto keys = std::make_shared<gateway::KeyRingSource>();
  gateway::PredictionStamper stamper(keys, metrics, clock);
  gateway::FeedbackService feedback(keys, *deduper, metrics, clock, feedbackLimits(options));
  gateway::proxy::RouteSource routes;
  auto watch = watchOptions(options, config);
  logInfo("starting modelops-gateway",
          {{"version", kVersion}, {"server", config.server}, {"namespaces", watch.namespaces},
           {"keySecret", objectRef(watch.keyNamespace, watch.keySecret)},
           {"dedupe", options.redisAddress.empty() ? "memory" : "redis"}, {"ioThreads", options.proxy.ioThreads}});
  RouteWatch routeWatch(*client, clock, sleeper, watch, routes, *keys);
  auto sampler = makeSampler(options, clock);
  if (!sampler) {
    logError("cannot start payload sampling", {{"err", sampler.error().message}});
    return 2;
  }
  gateway::proxy::GatewayHooks hooks(
      {&routes, keys, &stamper, &feedback, &metrics, [&routeWatch] { return routeWatch.synced(); }, sampler->get()});
  gateway::proxy::ProxyServer server(options.proxy, hooks);
  if (auto st = server.start(); !st) {
    logError("cannot serve", {{"err", st.error().message}});
    return 1;
  }
  routeWatch.start();
  logInfo("serving", {{"address", options.proxy.host}, {"port", server.port()}});
  signals.token().waitFor(std::chrono::hours(24 * 365 * 100));
  bool drained = shutDown(options, server, signals.signal());
  routeWatch.stop();
  if (*sampler) (*sampler)->stop();  // after the drain: the last requests' records are written and synced
  return drained ? 0 : 1;
}

}  // namespace modelops::cmd
