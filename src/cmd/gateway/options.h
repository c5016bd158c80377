// GatewayOptions: every flag of modelops-gateway, with defaults, parsed and validated from argv (errors
// name the flag). Kept apart from main() and the wiring so the flags are easy to read and test.
// Thread-safety: plain value type.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "modelops/common/result.h"
#include "modelops/gateway/proxy/proxy_server.h"
#include "modelops/gateway/sampling/payload_sampler.h"

namespace modelops::cmd {

struct GatewayOptions {
  // Connection to the API server.
  std::string kubeconfig;
  std::string context;
  double qps = 20;
  std::int64_t burst = 30;
  // What is served.
  std::vector<std::string> namespaces;  // empty: the client configuration's namespace ("default" when none)
  std::string clusterDomain = "cluster.local";
  std::map<std::string, std::string> serviceAddresses;  // "ns/service" -> "host:port"
  // Prediction ids and feedback.
  std::string keySecret = "modelops-gateway-keys";
  std::string keySecretNamespace;  // empty: the first served namespace
  std::string redisAddress;         // empty: dedupe per replica in memory
  std::int64_t dedupeMaxKeys = 200000;
  std::chrono::milliseconds idMaxAge{std::chrono::hours(24 * 7)};
  std::int64_t maxFeedbackItems = 1000;
  // The data plane.
  std::string listenAddress = ":8080";
  gateway::proxy::ProxyOptions proxy;  // host/port filled from listenAddress
  std::chrono::milliseconds drainTimeout{std::chrono::seconds(20)};
  std::chrono::milliseconds drainDelay{0};  // after SIGTERM: /readyz 503 but still serving, for this long
  // Payload sampling (--sample-*): off unless --sample-rate or a --sample-model-rate is above 0.
  gateway::PayloadSamplerOptions sampling;
  bool samplingEnabled() const;
  // Logging.
  std::string logLevel = "info";
  std::string logFormat = "text";

  bool showHelp = false;
  bool showVersion = false;
  std::string usage;
};

Result<GatewayOptions> parseGatewayOptions(const std::vector<std::string>& args);

}  // namespace modelops::cmd
