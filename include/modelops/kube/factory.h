// The Kubernetes API client's public entry point: makeKubeClient builds the production KubeClient
// from a ClientConfig (kubeconfig or in-cluster, see config.h). How it authenticates (token, token
// file, exec plugin, client certificate, with a refresh after 401), limits its rate (token bucket
// of config.qps/burst) and retries (backoff with jitter, Retry-After, within config.maxAttempts and
// maxRetryTotal) is its own business: those pieces live in src/kube and are not public surface.
// Thread-safety: makeKubeClient may be called from any thread; the client it returns is safe to use
// from many threads at once (see client.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "modelops/common/clock.h"
#include "modelops/common/result.h"
#include "modelops/common/sleeper.h"
#include "modelops/kube/client.h"
#include "modelops/kube/config.h"

namespace modelops::kube {

// Runs an exec credential plugin: returns its stdout (an ExecCredential) or an error. execInfo is
// the KUBERNETES_EXEC_INFO value.
using ExecRunner = std::function<Result<std::string>(const ExecConfig& exec, const std::string& execInfo)>;

// What the client takes from its environment; tests inject fakes.
struct ClientDeps {
  const Clock* clock = nullptr;  // required
  Sleeper* sleeper = nullptr;    // waits between attempts and for rate-limit tokens; default real time
  ExecRunner execRunner;         // default: runs the plugin as a child process
  std::uint64_t jitterSeed = 0;  // 0: random
};

// Fails on an unusable configuration (bad URL, unreadable CA, malformed certificate or key).
Result<std::unique_ptr<KubeClient>> makeKubeClient(const ClientConfig& config, ClientDeps deps);
// The production client: this clock, real time waits, the real exec plugin runner.
Result<std::unique_ptr<KubeClient>> makeKubeClient(const ClientConfig& config, Clock& clock);

}  // namespace modelops::kube
