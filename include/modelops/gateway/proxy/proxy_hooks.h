// ProxyHooks: everything the data plane asks of the rest of the gateway, as one interface, so the
// proxy (Boost.Beast/Asio, this folder) knows nothing about routing tables, prediction ids or
// Prometheus, and tests can drive it with a hand-written implementation. The production
// implementation (gateway_hooks.h) binds the routing table, the stamper, the feedback service and
// the gateway's metrics.
// Thread-safety: the proxy calls every member from its io threads (and feedback() from its feedback
// worker threads) concurrently; implementations must be thread-safe and must not block on the
// network except feedback(), which runs off the io threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace modelops::gateway::proxy {

// One header line; names keep the case the client sent (lookups ignore case).
using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive lookup of the first header called `name`.
std::optional<std::string_view> findHeader(const HeaderList& headers, std::string_view name);

// A request as the proxy read it from the client (body complete, within the size bound).
struct ProxyRequest {
  std::string method;
  std::string target;  // path and query, as sent
  HeaderList headers;
  std::string body;
};

// An upstream address: a Service (or, in tests and the demo, a loopback server).
struct UpstreamAddress {
  std::string host;
  std::uint16_t port = 0;
  std::string key() const { return host + ":" + std::to_string(port); }
};

// What the hooks decided for one prediction request: where it goes, and an optional shadow copy.
// `context` is the hooks' own state for the request (the route it matched, the backend picked); the
// proxy hands it back unchanged in the later calls and keeps it alive until the last of them.
struct ForwardPlan {
  UpstreamAddress primary;
  std::optional<UpstreamAddress> shadow;
  std::shared_ptr<const void> context;
  std::string upstreamTarget;  // path and query to send upstream; empty: the client's target unchanged
};

// The answer the proxy sends (or an upstream's answer on its way to the client).
struct ProxyResponse {
  int status = 200;
  HeaderList headers;
  std::string body;
};

// Why a forwarded request produced no upstream answer.
enum class UpstreamFailure {
  ConnectFailed,      // every connection attempt failed (502)
  Reset,              // the connection broke after the request was (partly) sent (502)
  ResponseTooLarge,   // the upstream's body exceeded the bound (502)
  BadResponse,        // not HTTP/1.x (502)
  Timeout,            // no complete answer within the request timeout (504)
};
std::string_view upstreamFailureName(UpstreamFailure failure);

// Why a shadow copy was not compared.
enum class ShadowDrop {
  Overload,  // maxShadowInFlight copies were already in flight: not sent
  Failed,    // sent, but no answer (connect failure, timeout, too large, ...)
};

class ProxyHooks {
 public:
  virtual ~ProxyHooks() = default;

  // /readyz: true once the gateway can route and stamp (routes synced, key loaded).
  virtual bool ready() const = 0;
  // /metrics: the Prometheus text exposition.
  virtual std::string metricsText() const = 0;
  // POST /v1/feedback; runs on a feedback worker thread (may wait on Redis).
  virtual ProxyResponse feedback(const ProxyRequest& request) = 0;

  // A prediction request: the plan, or nullopt when no model route matches (404) or the route has no
  // backend with weight (the hooks set noRouteStatus, e.g. 503, and the message).
  virtual std::optional<ForwardPlan> plan(const ProxyRequest& request, int& noRouteStatus,
                                          std::string& noRouteMessage) = 0;
  // The upstream answered: stamp ids into `response` (headers and body) before it goes to the client.
  virtual void stamp(const ForwardPlan& plan, const ProxyRequest& request, ProxyResponse& response) = 0;
  // The request ended: the status sent to the client and the time from reading the request to the
  // last byte of the upstream's answer (failures included).
  virtual void finished(const ForwardPlan& plan, int status, std::chrono::nanoseconds elapsed) = 0;
  virtual void upstreamFailed(const ForwardPlan& plan, UpstreamFailure failure) = 0;
  // Both the primary's and the shadow's answers are in (the shadow's body is discarded after this).
  virtual void shadowCompared(const ForwardPlan& plan, const ProxyResponse& primary, const ProxyResponse& shadow) = 0;
  // A shadow copy was not sent (too many in flight) or got no answer.
  virtual void shadowDropped(const ForwardPlan& plan, ShadowDrop reason, std::string_view detail) = 0;
};

}  // namespace modelops::gateway::proxy
