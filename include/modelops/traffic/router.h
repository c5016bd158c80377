// Traffic routers: make a routing object carry the weights the planner decided.
//   - replica ratio (no router): nothing to write, the planner's replica counts carry the weights;
//   - Gateway API HTTPRoute (gateway.networking.k8s.io/v1): in ONE rule (ruleIndex, or the rule whose
//     backendRefs use `port`, else rule 0) our backendRefs carry the split; every other backendRef, rule,
//     match, filter and field of the user's route is left untouched;
//   - Istio VirtualService (networking.istio.io/v1beta1): the same for the `route` destinations of the
//     named http routes;
//   - modelops-gateway (trafficRouting.gateway): nothing to write, the gateway reads the weights from status
//     and applies the A/B pins itself (makeGatewayRouter).
// Which entries are ours, the weight they share and the namespace rule (a route of another namespace
// only with its grant annotation) are in route_scope.h.
// A/B header/cookie matches (Backend::match) of a backend with weight > 0:
//   - HTTPRoute: one rule per such backend, named "modelops-match-<service>", inserted just before the
//     managed rule: a copy of the managed rule (filters etc.) whose matches are the managed rule's matches
//     (or PathPrefix "/") each AND-ed with the pin (header: type Exact; cookie: header "Cookie" with
//     RegularExpression "(^|;\s*)NAME=VALUE(;|$)"), and whose only backendRef is that Service. ruleIndex
//     counts the user's rules only (rules named "modelops-match-*" are skipped).
//   - VirtualService: per managed route R and such backend, an http route "R-<variant>-match" (a copy of
//     R with match headers {name-lowercased: {exact: VALUE}} or {cookie: {regex: ...}} AND-ed into R's
//     matches, routed only to that Service), placed before R (Istio takes the first matching route).
//   Every edit removes the previous match rules/routes of this owner (DesiredTraffic::owner) first, so
//   they follow the plan; user rules and routes are never touched. Match rules without an owner are an
//   error (the next edit could not tell our rules from another ModelDeployment's).
// The edits are pure functions (unit-tested); TrafficRouter adds the read and the conditional write.
// The replica-ratio router refuses a split that carries match rules (pods cannot pin requests).
// Thread-safety: pure functions; a TrafficRouter may be used from several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "modelops/api/model_deployment.h"
#include "modelops/common/result.h"
#include "modelops/kube/client.h"
#include "modelops/rollout/planner.h"
#include "modelops/traffic/route_scope.h"

namespace modelops::traffic {

using Json = nlohmann::json;

// The route with our backendRefs of the managed rule set to `traffic` (and our match rules in front of
// it); Error (code a route_reason) names the problem: no such rule / route (InvalidRoute), no weight
// left by the other backends (NoWeightLeft). Without a scope: scopeOfRoute(route, traffic).
Result<Json> setHttpRouteBackends(const Json& route, const api::GatewayApiRouting& routing,
                                  const rollout::DesiredTraffic& traffic, std::int64_t port, const RouteScope& scope);
Result<Json> setHttpRouteBackends(const Json& route, const api::GatewayApiRouting& routing,
                                  const rollout::DesiredTraffic& traffic, std::int64_t port);
Result<Json> setVirtualServiceRoutes(const Json& virtualService, const api::IstioVirtualService& routing,
                                     const rollout::DesiredTraffic& traffic, std::int64_t port,
                                     const RouteScope& scope);
Result<Json> setVirtualServiceRoutes(const Json& virtualService, const api::IstioVirtualService& routing,
                                     const rollout::DesiredTraffic& traffic, std::int64_t port);

// The weight each of our Services has in the routing object now (for status and tests).
std::vector<rollout::Backend> readHttpRouteBackends(const Json& route, const api::GatewayApiRouting& routing);

class TrafficRouter {
 public:
  virtual ~TrafficRouter() = default;
  // Makes the routing object carry `traffic`. Returns true when it wrote, false when it already did.
  // Errors: a problem a human must fix carries a route_reason as its reason and a message naming the
  // object: 404 RouteNotFound / RouteKindNotInstalled, 403 RouteForbidden, code 0 RouteNotGranted /
  // NoWeightLeft / InvalidRoute (see routingProblem() in routing_status.h); anything else is the
  // API's error as is (409 when the route changed meanwhile, 5xx, transport), worth a retry.
  virtual kube::KubeResult<bool> apply(const api::ModelDeployment& md, const rollout::DesiredTraffic& traffic) = 0;
  virtual std::string describe() const = 0;  // "HTTPRoute ml/fraud", "replica ratio"
};

// The router for a ModelDeployment's strategy (canary or abTest trafficRouting).
std::unique_ptr<TrafficRouter> makeRouter(const api::ModelDeployment& md, kube::KubeClient& client);

// trafficRouting.gateway (gateway_router.cpp): modelops-gateway reads the weights from status, so this router
// writes nothing; apply() refuses (InvalidRoute) a split whose weights are outside 0..100 or do not sum to 100.
std::unique_ptr<TrafficRouter> makeGatewayRouter();

}  // namespace modelops::traffic
