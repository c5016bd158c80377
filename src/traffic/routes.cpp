// Pure edits of HTTPRoute and VirtualService objects; see include/modelops/traffic/router.h.
// Match rules (A/B header/cookie pins) become rules/routes of our own, placed before the managed one and
// recognisable by name, so that every edit first removes the previous ones and then adds the current
// ones; a rule equal to the previous one up to fields the API server defaulted is kept verbatim, so an
// edit of an already-edited object changes nothing (the router then skips the write).
#include "modelops/traffic/router.h"

#include <algorithm>

#include "modelops/traffic/route_scope.h"

namespace modelops::traffic {
namespace {

Error invalid(std::string message) { return Error{"InvalidRoute", std::move(message)}; }

// Match rules are named after their owner so that the next edit finds them; without an owner, the
// router could not tell its rules from another ModelDeployment's on a shared route.
bool matchesWithoutOwner(const rollout::DesiredTraffic& traffic) {
  return traffic.owner.empty() && std::any_of(traffic.backends.begin(), traffic.backends.end(),
                                              [](const rollout::Backend& b) { return !b.match.empty(); });
}

// "(^|;\s*)NAME=VALUE(;|$)" with NAME and VALUE escaped: a Cookie header containing that cookie.
std::string cookieRegex(const std::string& name, const std::string& value) {
  auto escape = [](const std::string& text) {
    std::string out;
    for (char c : text) {
      if (std::string_view(R"(\^$.|?*+()[]{})").find(c) != std::string_view::npos) out += '\\';
      out += c;
    }
    return out;
  };
  return R"((^|;\s*))" + escape(name) + "=" + escape(value) + "(;|$)";
}

// True when every member of `small` is in `big` with an equal value (recursively; arrays element-wise):
// `big` is `small` plus fields the API server defaulted.
bool isSubset(const Json& small, const Json& big) {
  if (small.is_object() && big.is_object()) {
    for (const auto& [k, v] : small.items())
      if (!big.contains(k) || !isSubset(v, big[k])) return false;
    return true;
  }
  if (small.is_array() && big.is_array()) {
    if (small.size() != big.size()) return false;
    for (std::size_t i = 0; i < small.size(); ++i)
      if (!isSubset(small[i], big[i])) return false;
    return true;
  }
  return small == big;
}

// The previous version of `fresh` (same name) when it differs only by defaulted fields, else `fresh`.
Json keepIfSame(Json fresh, const std::vector<Json>& previous) {
  for (const auto& old : previous)
    if (old.value("name", std::string()) == fresh.value("name", std::string()) && isSubset(fresh, old)) return old;
  return fresh;
}

// ---------------------------------------------------------------- HTTPRoute

constexpr std::string_view kRulePrefix = "modelops-match-";

bool isAnyOurs(const Json& rule) {
  return rule.is_object() && rule.value("name", std::string()).starts_with(kRulePrefix);
}
// The namespace a backendRef points into (absent: the route's).
std::string refNamespace(const Json& ref, const RouteScope& scope) {
  auto it = ref.find("namespace");
  return it != ref.end() && it->is_string() ? it->get<std::string>() : scope.routeNamespace;
}

// A backendRef to one of the scope's Services (core Service kind, the ModelDeployment's namespace).
bool isManagedRef(const Json& ref, const RouteScope& scope, std::string& service) {
  if (!ref.is_object()) return false;
  auto group = ref.value("group", std::string());
  if (ref.value("kind", std::string("Service")) != "Service" || !(group.empty() || group == "core")) return false;
  service = ref.value("name", std::string());
  return scope.managed.count(service) > 0 && refNamespace(ref, scope) == scope.serviceNamespace;
}

// Rules this ModelDeployment added: named "modelops-match-<owner>-...", routed only into its namespace
// (so a same-named ModelDeployment of another namespace sharing a granted route keeps its rules).
bool isOurs(const Json& rule, const std::string& owner, const RouteScope& scope) {
  if (owner.empty() || !isAnyOurs(rule) ||
      !rule.value("name", std::string()).starts_with(std::string(kRulePrefix) + owner + "-"))
    return false;
  const auto& refs = rule.value("backendRefs", Json::array());
  return refs.is_array() && std::all_of(refs.begin(), refs.end(), [&](const Json& ref) {
           return ref.is_object() && refNamespace(ref, scope) == scope.serviceNamespace;
         });
}

// Index (into `rules`) of the managed rule, counting only rules that are not match rules of ours.
std::optional<std::size_t> managedRule(const Json& rules, const api::GatewayApiRouting& routing) {
  if (!rules.is_array()) return std::nullopt;
  std::vector<std::size_t> user;
  for (std::size_t i = 0; i < rules.size(); ++i)
    if (!isAnyOurs(rules[i])) user.push_back(i);
  if (user.empty()) return std::nullopt;
  if (routing.ruleIndex) {
    auto i = static_cast<std::size_t>(*routing.ruleIndex);
    return i < user.size() ? std::optional(user[i]) : std::nullopt;
  }
  if (routing.port) {
    for (auto i : user)
      for (const auto& ref : rules[i].value("backendRefs", Json::array()))
        if (ref.is_object() && ref.value("port", Json()) == *routing.port) return i;
    return std::nullopt;
  }
  return user[0];
}

// One rule per backend with match rules: the managed rule's conditions AND the pin, to that backend only.
std::vector<Json> httpMatchRules(const Json& managed, const rollout::DesiredTraffic& traffic, std::int64_t port,
                                 const RouteScope& scope) {
  std::vector<Json> out;
  Json base = managed.value("matches", Json::array());
  if (!base.is_array() || base.empty()) base = Json::parse(R"([{"path": {"type": "PathPrefix", "value": "/"}}])");
  for (const auto& b : traffic.backends) {
    if (b.match.empty() || b.weight <= 0) continue;
    Json rule = managed;
    rule["name"] = std::string(kRulePrefix) + b.service;
    Json matches = Json::array();
    for (const auto& m : base)
      for (const auto& pin : b.match) {
        Json header;
        if (pin.header)
          header = {{"type", "Exact"}, {"name", pin.header->name.value_or("")}, {"value", pin.header->value.value_or("")}};
        else if (pin.cookie)
          header = {{"type", "RegularExpression"},
                    {"name", "Cookie"},
                    {"value", cookieRegex(pin.cookie->name.value_or(""), pin.cookie->value.value_or(""))}};
        else
          continue;
        Json one = m;
        one["headers"] = one.value("headers", Json::array());
        one["headers"].push_back(header);
        matches.push_back(std::move(one));
      }
    rule["matches"] = std::move(matches);
    Json ref = {{"name", b.service}, {"port", port}, {"weight", 1}};
    if (scope.crossNamespace()) ref["namespace"] = scope.serviceNamespace;
    rule["backendRefs"] = Json::array({std::move(ref)});
    out.push_back(std::move(rule));
  }
  return out;
}

// ---------------------------------------------------------------- VirtualService

// Routes this ModelDeployment added before managed route `route`: "<route>-<variant>-match" whose every
// destination is one of the owner's Services ("<owner>-<variant>").
bool isOurVsRoute(const Json& r, const std::string& route, const std::string& owner) {
  if (!r.is_object()) return false;
  auto name = r.value("name", std::string());
  const std::string head = route + "-", tail = "-match";
  if (owner.empty() || name.size() <= head.size() + tail.size() || !name.starts_with(head) || !name.ends_with(tail))
    return false;
  auto variant = name.substr(head.size(), name.size() - head.size() - tail.size());
  const auto& dests = r.value("route", Json::array());
  if (!dests.is_array() || dests.empty()) return false;
  return std::all_of(dests.begin(), dests.end(), [&](const Json& d) {
    return d.is_object() && d.contains("destination") && d["destination"].is_object() &&
           d["destination"].value("host", std::string()) == owner + "-" + variant;
  });
}

std::vector<Json> vsMatchRoutes(const Json& managed, const std::string& route, const rollout::DesiredTraffic& traffic,
                                std::int64_t port) {
  std::vector<Json> out;
  Json base = managed.value("match", Json::array());
  if (!base.is_array() || base.empty()) base = Json::array({Json::object()});
  for (const auto& b : traffic.backends) {
    if (b.match.empty() || b.weight <= 0) continue;
    Json r = managed;
    r["name"] = route + "-" + b.track + "-match";
    Json matches = Json::array();
    for (const auto& m : base)
      for (const auto& pin : b.match) {
        Json one = m;
        if (!one.contains("headers") || !one["headers"].is_object()) one["headers"] = Json::object();
        if (pin.header) {
          auto name = pin.header->name.value_or("");
          std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
          one["headers"][name] = {{"exact", pin.header->value.value_or("")}};
        } else if (pin.cookie) {
          one["headers"]["cookie"] = {{"regex", cookieRegex(pin.cookie->name.value_or(""), pin.cookie->value.value_or(""))}};
        } else {
          continue;
        }
        matches.push_back(std::move(one));
      }
    r["match"] = std::move(matches);
    r["route"] = Json::array({Json{{"destination", {{"host", b.service}, {"port", {{"number", port}}}}}}});
    out.push_back(std::move(r));
  }
  return out;
}

// "HTTPRoute ns/name" for messages (the parts the object has).
std::string objectText(std::string_view kind, const Json& object) {
  std::string ns, name;
  if (object.is_object() && object.contains("metadata") && object["metadata"].is_object()) {
    ns = object["metadata"].value("namespace", std::string());
    name = object["metadata"].value("name", std::string());
  }
  return std::string(kind) + " " + (ns.empty() ? name : ns + "/" + name);
}

// A route destination host naming one of the scope's Services: "svc" (resolved in the route's
// namespace), "svc.ns", "svc.ns.svc" or "svc.ns.svc.<cluster domain>".
bool isManagedHost(const std::string& host, const RouteScope& scope, std::string& service) {
  auto dot = host.find('.');
  service = host.substr(0, dot);
  if (!scope.managed.count(service)) return false;
  if (dot == std::string::npos) return scope.routeNamespace == scope.serviceNamespace;
  auto rest = std::string_view(host).substr(dot + 1);
  const std::string ns = scope.serviceNamespace;
  return rest == ns || rest == ns + ".svc" || rest.starts_with(ns + ".svc.");
}

EntryShape backendRefShape(std::int64_t port, const RouteScope& scope) {
  EntryShape shape;
  shape.isManaged = [&scope](const Json& ref, std::string& service) { return isManagedRef(ref, scope, service); };
  shape.absentWeight = 1;  // Gateway API: weight defaults to 1
  shape.make = [port, &scope](const rollout::Backend& b, std::int64_t weight, Json base) {
    base["name"] = b.service;
    base["port"] = port;
    base["weight"] = weight;
    if (scope.crossNamespace()) base["namespace"] = scope.serviceNamespace;
    return base;
  };
  return shape;
}

EntryShape destinationShape(std::int64_t port, const RouteScope& scope, const Json& entries) {
  EntryShape shape;
  shape.isManaged = [&scope](const Json& e, std::string& service) {
    return e.contains("destination") && e["destination"].is_object() &&
           isManagedHost(e["destination"].value("host", std::string()), scope, service);
  };
  // Istio: a lone destination without weight carries everything; among several, an absent weight is 0.
  shape.absentWeight = entries.is_array() && entries.size() == 1 ? 100 : 0;
  shape.make = [port](const rollout::Backend& b, std::int64_t weight, Json base) {
    if (!base.contains("destination") || !base["destination"].is_object()) base["destination"] = Json::object();
    base["destination"]["host"] = b.service;
    base["destination"]["port"] = {{"number", port}};
    base["destination"].erase("subset");
    base["weight"] = weight;
    return base;
  };
  return shape;
}

}  // namespace

Result<Json> setHttpRouteBackends(const Json& route, const api::GatewayApiRouting& routing,
                                  const rollout::DesiredTraffic& traffic, std::int64_t port) {
  return setHttpRouteBackends(route, routing, traffic, port, scopeOfRoute(route, traffic));
}

Result<Json> setHttpRouteBackends(const Json& route, const api::GatewayApiRouting& routing,
                                  const rollout::DesiredTraffic& traffic, std::int64_t port, const RouteScope& scope) {
  if (matchesWithoutOwner(traffic)) return invalid("header/cookie match rules need DesiredTraffic::owner");
  if (!route.is_object() || !route.contains("spec") || !route["spec"].is_object())
    return invalid(objectText("HTTPRoute", route) + " has no spec");
  Json out = route;
  auto& rules = out["spec"]["rules"];
  // Our previous match rules go first (kept aside to reuse them verbatim when unchanged).
  std::vector<Json> previous;
  if (rules.is_array()) {
    Json kept = Json::array();
    for (const auto& r : rules)
      (isOurs(r, traffic.owner, scope) ? previous : kept.get_ref<Json::array_t&>()).push_back(r);
    rules = std::move(kept);
  }
  auto index = managedRule(rules, routing);
  if (!index) {
    std::string which = routing.ruleIndex ? "rules[" + std::to_string(*routing.ruleIndex) + "]"
                        : routing.port   ? "a rule with a backendRef on port " + std::to_string(*routing.port)
                                         : "a rule";
    return invalid(objectText("HTTPRoute", route) + " has no " + which);
  }
  auto& rule = rules[*index];
  auto merged = mergeManagedEntries(rule.value("backendRefs", Json::array()), traffic, backendRefShape(port, scope),
                                    objectText("HTTPRoute", route));
  if (!merged) return merged.error();
  rule["backendRefs"] = std::move(merged).value();
  auto pins = httpMatchRules(rule, traffic, port, scope);
  for (auto& r : pins) r = keepIfSame(std::move(r), previous);
  auto& list = rules.get_ref<Json::array_t&>();
  list.insert(list.begin() + static_cast<std::ptrdiff_t>(*index), pins.begin(), pins.end());
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
  return setVirtualServiceRoutes(vs, routing, traffic, port, scopeOfRoute(vs, traffic));
}

Result<Json> setVirtualServiceRoutes(const Json& vs, const api::IstioVirtualService& routing,
                                     const rollout::DesiredTraffic& traffic, std::int64_t port,
                                     const RouteScope& scope) {
  if (matchesWithoutOwner(traffic)) return invalid("header/cookie match rules need DesiredTraffic::owner");
  if (!vs.is_object() || !vs.contains("spec") || !vs["spec"].is_object())
    return invalid(objectText("VirtualService", vs) + " has no spec");
  Json out = vs;
  auto& http = out["spec"]["http"];
  for (const auto& name : routing.routes) {
    std::vector<Json> previous;
    if (http.is_array()) {
      Json kept = Json::array();
      for (const auto& r : http) (isOurVsRoute(r, name, traffic.owner) ? previous : kept.get_ref<Json::array_t&>()).push_back(r);
      http = std::move(kept);
    }
    auto it = http.is_array() ? std::find_if(http.begin(), http.end(),
                                             [&](const Json& r) { return r.is_object() && r.value("name", "") == name; })
                              : http.end();
    if (!http.is_array() || it == http.end())
      return invalid(objectText("VirtualService", vs) + " has no http route named \"" + name + "\"");
    const Json entries = it->value("route", Json::array());
    auto merged = mergeManagedEntries(entries, traffic, destinationShape(port, scope, entries),
                                      objectText("VirtualService", vs) + " route \"" + name + "\"");
    if (!merged) return merged.error();
    (*it)["route"] = std::move(merged).value();
    auto pins = vsMatchRoutes(*it, name, traffic, port);
    for (auto& r : pins) r = keepIfSame(std::move(r), previous);
    auto at = it - http.begin();
    auto& list = http.get_ref<Json::array_t&>();
    list.insert(list.begin() + at, pins.begin(), pins.end());
  }
  return out;
}

}  // namespace modelops::traffic
