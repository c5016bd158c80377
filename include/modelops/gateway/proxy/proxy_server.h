// ProxyServer: the gateway's event-driven HTTP/1.1 server and reverse proxy (Boost.Beast/Asio).
// A fixed number of io threads serve every client connection (keep-alive) and every upstream
// exchange; upstream connections are kept alive in a bounded pool per upstream address. Routes:
//   GET /healthz            200 while the process serves
//   GET /readyz             200 once hooks.ready(), 503 before and while draining
//   GET /metrics            hooks.metricsText()
//   POST /v1/feedback       hooks.feedback() on a small worker pool (off the io threads)
//   anything else           a prediction: hooks.plan() -> upstream -> hooks.stamp() -> client,
//                           with an optional shadow copy that never delays the primary's answer.
// Bounds: request body (413), response body (502), header size, connections, shadows in flight; a
// request timeout covers connecting, sending and reading the upstream's answer (504). A request is
// retried on another connection only when connecting failed or not one byte of it was sent.
// drain(): stop accepting, close idle keep-alive connections, let in-flight requests finish (their
// answers carry Connection: close), then stop the io threads.
// Thread-safety: start/drain/stop from one owner thread; port() and stats from any.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "modelops/common/result.h"
#include "modelops/gateway/proxy/proxy_hooks.h"

namespace modelops::gateway::proxy {

struct ProxyOptions {
  std::string host = "0.0.0.0";
  std::uint16_t port = 8080;  // 0: any free port (see port())
  int ioThreads = 2;
  int feedbackThreads = 1;
  std::chrono::milliseconds requestTimeout{30000};        // connect + send + upstream answer
  std::chrono::milliseconds connectTimeout{2000};         // one connection attempt
  std::chrono::milliseconds clientIdleTimeout{60000};     // a keep-alive client connection with no request
  std::chrono::milliseconds clientReadTimeout{30000};     // reading one request once it started
  std::chrono::milliseconds upstreamIdleTimeout{4000};    // a pooled connection unused this long is closed
  int connectAttempts = 2;                                 // attempts when connecting fails
  std::size_t maxRequestBodyBytes = 1 << 20;               // 413 above
  std::size_t maxResponseBodyBytes = 8 << 20;              // 502 above
  std::size_t maxFeedbackBodyBytes = 1 << 20;              // 413 above
  std::size_t maxHeaderBytes = 16 << 10;                   // 431 above
  std::size_t maxConnections = 10000;                      // client connections; more are closed at once
  std::size_t maxIdlePerUpstream = 64;                     // pooled idle connections per upstream address
  std::size_t maxConnectionsPerUpstream = 1024;            // open connections per upstream; 503 above
  std::size_t maxShadowInFlight = 64;                      // shadow copies in flight; more are dropped
};

// Counters for tests and logs (the Prometheus families live in the hooks' metrics).
struct ProxyStats {
  std::uint64_t connectionsAccepted = 0, connectionsRefused = 0, requests = 0;
  std::uint64_t upstreamConnects = 0, upstreamReuses = 0, upstreamRetries = 0;
  std::uint64_t shadowsSent = 0, shadowsDropped = 0;
  std::size_t activeConnections = 0, inFlight = 0;
};

class ProxyServer {
 public:
  ProxyServer(ProxyOptions options, ProxyHooks& hooks);
  ~ProxyServer();  // stops (no drain) if still running
  ProxyServer(const ProxyServer&) = delete;
  ProxyServer& operator=(const ProxyServer&) = delete;

  // Binds and starts the io threads; an error names the address.
  Status start();
  std::uint16_t port() const;
  // Graceful: refuse new connections and requests, finish in-flight ones within `grace`. True when
  // everything in flight finished in time. The server is stopped afterwards either way.
  bool drain(std::chrono::milliseconds grace);
  void stop();  // immediate: closes everything, joins the threads; idempotent
  bool draining() const;
  ProxyStats stats() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace modelops::gateway::proxy
