// Pure edits of HTTPRoute and VirtualService objects; see include/modelops/traffic/router.h.
#include "modelops/traffic/router.h"

#include <algorithm>

namespace modelops::traffic {
namespace {

Error invalid(std::string message) { return Error{"InvalidRoute", std::move(message)}; }

bool hasMatches(const rollout::DesiredTraffic& traffic) {
  return std::any_of(traffic.backends.begin(), traffic.backends.end(),
                     [](const rollout::Backend& b) { return !b.match.empty(); });
}

// Our entries, keeping any extra fields the user put on an entry for the same Service.
Json mergeEntries(const Json& existing, const rollout::DesiredTraffic& traffic,
                  const std::function<std::string(const Json&)>& nameOf,
                  const std::function<Json(const rollout::Backend&, Json base)>& make) {
  Json out = Json::array();
  for (const auto& b : traffic.backends) {
    Json base = Json::object();
    if (existing.is_array())
      for (const auto& e : existing)
        if (e.is_object() && nameOf(e) == b.service) base = e;
    out.push_back(make(b, base));
  }
  return out;
}

std::optional<std::size_t> managedRule(const Json& rules, const api::GatewayApiRouting& routing) {
  if (!rules.is_array() || rules.empty()) return std::nullopt;
  if (routing.ruleIndex) {
    auto i = static_cast<std::size_t>(*routing.ruleIndex);
    return i < rules.size() ? std::optional(i) : std::nullopt;
  }
  if (routing.port) {
    for (std::size_t i = 0; i < rules.size(); ++i)
      for (const auto& ref : rules[i].value("backendRefs", Json::array()))
        if (ref.is_object() && ref.value("port", Json()) == *routing.port) return i;
    return std::nullopt;
  }
  return 0;
}

}  // namespace

Result<Json> setHttpRouteBackends(const Json& route, const api::GatewayApiRouting& routing,
                                  const rollout::DesiredTraffic& traffic, std::int64_t port) {
  if (hasMatches(traffic)) return invalid("header/cookie match rules are not supported on HTTPRoute yet");
  if (!route.is_object() || !route.contains("spec") || !route["spec"].is_object())
    return invalid("HTTPRoute has no spec");
  Json out = route;
  auto& rules = out["spec"]["rules"];
  auto index = managedRule(rules, routing);
  if (!index) {
    std::string which = routing.ruleIndex ? "rules[" + std::to_string(*routing.ruleIndex) + "]"
                        : routing.port   ? "a rule with a backendRef on port " + std::to_string(*routing.port)
                                         : "a rule";
    return invalid("HTTPRoute " + route["metadata"].value("name", std::string()) + " has no " + which);
  }
  auto& rule = rules[*index];
  rule["backendRefs"] = mergeEntries(
      rule.value("backendRefs", Json::array()), traffic,
      [](const Json& e) { return e.value("name", std::string()); },
      [port](const rollout::Backend& b, Json base) {
        base["name"] = b.service;
        base["port"] = port;
        base["weight"] = b.weight;
        base.erase("kind");  // Service is the default kind
        return base;
      });
  return out;
}

std::vector<rollout::Backend> readHttpRouteBackends(const Json& route, const api::GatewayApiRouting& routing) {
  std::vector<rollout::Backend> out;
  if (!route.is_object() || !route.contains("spec")) return out;
  const auto& rules = route["spec"].value("rules", Json::array());
  auto index = managedRule(rules, routing);
  if (!index) return out;
  for (const auto& ref : rules[*index].value("backendRefs", Json::array()))
    if (ref.is_object())
      out.push_back({ref.value("name", std::string()), "", ref.value("weight", std::int64_t{1}), {}});
  return out;
}

Result<Json> setVirtualServiceRoutes(const Json& vs, const api::IstioVirtualService& routing,
                                     const rollout::DesiredTraffic& traffic, std::int64_t port) {
  if (hasMatches(traffic)) return invalid("header/cookie match rules are not supported on VirtualService yet");
  if (!vs.is_object() || !vs.contains("spec") || !vs["spec"].is_object()) return invalid("VirtualService has no spec");
  Json out = vs;
  auto& http = out["spec"]["http"];
  for (const auto& name : routing.routes) {
    auto it = http.is_array() ? std::find_if(http.begin(), http.end(),
                                             [&](const Json& r) { return r.is_object() && r.value("name", "") == name; })
                              : http.end();
    if (!http.is_array() || it == http.end())
      return invalid("VirtualService " + vs["metadata"].value("name", std::string()) + " has no http route named \"" +
                     name + "\"");
    (*it)["route"] = mergeEntries(
        it->value("route", Json::array()), traffic,
        [](const Json& e) { return e.contains("destination") ? e["destination"].value("host", std::string()) : ""; },
        [port](const rollout::Backend& b, Json base) {
          base["destination"]["host"] = b.service;
          base["destination"]["port"] = {{"number", port}};
          base["destination"].erase("subset");
          base["weight"] = b.weight;
          return base;
        });
  }
  return out;
}

}  // namespace modelops::traffic
