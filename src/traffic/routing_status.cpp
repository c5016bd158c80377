// The TrafficRoutingReady condition and the routing-failure status; see
// include/modelops/traffic/routing_status.h.
#include "modelops/traffic/routing_status.h"

#include <algorithm>

#include "modelops/traffic/route_scope.h"

namespace modelops::traffic {
namespace {

constexpr std::string_view kReasonRouted = "WeightsWritten";

api::Condition* routingCondition(api::ModelDeploymentStatus& status) {
  auto it = std::find_if(status.conditions.begin(), status.conditions.end(), [](const api::Condition& c) {
    return c.type == api::condition::kTrafficRoutingReady;
  });
  return it == status.conditions.end() ? nullptr : &*it;
}

// Sets the condition; lastTransitionTime moves only when its status changes.
void setRoutingCondition(api::ModelDeploymentStatus& status, std::string_view value, std::string reason,
                         std::string message, std::int64_t generation, WallTime now) {
  auto* c = routingCondition(status);
  if (!c) {
    status.conditions.emplace_back();
    c = &status.conditions.back();
    c->type = std::string(api::condition::kTrafficRoutingReady);
  }
  if (c->status != value) c->lastTransitionTime = formatRfc3339(now);
  c->status = std::string(value);
  c->reason = std::move(reason);
  c->message = std::move(message);
  c->observedGeneration = generation;
}

}  // namespace

std::optional<RoutingProblem> routingProblem(const kube::ApiError& error) {
  for (auto reason : {route_reason::kRouteNotFound, route_reason::kRouteKindNotInstalled,
                      route_reason::kRouteNotGranted, route_reason::kRouteForbidden, route_reason::kNoWeightLeft,
                      route_reason::kInvalidRoute})
    if (error.reason == reason) return RoutingProblem{error.reason, error.message};
  return std::nullopt;
}

api::ModelDeploymentStatus routingFailedStatus(api::ModelDeploymentStatus previous, const RoutingProblem& problem,
                                               std::int64_t generation, WallTime now) {
  previous.observedGeneration = generation;
  previous.phase = std::string(api::phase::kFailed);
  previous.message = std::string(kRoutingFailedPrefix) + problem.message;
  setRoutingCondition(previous, api::condition::kFalse, problem.reason, problem.message, generation, now);
  return previous;
}

void recordRoutingReady(api::ModelDeploymentStatus& status, const std::string& routedBy, std::int64_t generation,
                        WallTime now) {
  if (status.phase == api::phase::kFailed && status.message && status.message->starts_with(kRoutingFailedPrefix)) {
    status.phase = std::string(api::phase::kProgressing);
    status.message = "traffic routing works again" + (routedBy.empty() ? std::string() : " (" + routedBy + ")");
  }
  if (routedBy.empty()) {
    std::erase_if(status.conditions,
                  [](const api::Condition& c) { return c.type == api::condition::kTrafficRoutingReady; });
    return;
  }
  setRoutingCondition(status, api::condition::kTrue, std::string(kReasonRouted), routedBy + " carries the weights",
                      generation, now);
}

}  // namespace modelops::traffic
