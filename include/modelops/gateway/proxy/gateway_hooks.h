// GatewayHooks: the production ProxyHooks. Binds the proxy to the routing table (RouteSource, swapped
// whole on every ModelDeployment change), pick() (pins, sticky keys, weights, shadow), the
// PredictionStamper (X-Prediction-Id, label-free signals), the FeedbackService and GatewayMetrics.
// RouteSource: the current RoutingTable behind an atomically swapped shared_ptr: a request reads it
// once without a lock and keeps that table alive until it ends, so a swap never invalidates a route
// in use.
// Thread-safety: every member of both classes is safe from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "modelops/gateway/feedback/feedback_service.h"
#include "modelops/gateway/feedback/gateway_metrics.h"
#include "modelops/gateway/feedback/key_ring_source.h"
#include "modelops/gateway/feedback/stamper.h"
#include "modelops/gateway/proxy/proxy_hooks.h"
#include "modelops/gateway/routing/routing_table.h"
#include "modelops/gateway/sampling/payload_sampler.h"

namespace modelops::gateway::proxy {

class RouteSource {
 public:
  RouteSource() : table_(std::make_shared<const RoutingTable>()) {}
  std::shared_ptr<const RoutingTable> current() const { return std::atomic_load(&table_); }
  void update(RoutingTable table) {
    std::atomic_store(&table_, std::shared_ptr<const RoutingTable>(std::make_shared<const RoutingTable>(std::move(table))));
  }

 private:
  std::shared_ptr<const RoutingTable> table_;
};

struct GatewayHooksDeps {
  const RouteSource* routes = nullptr;                 // required
  std::shared_ptr<const KeyRingSource> keys;           // required
  const PredictionStamper* stamper = nullptr;          // required
  const FeedbackService* feedback = nullptr;           // required
  GatewayMetrics* metrics = nullptr;                   // required
  std::function<bool()> routesSynced;                  // the ModelDeployment informers listed once
  PayloadSampler* sampler = nullptr;                   // optional: the payload log (--sample-rate > 0)
};

class GatewayHooks : public ProxyHooks {
 public:
  explicit GatewayHooks(GatewayHooksDeps deps);

  bool ready() const override;
  std::string metricsText() const override;
  ProxyResponse feedback(const ProxyRequest& request) override;
  std::optional<ForwardPlan> plan(const ProxyRequest& request, int& noRouteStatus, std::string& noRouteMessage) override;
  void stamp(const ForwardPlan& plan, const ProxyRequest& request, ProxyResponse& response) override;
  void finished(const ForwardPlan& plan, int status, std::chrono::nanoseconds elapsed) override;
  void upstreamFailed(const ForwardPlan& plan, UpstreamFailure failure) override;
  void shadowCompared(const ForwardPlan& plan, const ProxyResponse& primary, const ProxyResponse& shadow) override;
  void shadowDropped(const ForwardPlan& plan, ShadowDrop reason, std::string_view detail) override;

 private:
  GatewayHooksDeps deps_;
  std::atomic<std::uint64_t> shadowOverload_{0}, shadowFailed_{0};
};

}  // namespace modelops::gateway::proxy
