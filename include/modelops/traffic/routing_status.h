// What the ModelDeployment's status says about its traffic router: the condition TrafficRoutingReady
// (True once the routing object carries the split; False with a route_reason when it cannot) and, when
// a human must fix the routing object, phase Failed with a message naming it, so that nobody waits on a
// rollout that cannot move (`kubectl modelops status --wait` ends on phase Failed). The reconciler writes
// that status instead of the plan's (which would claim weights that were not written) and retries.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "modelops/api/model_deployment.h"
#include "modelops/api/names.h"
#include "modelops/common/time.h"
#include "modelops/kube/client.h"

namespace modelops::traffic {

// status.message prefix of a routing failure (recognised when the routing works again).
inline constexpr std::string_view kRoutingFailedPrefix = "cannot route traffic: ";

struct RoutingProblem {
  std::string reason;   // a route_reason
  std::string message;  // names the object or kind, e.g. "HTTPRoute team-b/payments not found"
};

// The problem a human must fix behind a TrafficRouter::apply error; nullopt for errors worth a plain
// retry (409 Conflict, 5xx, 429, transport).
std::optional<RoutingProblem> routingProblem(const kube::ApiError& error);

// `previous` (the status last written) with observedGeneration `generation`, phase Failed with the
// problem, and TrafficRoutingReady=False carrying it. Stable under repetition (no new write when the
// problem is the same).
api::ModelDeploymentStatus routingFailedStatus(api::ModelDeploymentStatus previous, const RoutingProblem& problem,
                                               std::int64_t generation, WallTime now);

// After the split was carried: TrafficRoutingReady=True naming `routedBy` ("HTTPRoute ml/fraud"), or no
// such condition in replica-ratio mode (`routedBy` empty). A phase Failed left over from a routing
// failure that the planner did not replace becomes Progressing.
void recordRoutingReady(api::ModelDeploymentStatus& status, const std::string& routedBy, std::int64_t generation,
                        WallTime now);

}  // namespace modelops::traffic
