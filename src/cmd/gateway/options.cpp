// Flag definitions and validation for modelops-gateway; see options.h.
#include "options.h"

#include <algorithm>

#include "modelops/common/flags.h"

namespace modelops::cmd {
namespace {

Error invalid(const std::string& message) { return Error{"InvalidFlag", message}; }

// "HOST:PORT" or ":PORT" (all interfaces).
Status parseListen(const std::string& text, gateway::proxy::ProxyOptions& proxy) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return invalid("--listen-address: expected HOST:PORT, got \"" + text + "\"");
  proxy.host = colon == 0 ? "0.0.0.0" : text.substr(0, colon);
  try {
    auto port = std::stoi(text.substr(colon + 1));
    if (port < 0 || port > 65535) throw std::out_of_range("port");
    proxy.port = static_cast<std::uint16_t>(port);
  } catch (const std::exception&) {
    return invalid("--listen-address: bad port in \"" + text + "\"");
  }
  return {};
}

// "ns/service=host:port".
Status parseServiceAddresses(const std::vector<std::string>& entries, std::map<std::string, std::string>& out) {
  for (const auto& entry : entries) {
    auto eq = entry.find('=');
    auto slash = entry.find('/');
    auto colon = entry.rfind(':');
    if (eq == std::string::npos || slash == std::string::npos || slash > eq || colon == std::string::npos || colon < eq ||
        slash == 0 || slash + 1 == eq || colon == eq + 1 || colon + 1 == entry.size())
      return invalid("--service-address: expected NAMESPACE/SERVICE=HOST:PORT, got \"" + entry + "\"");
    out[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return {};
}

// A count flag within [min, max].
Status inRange(const std::string& flag, std::int64_t value, std::int64_t min, std::int64_t max) {
  if (value < min || value > max)
    return invalid("--" + flag + " must be between " + std::to_string(min) + " and " + std::to_string(max));
  return {};
}

Status positive(const std::string& flag, std::chrono::milliseconds value) {
  if (value.count() <= 0) return invalid("--" + flag + " must be positive");
  return {};
}

struct RawLimits {
  std::int64_t ioThreads = 2, feedbackThreads = 1, connectAttempts = 2;
  std::int64_t maxRequestBody = 1 << 20, maxResponseBody = 8 << 20, maxFeedbackBody = 1 << 20, maxHeader = 16 << 10;
  std::int64_t maxConnections = 10000, maxIdlePerUpstream = 64, maxConnectionsPerUpstream = 1024, maxShadow = 64;
};

void addLimitFlags(FlagSet& flags, RawLimits& raw, gateway::proxy::ProxyOptions& p) {
  flags.addInt("io-threads", &raw.ioThreads, "Threads serving connections (each with its own event loop and upstream pools).");
  flags.addInt("feedback-threads", &raw.feedbackThreads, "Threads handling POST /v1/feedback (may wait on Redis).");
  flags.addDuration("request-timeout", &p.requestTimeout, "Time for the upstream's complete answer (504 after).");
  flags.addDuration("connect-timeout", &p.connectTimeout, "Time for one connection attempt to an upstream.");
  flags.addInt("connect-attempts", &raw.connectAttempts,
               "Connection attempts per request; a request is resent only when not one byte of it was sent.");
  flags.addDuration("upstream-idle-timeout", &p.upstreamIdleTimeout,
                    "Close pooled upstream connections unused this long (keep it below the model server's keep-alive).");
  flags.addDuration("client-idle-timeout", &p.clientIdleTimeout, "Close client connections idle this long.");
  flags.addDuration("client-read-timeout", &p.clientReadTimeout, "Time to read one request once its header started.");
  flags.addInt("max-request-body-bytes", &raw.maxRequestBody, "Largest prediction request body (413 above).");
  flags.addInt("max-response-body-bytes", &raw.maxResponseBody, "Largest upstream answer body (502 above).");
  flags.addInt("max-feedback-body-bytes", &raw.maxFeedbackBody, "Largest POST /v1/feedback body (413 above).");
  flags.addInt("max-header-bytes", &raw.maxHeader, "Largest request or answer header (431 / 502 above).");
  flags.addInt("max-connections", &raw.maxConnections, "Client connections served at once; more are closed.");
  flags.addInt("max-idle-per-upstream", &raw.maxIdlePerUpstream, "Idle keep-alive connections kept per upstream and io thread.");
  flags.addInt("max-connections-per-upstream", &raw.maxConnectionsPerUpstream,
               "Open connections per upstream and io thread (502 above).");
  flags.addInt("max-shadow-in-flight", &raw.maxShadow, "Shadow copies in flight per process; more are dropped (counted).");
}

Status applyLimits(const RawLimits& raw, gateway::proxy::ProxyOptions& p) {
  constexpr std::int64_t kGiB = std::int64_t{1} << 30;
  for (auto st : {inRange("io-threads", raw.ioThreads, 1, 64), inRange("feedback-threads", raw.feedbackThreads, 1, 64),
                  inRange("connect-attempts", raw.connectAttempts, 1, 10),
                  inRange("max-request-body-bytes", raw.maxRequestBody, 1, kGiB),
                  inRange("max-response-body-bytes", raw.maxResponseBody, 1, kGiB),
                  inRange("max-feedback-body-bytes", raw.maxFeedbackBody, 1, kGiB),
                  inRange("max-header-bytes", raw.maxHeader, 1024, 1 << 20),
                  inRange("max-connections", raw.maxConnections, 1, 1000000),
                  inRange("max-idle-per-upstream", raw.maxIdlePerUpstream, 0, 100000),
                  inRange("max-connections-per-upstream", raw.maxConnectionsPerUpstream, 1, 100000),
                  inRange("max-shadow-in-flight", raw.maxShadow, 0, 100000), positive("request-timeout", p.requestTimeout),
                  positive("connect-timeout", p.connectTimeout), positive("upstream-idle-timeout", p.upstreamIdleTimeout),
                  positive("client-idle-timeout", p.clientIdleTimeout), positive("client-read-timeout", p.clientReadTimeout)})
    if (!st) return st;
  p.ioThreads = static_cast<int>(raw.ioThreads);
  p.feedbackThreads = static_cast<int>(raw.feedbackThreads);
  p.connectAttempts = static_cast<int>(raw.connectAttempts);
  p.maxRequestBodyBytes = static_cast<std::size_t>(raw.maxRequestBody);
  p.maxResponseBodyBytes = static_cast<std::size_t>(raw.maxResponseBody);
  p.maxFeedbackBodyBytes = static_cast<std::size_t>(raw.maxFeedbackBody);
  p.maxHeaderBytes = static_cast<std::size_t>(raw.maxHeader);
  p.maxConnections = static_cast<std::size_t>(raw.maxConnections);
  p.maxIdlePerUpstream = static_cast<std::size_t>(raw.maxIdlePerUpstream);
  p.maxConnectionsPerUpstream = static_cast<std::size_t>(raw.maxConnectionsPerUpstream);
  p.maxShadowInFlight = static_cast<std::size_t>(raw.maxShadow);
  return {};
}

struct RawSampling {
  std::int64_t maxFileBytes = 64 << 20, maxFiles = 10, maxBodyBytes = 64 << 10;
  std::vector<std::string> modelRates;  // "ns/modeldeployment=rate"
};

void addSamplingFlags(FlagSet& flags, RawSampling& raw, gateway::PayloadSamplerOptions& s) {
  flags.addString("sample-dir", &s.dir,
                  "Directory of the payload log (JSON lines of request, response and ids; may hold personal data). "
                  "Required when sampling is on.",
                  "DIR");
  flags.addDouble("sample-rate", &s.rate, "Fraction of predictions written to the payload log, 0 to 1 (0: off).");
  flags.addStringList("sample-model-rate", &raw.modelRates,
                      "Fraction for one ModelDeployment instead of --sample-rate, NAMESPACE/NAME=RATE.", "NS/NAME=RATE");
  flags.addInt("sample-max-file-bytes", &raw.maxFileBytes, "Payload log files are rotated before they pass this size.");
  flags.addInt("sample-max-files", &raw.maxFiles, "Payload log files kept; the oldest are deleted.");
  flags.addInt("sample-max-body-bytes", &raw.maxBodyBytes,
               "Request and response bodies in the payload log are cut to this size (\"truncated\": true).");
}

Status applySampling(const RawSampling& raw, gateway::PayloadSamplerOptions& s) {
  if (!(s.rate >= 0 && s.rate <= 1)) return invalid("--sample-rate must be between 0 and 1");
  for (const auto& entry : raw.modelRates) {
    auto eq = entry.rfind('=');
    auto slash = entry.find('/');
    double rate = -1;
    try {
      std::size_t used = 0;
      if (eq != std::string::npos) rate = std::stod(entry.substr(eq + 1), &used);
      if (used == 0 || eq + 1 + used != entry.size()) rate = -1;
    } catch (const std::exception&) {
      rate = -1;
    }
    if (eq == std::string::npos || slash == std::string::npos || slash == 0 || slash + 1 >= eq ||
        entry.find('/', slash + 1) < eq || !(rate >= 0 && rate <= 1))
      return invalid("--sample-model-rate: expected NAMESPACE/NAME=RATE with RATE between 0 and 1, got \"" + entry + "\"");
    s.modelRates[entry.substr(0, eq)] = rate;
  }
  constexpr std::int64_t kTiB = std::int64_t{1} << 40;
  for (auto st : {inRange("sample-max-file-bytes", raw.maxFileBytes, 1024, kTiB),
                  inRange("sample-max-files", raw.maxFiles, 1, 100000),
                  inRange("sample-max-body-bytes", raw.maxBodyBytes, 1, 64 << 20)})
    if (!st) return st;
  s.maxFileBytes = static_cast<std::uint64_t>(raw.maxFileBytes);
  s.maxFiles = static_cast<std::size_t>(raw.maxFiles);
  s.maxBodyBytes = static_cast<std::size_t>(raw.maxBodyBytes);
  bool on = s.rate > 0 || std::any_of(s.modelRates.begin(), s.modelRates.end(), [](const auto& r) { return r.second > 0; });
  if (on && s.dir.empty()) return invalid("--sample-dir is required when --sample-rate or --sample-model-rate is above 0");
  return {};
}

}  // namespace

bool GatewayOptions::samplingEnabled() const {
  return sampling.rate > 0 ||
         std::any_of(sampling.modelRates.begin(), sampling.modelRates.end(), [](const auto& r) { return r.second > 0; });
}

Result<GatewayOptions> parseGatewayOptions(const std::vector<std::string>& args) {
  GatewayOptions o;
  RawLimits raw;
  RawSampling rawSampling;
  std::vector<std::string> serviceAddresses;
  FlagSet flags("modelops-gateway",
                "Routes prediction requests to the stable, canary or A/B variant Services of ModelDeployments with\n"
                "the weights the operator decided, stamps every prediction with a signed X-Prediction-Id, takes\n"
                "labels back on POST /v1/feedback and exports the counts the operator's analysis judges.");
  flags.addString("kubeconfig", &o.kubeconfig, "Path to a kubeconfig file. Default: $KUBECONFIG, ~/.kube/config, in-cluster.", "PATH");
  flags.addString("context", &o.context, "Kubeconfig context to use instead of current-context.", "NAME");
  flags.addDouble("kube-api-qps", &o.qps, "Client-side limit of API requests per second (0: unlimited).");
  flags.addInt("kube-api-burst", &o.burst, "Requests allowed above --kube-api-qps in a burst.");
  flags.addStringList("namespace", &o.namespaces,
                      "Serve the ModelDeployments of this namespace (repeatable). Default: the pod's namespace.", "NAME");
  flags.addAlias('n', "namespace");
  flags.addString("cluster-domain", &o.clusterDomain, "Cluster DNS domain of Service names.", "DOMAIN");
  flags.addStringList("service-address", &serviceAddresses,
                      "Where a Service really is, NAMESPACE/SERVICE=HOST:PORT (repeatable; tests and setups "
                      "without cluster DNS).",
                      "MAPPING");
  flags.addString("key-secret", &o.keySecret,
                  "Secret holding the signing keys (data.current, optional data.previous; 32 bytes or more).", "NAME");
  flags.addString("key-secret-namespace", &o.keySecretNamespace, "Namespace of --key-secret. Default: the first served namespace.", "NAME");
  flags.addString("redis-address", &o.redisAddress,
                  "HOST:PORT of a Redis that dedupes labels across replicas (SET NX with a TTL). Default: per "
                  "replica, in memory.",
                  "ADDR");
  flags.addInt("dedupe-max-keys", &o.dedupeMaxKeys, "Labels remembered per replica for dedupe (bounded memory).");
  flags.addDuration("id-max-age", &o.idMaxAge, "Prediction ids older than this are refused (410) and forgotten.");
  flags.addInt("max-feedback-items", &o.maxFeedbackItems, "Items in one feedback batch (413 above).");
  flags.addString("listen-address", &o.listenAddress,
                  "Address serving predictions, feedback, /healthz, /readyz and /metrics, HOST:PORT.", "ADDR");
  addLimitFlags(flags, raw, o.proxy);
  flags.addDuration("drain-delay", &o.drainDelay,
                    "On SIGTERM/SIGINT, keep serving this long with /readyz failing before the listener closes "
                    "(time for Service endpoints to drop the pod; e.g. 5s in a cluster).");
  flags.addDuration("drain-timeout", &o.drainTimeout, "On SIGTERM/SIGINT, how long in-flight requests may take.");
  addSamplingFlags(flags, rawSampling, o.sampling);
  flags.addString("log-level", &o.logLevel, "Log level: trace, debug, info, warn, error.", "LEVEL");
  flags.addString("log-format", &o.logFormat, "Log format: text or json.", "FORMAT");
  flags.addBool("version", &o.showVersion, "Print the version and exit.");
  if (auto st = flags.parse(args); !st) return st.error();
  o.usage = flags.usage();
  o.showHelp = flags.helpRequested();
  if (!flags.positional().empty()) return invalid("unexpected argument \"" + flags.positional().front() + "\"");
  if (auto st = parseListen(o.listenAddress, o.proxy); !st) return st.error();
  if (auto st = parseServiceAddresses(serviceAddresses, o.serviceAddresses); !st) return st.error();
  if (auto st = applyLimits(raw, o.proxy); !st) return st.error();
  if (auto st = applySampling(rawSampling, o.sampling); !st) return st.error();
  if (auto st = inRange("dedupe-max-keys", o.dedupeMaxKeys, 1, 100000000); !st) return st.error();
  if (auto st = inRange("max-feedback-items", o.maxFeedbackItems, 1, 1000000); !st) return st.error();
  if (auto st = positive("id-max-age", o.idMaxAge); !st) return st.error();
  if (auto st = positive("drain-timeout", o.drainTimeout); !st) return st.error();
  if (o.drainDelay.count() < 0 || o.drainDelay > std::chrono::minutes(5)) return invalid("--drain-delay must be between 0 and 5m");
  if (o.keySecret.empty()) return invalid("--key-secret must name a Secret");
  return o;
}

}  // namespace modelops::cmd
