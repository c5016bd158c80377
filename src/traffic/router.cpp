// TrafficRouter implementations: read the routing object, check that it is in the ModelDeployment's
// namespace or grants it, edit it (routes.cpp), write it only when the edit changed something, with the
// resourceVersion read (409 on a concurrent change). Errors a human must fix get a route_reason.
#include "modelops/traffic/router.h"

#include "modelops/api/defaults.h"
#include "modelops/api/names.h"

namespace modelops::traffic {
namespace {

const std::optional<api::TrafficRouting>& routingOf(const api::ModelDeployment& md) {
  static const std::optional<api::TrafficRouting> none;
  const auto& s = md.spec.strategy;
  if (s && s->abTest) return s->abTest->trafficRouting;
  if (s && s->canary) return s->canary->trafficRouting;
  return none;
}

std::int64_t servicePort(const api::ModelDeployment& md) { return api::resolve(md.spec).servicePort; }

kube::ApiError invalidRoute(const Error& e) { return kube::ApiError{0, e.code, e.message, {}, {}}; }

class ReplicaRatioRouter final : public TrafficRouter {
 public:
  kube::KubeResult<bool> apply(const api::ModelDeployment&, const rollout::DesiredTraffic& traffic) override {
    for (const auto& b : traffic.backends)
      if (!b.match.empty())
        return invalidRoute({std::string(route_reason::kInvalidRoute),
                             "header/cookie match rules need a traffic router (gatewayAPI or istio)"});
    return false;
  }
  std::string describe() const override { return "replica ratio"; }
};

// Shared read-edit-write of one object.
class ObjectRouter : public TrafficRouter {
 public:
  ObjectRouter(kube::KubeClient& client, const kube::Resource& resource, std::string ns, std::string name)
      : client_(client), resource_(resource), ns_(std::move(ns)), name_(std::move(name)) {}

  kube::KubeResult<bool> apply(const api::ModelDeployment& md, const rollout::DesiredTraffic& traffic) override {
    auto current = client_.get(resource_, ns_, name_);
    if (!current) return classified(current.error());
    // Checked before any edit: a route of another namespace is not ours to change without its grant.
    if (ns_ != md.namespace_() && !grantsNamespace(*current, md.namespace_()))
      return kube::ApiError{0, std::string(route_reason::kRouteNotGranted),
                            describe() + " is in another namespace and does not grant namespace " + md.namespace_() +
                                " (annotation " + std::string(kAnnotationAllowedNamespaces) + " on the route)",
                            {}, {}};
    auto edited = edit(*current, md, traffic, scopeFor(md, traffic, ns_));
    if (!edited) return invalidRoute(edited.error());
    if (*edited == *current) return false;
    auto written = client_.update(resource_, ns_, *edited);  // carries the resourceVersion read
    if (!written) return classified(written.error());
    return true;
  }
  std::string describe() const override { return resource_.kind + " " + ns_ + "/" + name_; }

 protected:
  virtual Result<Json> edit(const Json& current, const api::ModelDeployment& md, const rollout::DesiredTraffic& traffic,
                            const RouteScope& scope) const = 0;

 private:
  // The API's error, with a route_reason and a message naming the object where a human must act.
  kube::ApiError classified(kube::ApiError e) const {
    if (e.code == 404) {
      // A missing object names itself in details; a resource the server does not serve has no name.
      bool objectMissing = (e.details.is_object() && e.details.value("name", std::string()) == name_) ||
                           e.message.find("\"" + name_ + "\" not found") != std::string::npos;
      e.reason = std::string(objectMissing ? route_reason::kRouteNotFound : route_reason::kRouteKindNotInstalled);
      e.message = objectMissing ? describe() + " not found"
                                : resource_.apiVersion() + " " + resource_.kind + " is not installed (the API server " +
                                      "does not serve " + resource_.plural + "." + resource_.group + ")";
    } else if (e.code == 403) {
      e.reason = std::string(route_reason::kRouteForbidden);
      e.message = describe() + ": " + e.message;
    }
    return e;
  }

  kube::KubeClient& client_;
  const kube::Resource& resource_;
  std::string ns_;
  std::string name_;
};

class HttpRouteRouter final : public ObjectRouter {
 public:
  HttpRouteRouter(kube::KubeClient& client, const api::ModelDeployment& md, api::GatewayApiRouting routing)
      : ObjectRouter(client, kube::resources::httpRoutes(), routing.namespace_.value_or(md.namespace_()),
                     routing.httpRoute.value_or(md.name())),
        routing_(std::move(routing)) {}

 private:
  Result<Json> edit(const Json& current, const api::ModelDeployment& md, const rollout::DesiredTraffic& traffic,
                    const RouteScope& scope) const override {
    return setHttpRouteBackends(current, routing_, traffic, servicePort(md), scope);
  }
  api::GatewayApiRouting routing_;
};

class VirtualServiceRouter final : public ObjectRouter {
 public:
  VirtualServiceRouter(kube::KubeClient& client, const api::ModelDeployment& md, api::IstioVirtualService routing)
      : ObjectRouter(client, kube::resources::virtualServices(), md.namespace_(), routing.name.value_or(md.name())),
        routing_(std::move(routing)) {}

 private:
  Result<Json> edit(const Json& current, const api::ModelDeployment& md, const rollout::DesiredTraffic& traffic,
                    const RouteScope& scope) const override {
    return setVirtualServiceRoutes(current, routing_, traffic, servicePort(md), scope);
  }
  api::IstioVirtualService routing_;
};

}  // namespace

std::unique_ptr<TrafficRouter> makeRouter(const api::ModelDeployment& md, kube::KubeClient& client) {
  const auto& routing = routingOf(md);
  if (routing && routing->gatewayAPI) return std::make_unique<HttpRouteRouter>(client, md, *routing->gatewayAPI);
  if (routing && routing->gateway) return makeGatewayRouter();
  if (routing && routing->istio && routing->istio->virtualService)
    return std::make_unique<VirtualServiceRouter>(client, md, *routing->istio->virtualService);
  return std::make_unique<ReplicaRatioRouter>();
}

}  // namespace modelops::traffic
