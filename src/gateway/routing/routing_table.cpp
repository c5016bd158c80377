// RoutingTable::build and path matching (rules in modelops/gateway/routing/routing_table.h).
// Thread-safety: pure functions; a built table is immutable.
#include "modelops/gateway/routing/routing_table.h"

#include <algorithm>
#include <charconv>

#include "modelops/api/codec.h"
#include "modelops/api/defaults.h"
#include "modelops/api/validation.h"
#include "route_of.h"

namespace modelops::gateway {
namespace {

std::string qualified(const ModelRoute& r) { return r.ns + "/" + r.name; }

// Claims `key` for routes[index] in `owners`; a key taken by an earlier route records a skip instead.
template <class Map>
bool claim(Map& owners, const std::string& key, std::size_t index, const std::vector<ModelRoute>& routes,
           std::vector<SkippedModel>& skipped, const std::string& what) {
  auto [it, inserted] = owners.emplace(key, index);
  if (inserted) return true;
  const ModelRoute& route = routes[index];
  skipped.push_back({route.ns, route.name, what + " " + key + " is already served by " + qualified(routes[it->second])});
  return false;
}

}  // namespace

std::string modelPath(std::string_view protocol, std::string_view model) {
  if (protocol == api::kProtocolOpenInferenceV2) return "/v2/models/" + std::string(model) + "/infer";
  return "/v1/models/" + std::string(model) + ":predict";
}

RoutingTable RoutingTable::build(const std::vector<nlohmann::json>& modelDeployments, const RoutingOptions& options) {
  RoutingTable table;
  std::vector<ModelRoute> candidates;
  for (const auto& doc : modelDeployments) {
    auto route = detail::routeOf(doc, options);
    if (route.ok()) {
      if (route->has_value()) candidates.push_back(std::move(**route));
    } else {
      table.skipped_.push_back(route.error());
    }
  }
  // First by "<ns>/<name>" keeps a contested path, whatever order the informer listed the objects in.
  std::sort(candidates.begin(), candidates.end(),
            [](const ModelRoute& a, const ModelRoute& b) { return std::tie(a.ns, a.name) < std::tie(b.ns, b.name); });
  table.routes_ = std::move(candidates);
  std::map<std::string, std::size_t> prefixOwners;
  for (std::size_t i = 0; i < table.routes_.size(); ++i) {
    const ModelRoute& route = table.routes_[i];
    for (auto protocol : {api::kProtocolKServeV1, api::kProtocolOpenInferenceV2}) {
      claim(table.exactPaths_, modelPath(protocol, route.model), i, table.routes_, table.skipped_, "path");
    }
    if (!route.pathPrefix.empty()) claim(prefixOwners, route.pathPrefix, i, table.routes_, table.skipped_, "pathPrefix");
  }
  table.prefixes_.assign(prefixOwners.begin(), prefixOwners.end());
  std::stable_sort(table.prefixes_.begin(), table.prefixes_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  return table;
}

std::optional<RouteMatch> RoutingTable::resolve(std::string_view target) const {
  auto queryAt = target.find('?');
  std::string_view path = target.substr(0, queryAt);
  std::string_view query = queryAt == std::string_view::npos ? std::string_view() : target.substr(queryAt);
  if (auto it = exactPaths_.find(path); it != exactPaths_.end()) {
    return RouteMatch{&routes_[it->second], std::string(target)};
  }
  for (const auto& [prefix, index] : prefixes_) {
    if (path.size() < prefix.size() || path.substr(0, prefix.size()) != prefix) continue;
    std::string_view rest = path.substr(prefix.size());
    if (!rest.empty() && rest.front() != '/') continue;  // "/fraud" does not cover "/fraudulent"
    const ModelRoute& route = routes_[index];
    std::string upstream = rest.empty() || rest == "/" ? modelPath(route.prediction.protocol, route.model) : std::string(rest);
    return RouteMatch{&route, upstream + std::string(query)};
  }
  return std::nullopt;
}

const ModelRoute* RoutingTable::match(std::string_view path) const {
  auto found = resolve(path);
  return found ? found->route : nullptr;
}

}  // namespace modelops::gateway
