// One ModelDeployment document -> its ModelRoute (internal to the routing library; rules in
// modelops/gateway/routing/routing_table.h).
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "modelops/common/result.h"
#include "modelops/gateway/routing/routing_table.h"

namespace modelops::gateway::detail {

// The route of `doc`; nullopt when `doc` is outside the namespaces served (not an error: the informer
// may list more than the gateway serves); a SkippedModel naming the problem when it cannot be routed.
Result<std::optional<ModelRoute>, SkippedModel> routeOf(const nlohmann::json& doc, const RoutingOptions& options);

// "host:port" (host a name, an IPv4 address or a bracketed IPv6 address; port 1..65535) split, or nullopt.
std::optional<std::pair<std::string, std::uint16_t>> parseHostPort(const std::string& text);

}  // namespace modelops::gateway::detail
