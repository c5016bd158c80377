// What a ModelDeployment may touch in a routing object, and the weight math of a shared rule.
//   - Namespaces: a ModelDeployment edits routing objects of its own namespace; a route in another
//     namespace only when that route grants it, with the annotation
//     `modelops.dev/allowed-namespaces: "team-a, team-c"` (comma-separated namespace names, no wildcard).
//     The annotation sits on the route, so only whoever may edit the route can grant it (the same idea as
//     Gateway API's ReferenceGrant, which lives in the namespace that is referred to).
//   - Backends: an entry of the managed rule/route is the ModelDeployment's when it names one of its
//     track Services (`<name>-stable`, `<name>-canary`, `<name>-<variant>` for variants declared or
//     still in status, and every backend of the current split) in the ModelDeployment's namespace. All
//     other entries ("foreign") keep their place, fields and weight.
//   - Weights: weights in a managed rule are read as parts of 100. The foreign entries keep what they
//     have; the planner's split (percentages of our share) is applied to what they leave, 100 - foreign,
//     with integer shares that add up exactly (largest remainder; a backend with a non-zero percentage
//     gets at least 1 when the share allows). Nothing left (foreign >= 100) is refused (NoWeightLeft).
// Thread-safety: pure functions and constants.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/api/model_deployment.h"
#include "modelops/common/result.h"
#include "modelops/rollout/planner.h"

namespace modelops::traffic {

inline constexpr std::string_view kAnnotationAllowedNamespaces = "modelops.dev/allowed-namespaces";

// Why a routing object could not carry a split: the `reason` of TrafficRouter::apply's ApiError and of
// the TrafficRoutingReady condition (see routing_status.h).
namespace route_reason {
inline constexpr std::string_view kRouteNotFound = "RouteNotFound";                  // 404 on the object
inline constexpr std::string_view kRouteKindNotInstalled = "RouteKindNotInstalled";  // 404: kind not served
inline constexpr std::string_view kRouteNotGranted = "RouteNotGranted";  // another namespace, no grant
inline constexpr std::string_view kRouteForbidden = "RouteForbidden";    // 403: the operator's RBAC
inline constexpr std::string_view kNoWeightLeft = "NoWeightLeft";        // foreign backends hold 100
inline constexpr std::string_view kInvalidRoute = "InvalidRoute";        // no such rule / route / spec
}  // namespace route_reason

// Where a ModelDeployment's Services live, where the routing object lives, and which Service names are
// the ModelDeployment's (whatever their weight now).
struct RouteScope {
  std::string serviceNamespace;
  std::string routeNamespace;
  std::set<std::string> managed;
  bool crossNamespace() const { return serviceNamespace != routeNamespace; }
};

// The scope of `md` for a routing object in `routeNamespace`.
RouteScope scopeFor(const api::ModelDeployment& md, const rollout::DesiredTraffic& traffic,
                    const std::string& routeNamespace);
// The scope when only the split is known: the route's own namespace (metadata.namespace), the split's
// backends and `<owner>-stable` / `<owner>-canary`.
RouteScope scopeOfRoute(const nlohmann::json& route, const rollout::DesiredTraffic& traffic);

// True when `object`'s annotation kAnnotationAllowedNamespaces lists `ns`.
bool grantsNamespace(const nlohmann::json& object, const std::string& ns);
// The namespaces the annotation lists (trimmed, empty items dropped), for messages and tests.
std::vector<std::string> allowedNamespaces(const nlohmann::json& object);

// Integer shares of `budget` in proportion to `percents` (see the header comment); sums to `budget`
// (0 when every percentage is 0).
std::vector<std::int64_t> splitBudget(const std::vector<std::int64_t>& percents, std::int64_t budget);

// How a list of route entries (HTTPRoute backendRefs, VirtualService route destinations) is read.
struct EntryShape {
  // True when the entry is one of the scope's Services; `service` receives its name.
  std::function<bool(const nlohmann::json& entry, std::string& service)> isManaged;
  std::int64_t absentWeight = 1;  // a foreign entry without `weight` (HTTPRoute: 1)
  // Our entry for `backend` with `weight`, keeping the fields of `base` (the previous entry, or {}).
  std::function<nlohmann::json(const rollout::Backend& backend, std::int64_t weight, nlohmann::json base)> make;
};

// `existing` with our entries replaced by the split: foreign entries keep place and weight; ours go
// where the first of ours was (else at the end), in the split's order. Error kNoWeightLeft (message
// naming `where` and the foreign backends) when the foreign entries leave nothing.
Result<nlohmann::json> mergeManagedEntries(const nlohmann::json& existing, const rollout::DesiredTraffic& traffic,
                                           const EntryShape& shape, const std::string& where);

}  // namespace modelops::traffic
