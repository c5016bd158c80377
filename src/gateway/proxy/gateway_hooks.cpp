// GatewayHooks; see gateway_hooks.h.
#include "modelops/gateway/proxy/gateway_hooks.h"

#include <random>

#include <boost/beast/core/string.hpp>

#include "modelops/gateway/routing/pick.h"

namespace modelops::gateway::proxy {
namespace {

// What plan() decided, handed back by the proxy in the later calls. Holds the table the route and
// backends point into, so a table swapped meanwhile stays alive until the request ends.
struct RoutedRequest {
  std::shared_ptr<const RoutingTable> table;
  const ModelRoute* route = nullptr;
  const Backend* primary = nullptr;
  const Backend* shadow = nullptr;
};

const RoutedRequest& routed(const ForwardPlan& plan) { return *static_cast<const RoutedRequest*>(plan.context.get()); }

VersionLabels labelsOf(const ModelRoute& route, const Backend& backend) {
  return {route.ns, route.model, backend.version, backend.revision};
}

std::uint64_t randomDraw() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

UpstreamAddress addressOf(const Backend& backend) { return {backend.host, backend.port}; }

bool isSuccess(int status) { return status >= 200 && status < 300; }

// The payload log's view of one answered prediction (the client's answer: ids stamped).
void recordSample(PayloadSampler& sampler, const ModelRoute& route, const Backend& backend, const ProxyRequest& request,
                  const ProxyResponse& response, const StampResult* stamped) {
  PayloadSample sample;
  sample.ns = route.ns;
  sample.deployment = route.name;
  sample.model = route.model;
  sample.version = backend.version;
  sample.revision = backend.revision;
  sample.track = backend.track;
  sample.requestBody = request.body;
  sample.responseBody = response.body;
  if (stamped) {
    sample.predictionIds = &stamped->ids;
    sample.segment = stamped->segment;
  }
  sample.status = response.status;
  sampler.maybeRecord(sample);
}

}  // namespace

GatewayHooks::GatewayHooks(GatewayHooksDeps deps) : deps_(std::move(deps)) {}

bool GatewayHooks::ready() const {
  return (!deps_.routesSynced || deps_.routesSynced()) && deps_.keys->current() != nullptr;
}

std::string GatewayHooks::metricsText() const {
  std::string text = deps_.metrics->render();
  text += "# HELP modelops_gateway_shadow_dropped_total Shadow copies not compared: over the in-flight bound "
          "(overload) or no answer from the shadow (failed).\n"
          "# TYPE modelops_gateway_shadow_dropped_total counter\n";
  text += "modelops_gateway_shadow_dropped_total{reason=\"overload\"} " + std::to_string(shadowOverload_.load()) + "\n";
  text += "modelops_gateway_shadow_dropped_total{reason=\"failed\"} " + std::to_string(shadowFailed_.load()) + "\n";
  if (deps_.sampler) text += deps_.sampler->metricsText();
  return text;
}

ProxyResponse GatewayHooks::feedback(const ProxyRequest& request) {
  auto contentType = findHeader(request.headers, "Content-Type").value_or("application/json");
  auto answer = deps_.feedback->handle(request.body, contentType);
  return {answer.status, {{"Content-Type", "application/json"}}, std::move(answer.body)};
}

std::optional<ForwardPlan> GatewayHooks::plan(const ProxyRequest& request, int& noRouteStatus, std::string& noRouteMessage) {
  auto context = std::make_shared<RoutedRequest>();
  context->table = deps_.routes->current();
  auto path = request.target.substr(0, request.target.find('?'));
  auto match = context->table->resolve(path);
  if (!match || !match->route) return std::nullopt;  // the proxy's 404
  context->route = match->route;
  RequestView view;
  view.header = [&request](std::string_view name) { return findHeader(request.headers, name); };
  view.cookie = [&request](std::string_view name) -> std::optional<std::string_view> {
    auto header = findHeader(request.headers, "Cookie");
    if (!header) return std::nullopt;
    return cookieValue(*header, name);
  };
  auto picked = pick(*match->route, view, randomDraw());
  if (!picked.primary) {
    noRouteStatus = 503;
    noRouteMessage = "model " + match->route->ns + "/" + match->route->name + " has no backend with weight";
    return std::nullopt;
  }
  context->primary = picked.primary;
  context->shadow = picked.shadow;
  ForwardPlan plan;
  plan.primary = addressOf(*picked.primary);
  if (picked.shadow) plan.shadow = addressOf(*picked.shadow);
  if (match->upstreamPath != path) {
    auto query = request.target.find('?');
    plan.upstreamTarget = match->upstreamPath + (query == std::string::npos ? "" : request.target.substr(query));
  }
  plan.context = std::move(context);
  return plan;
}

void GatewayHooks::stamp(const ForwardPlan& plan, const ProxyRequest& request, ProxyResponse& response) {
  const auto& r = routed(plan);
  auto labels = labelsOf(*r.route, *r.primary);
  // Only the gateway issues prediction ids: an upstream's header of that name never reaches the client.
  std::erase_if(response.headers, [](const auto& h) { return boost::beast::iequals(h.first, "X-Prediction-Id"); });
  if (!isSuccess(response.status)) {
    deps_.metrics->upstreamError(labels, response.status);
    if (deps_.sampler) recordSample(*deps_.sampler, *r.route, *r.primary, request, response, nullptr);
    return;
  }
  StampRequest in;
  in.header = [&request](std::string_view name) { return findHeader(request.headers, name); };
  in.requestBody = request.body;
  in.responseBody = response.body;
  auto result = deps_.stamper->stamp(StampRoute{labels, r.route->prediction}, in);
  if (!result.headerValue.empty()) response.headers.emplace_back("X-Prediction-Id", result.headerValue);
  if (result.body) response.body = std::move(*result.body);
  if (deps_.sampler) recordSample(*deps_.sampler, *r.route, *r.primary, request, response, &result);
}

void GatewayHooks::finished(const ForwardPlan& plan, int, std::chrono::nanoseconds elapsed) {
  const auto& r = routed(plan);
  deps_.metrics->observeRequest(labelsOf(*r.route, *r.primary), std::chrono::duration<double>(elapsed).count());
}

void GatewayHooks::upstreamFailed(const ForwardPlan& plan, UpstreamFailure) {
  const auto& r = routed(plan);
  deps_.metrics->upstreamError(labelsOf(*r.route, *r.primary), 0);
}

void GatewayHooks::shadowCompared(const ForwardPlan& plan, const ProxyResponse& primary, const ProxyResponse& shadow) {
  const auto& r = routed(plan);
  auto shadowLabels = labelsOf(*r.route, *r.shadow);
  if (!isSuccess(shadow.status)) {
    deps_.metrics->upstreamError(shadowLabels, shadow.status);
    shadowFailed_.fetch_add(1);
    return;
  }
  if (!isSuccess(primary.status)) return;  // nothing to compare against
  auto primaryClasses = PredictionStamper::predictedClasses(r.route->prediction, primary.body);
  auto shadowClasses = PredictionStamper::predictedClasses(r.route->prediction, shadow.body);
  if (primaryClasses.empty() || shadowClasses.empty()) {
    shadowFailed_.fetch_add(1);
    return;
  }
  deps_.metrics->shadowCompared(labelsOf(*r.route, *r.primary), shadowLabels, primaryClasses == shadowClasses);
}

void GatewayHooks::shadowDropped(const ForwardPlan& plan, ShadowDrop reason, std::string_view) {
  const auto& r = routed(plan);
  if (reason == ShadowDrop::Overload) {
    shadowOverload_.fetch_add(1);
  } else {
    shadowFailed_.fetch_add(1);
    deps_.metrics->upstreamError(labelsOf(*r.route, *r.shadow), 0);
  }
}

}  // namespace modelops::gateway::proxy
