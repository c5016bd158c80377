// The modelops-gateway router (trafficRouting.gateway): the gateway watches ModelDeployments and reads the
// weights the planner wrote into status (status.stable/canary/variants[].weight), so there is no routing
// object to write. apply() only checks that the split is one the gateway can carry and writes nothing; the
// planner does not scale replicas by weight (rollout Pass::replicaRatio is false for this router), and
// Services <md>-stable, <md>-canary and <md>-<variant> are created as for the other routers.
// Thread-safety: stateless; safe from several threads.
#include "modelops/traffic/router.h"

namespace modelops::traffic {
namespace {

class GatewayRouter final : public TrafficRouter {
 public:
  kube::KubeResult<bool> apply(const api::ModelDeployment&, const rollout::DesiredTraffic& traffic) override {
    std::int64_t total = 0;
    for (const auto& b : traffic.backends) {
      if (b.weight < 0 || b.weight > 100)
        return kube::ApiError{0, std::string(route_reason::kInvalidRoute),
                              "backend " + b.service + " has weight " + std::to_string(b.weight) + " (not 0..100)", {}, {}};
      total += b.weight;
    }
    if (!traffic.backends.empty() && total != 100)
      return kube::ApiError{0, std::string(route_reason::kInvalidRoute),
                            "weights sum to " + std::to_string(total) + ", not 100", {}, {}};
    return false;  // nothing to write: the gateway reads status
  }
  std::string describe() const override { return "modelops-gateway"; }
};

}  // namespace

std::unique_ptr<TrafficRouter> makeGatewayRouter() { return std::make_unique<GatewayRouter>(); }

}  // namespace modelops::traffic
