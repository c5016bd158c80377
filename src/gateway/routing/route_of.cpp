// One ModelDeployment document -> its ModelRoute: spec (decoded, defaulted, validated) for the gateway's
// settings and pins, status for the backends and their weights.
// Thread-safety: pure functions.
#include "route_of.h"

#include <charconv>

#include "modelops/api/codec.h"
#include "modelops/api/defaults.h"
#include "modelops/api/validation.h"

namespace modelops::gateway::detail {
namespace {

using Skip = SkippedModel;

std::string text(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string revisionText(const std::optional<std::int64_t>& revision) {
  return revision ? std::to_string(*revision) : "";
}

// Where Service `service` of namespace `ns` answers: the override, else cluster DNS and the spec's port.
Result<std::pair<std::string, std::uint16_t>, std::string> addressOf(const std::string& ns, const std::string& service,
                                                                    std::int64_t port, const RoutingOptions& options) {
  if (auto it = options.serviceAddresses.find(ns + "/" + service); it != options.serviceAddresses.end()) {
    auto parsed = parseHostPort(it->second);
    if (!parsed) return "service address override " + it->first + "=" + it->second + " is not host:port";
    return *parsed;
  }
  return std::make_pair(service + "." + ns + ".svc." + options.clusterDomain, static_cast<std::uint16_t>(port));
}

// Appends a backend for a track; an error when status gives it no usable weight.
std::optional<std::string> addBackend(ModelRoute& route, std::string track, std::string service,
                                      const std::optional<std::int64_t>& weight, std::string version,
                                      std::string revision, std::int64_t port, const RoutingOptions& options) {
  if (!weight) return "status gives track " + track + " no weight";
  if (*weight < 0 || *weight > 100) return "status gives track " + track + " weight " + std::to_string(*weight) + " (not 0..100)";
  auto address = addressOf(route.ns, service, port, options);
  if (!address.ok()) return address.error();
  route.backends.push_back({std::move(track), std::move(service), address->first, address->second, std::move(version),
                            std::move(revision), *weight});
  return std::nullopt;
}

std::optional<std::string> canaryBackends(ModelRoute& route, const api::ModelDeploymentStatus& st, std::int64_t port,
                                          const RoutingOptions& options) {
  if (st.canary) {
    if (auto problem = addBackend(route, std::string(api::kTrackCanary), route.name + "-canary", st.canary->weight,
                                  st.canary->version.value_or(""), revisionText(st.canary->revision), port, options))
      return problem;
    route.shadowBackend = route.backends.size() - 1;
  }
  return addBackend(route, std::string(api::kTrackStable), route.name + "-stable", st.stable->weight,
                    st.stable->version.value_or(""), revisionText(st.stable->revision), port, options);
}

std::optional<std::string> abTestBackends(ModelRoute& route, const api::ModelDeploymentStatus& st,
                                          const api::AbTestStrategy& ab, std::int64_t port, const RoutingOptions& options) {
  // Stable is a backend of its own only when no variant serves its revision (then the planner gives it
  // the share of variants not yet available); otherwise its weight in status repeats that variant's.
  std::int64_t variantWeights = 0;
  bool stableIsVariant = false;
  for (const auto& v : st.variants) {
    variantWeights += v.weight.value_or(0);
    if (st.stable->hash && v.hash == st.stable->hash) stableIsVariant = true;
  }
  bool separateStable = st.stable->hash ? !stableIsVariant : variantWeights < 100;
  if (separateStable) {
    if (auto problem = addBackend(route, std::string(api::kTrackStable), route.name + "-stable", st.stable->weight,
                                  st.stable->version.value_or(""), revisionText(st.stable->revision), port, options))
      return problem;
  }
  for (const auto& v : st.variants) {
    if (!v.name || v.name->empty()) return std::string("status.variants has an entry without a name");
    if (auto problem = addBackend(route, *v.name, route.name + "-" + *v.name, v.weight, v.version.value_or(""),
                                  revisionText(v.revision), port, options))
      return problem;
  }
  for (const auto& variant : ab.variants) {
    auto at = std::find_if(route.backends.begin(), route.backends.end(),
                           [&](const Backend& b) { return b.track == variant.name.value_or(""); });
    if (at == route.backends.end()) continue;  // not in status yet: nothing to pin to
    auto index = static_cast<std::size_t>(at - route.backends.begin());
    for (const auto& rule : variant.match) {
      const auto& nv = rule.header ? rule.header : rule.cookie;
      if (!nv) continue;
      route.pins.push_back({rule.header ? MatchPin::Source::Header : MatchPin::Source::Cookie, nv->name.value_or(""),
                            nv->value.value_or(""), index});
    }
  }
  return std::nullopt;
}

PredictionConfig predictionOf(const api::GatewayRouting& g) {
  PredictionConfig config;
  config.protocol = g.protocol.value_or(std::string(api::kProtocolKServeV1));
  if (g.prediction) {
    config.classPath = g.prediction->classPath.value_or("");
    config.argmax = g.prediction->argmax.value_or(false);
    config.task = g.prediction->task.value_or(std::string(api::kTaskClassification));
    config.idField = g.prediction->idField.value_or("");
  }
  if (g.segment) {
    config.segmentHeader = g.segment->header.value_or("");
    config.segmentJsonPath = g.segment->jsonPath.value_or("");
  }
  return config;
}

void applyGatewaySpec(ModelRoute& route, const api::GatewayRouting& g) {
  route.pathPrefix = g.pathPrefix.value_or("");
  route.prediction = predictionOf(g);
  if (g.sticky) {
    route.sticky = StickyKey{g.sticky->header ? MatchPin::Source::Header : MatchPin::Source::Cookie,
                             g.sticky->header.value_or(g.sticky->cookie.value_or(""))};
  }
  if (g.shadow) route.shadowPercent = g.shadow->percent.value_or(0);
}

// Spec problems under trafficRouting make the route unusable; others (the operator holds the rollout and
// the weights in status stay as last applied) do not take the model's traffic down.
std::optional<std::string> routingProblems(const api::FieldErrors& errors) {
  api::FieldErrors relevant;
  for (const auto& e : errors) {
    if (e.field.find(".trafficRouting") != std::string::npos || e.field.starts_with("spec.model")) relevant.push_back(e);
  }
  if (relevant.empty()) return std::nullopt;
  return "invalid spec: " + api::formatFieldErrors(relevant);
}

}  // namespace

std::optional<std::pair<std::string, std::uint16_t>> parseHostPort(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) return std::nullopt;
  std::string host = address.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return std::nullopt;
  } else if (host.find(':') != std::string::npos || host.find('[') != std::string::npos) {
    return std::nullopt;
  }
  unsigned port = 0;
  const char* first = address.data() + colon + 1;
  const char* last = address.data() + address.size();
  auto [end, ec] = std::from_chars(first, last, port);
  if (ec != std::errc() || end != last || port < 1 || port > 65535) return std::nullopt;
  return std::make_pair(host, static_cast<std::uint16_t>(port));
}

Result<std::optional<ModelRoute>, SkippedModel> routeOf(const nlohmann::json& doc, const RoutingOptions& options) {
  const auto metadata = doc.is_object() && doc.contains("metadata") ? doc["metadata"] : nlohmann::json::object();
  const std::string ns = text(metadata, "namespace"), name = text(metadata, "name");
  if (!options.namespaces.empty() && !options.namespaces.contains(ns)) return std::optional<ModelRoute>();
  auto decoded = api::decodeModelDeployment(doc);
  if (!decoded.ok()) return Skip{ns, name, "cannot decode: " + api::formatFieldErrors(decoded.error())};
  api::ModelDeployment md = std::move(decoded.value());
  auto resolved = api::applyDefaults(md);
  if (auto problem = routingProblems(api::validate(md))) return Skip{ns, name, *problem};
  const auto& strategy = *md.spec.strategy;
  const auto& routing = strategy.canary ? strategy.canary->trafficRouting : strategy.abTest->trafficRouting;
  if (!routing || !routing->gateway) return Skip{ns, name, "no trafficRouting.gateway"};
  if (!md.status.stable) return Skip{ns, name, "status has no stable track yet (not reconciled)"};

  ModelRoute route;
  route.ns = ns;
  route.name = name;
  route.model = md.spec.model.name.value_or(name);
  route.strategy = strategy.canary ? "canary" : "abTest";
  applyGatewaySpec(route, *routing->gateway);
  auto problem = strategy.canary ? canaryBackends(route, md.status, resolved.servicePort, options)
                                 : abTestBackends(route, md.status, *strategy.abTest, resolved.servicePort, options);
  if (problem) return Skip{ns, name, "cannot route: " + *problem};
  std::int64_t total = 0;
  for (const auto& b : route.backends) total += b.weight;
  if (total == 0) return Skip{ns, name, "cannot route: status gives no track any weight"};
  return std::optional<ModelRoute>(std::move(route));
}

}  // namespace modelops::gateway::detail
