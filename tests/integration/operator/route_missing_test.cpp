// Issue 13, item 3, against the real operator and the dev API server: a missing HTTPRoute, or a missing
// HTTPRoute CRD, is written to status (phase Failed, TrafficRoutingReady=False naming the object or the
// kind), so that `kubectl modelops status --wait` ends at once with that message; once the route
// exists the rollout proceeds.
#include "operator_fixture.h"

namespace modelops::itest {
namespace {

class RouteMissingTest : public OperatorTest {
 protected:
  Json routed(const std::string& name) {
    return modelDeployment(name, "1.0", 1, canaryStrategy(Json::array(), gatewayRouting(name)));
  }
  const Json* routingCondition(const std::string& name) {
    status_ = status(name);
    return findCondition(status_, "TrafficRoutingReady");
  }
  ::testing::AssertionResult waitRouting(const std::string& name, const std::string& value, const std::string& reason) {
    bool ok = waitFor([&] {
      const auto* c = routingCondition(name);
      return c && c->value("status", "") == value && c->value("reason", "") == reason;
    }, 20s);
    if (ok) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "no TrafficRoutingReady=" << value << " (" << reason
                                         << "); status: " << status(name).dump(1) << "\noperator log tail:\n"
                                         << logTail();
  }
  // `kubectl modelops status NAME --wait` against the dev server.
  testing::RunResult waitStatus(const std::string& name) {
    return testing::run({binaryDir() + "/bin/kubectl-modelops", "status", name, "-n", kNs, "--wait", "--timeout", "20s"},
                        {"KUBECONFIG=" + cluster().kubeconfig(), "HOME=" + cluster().dir().path()}, 40s);
  }
  Json status_;
};

TEST_F(RouteMissingTest, MissingRouteIsInStatusAndEndsStatusWait) {
  cluster().create(res::modelDeployments(), kNs, routed("fraud"));
  startOperator();
  ASSERT_TRUE(waitRouting("fraud", "False", "RouteNotFound"));
  EXPECT_EQ(routingCondition("fraud")->value("message", ""), "HTTPRoute default/fraud not found");
  EXPECT_EQ(phase("fraud"), "Failed");
  EXPECT_EQ(status("fraud").value("observedGeneration", 0), 1);

  auto waited = waitStatus("fraud");
  EXPECT_EQ(waited.code, 1) << waited.out << waited.err;  // kExitFailed, not a timeout
  EXPECT_NE(waited.out.find("cannot route traffic: HTTPRoute default/fraud not found"), std::string::npos)
      << waited.out << waited.err;

  // The route appears: the next reconcile (any change, or the 30 s retry) carries on to Healthy.
  cluster().create(res::httpRoutes(), kNs, httpRoute("fraud", "fraud"));
  ASSERT_TRUE(forceReconcile("fraud", "route-created"));
  EXPECT_TRUE(waitHealthyAt("fraud", "1.0"));
  EXPECT_TRUE(waitRouting("fraud", "True", "WeightsWritten"));
  EXPECT_EQ(httpRouteWeights(cluster().get(res::httpRoutes(), kNs, "fraud"))["fraud-stable"], 100);
}

TEST_F(RouteMissingTest, MissingRouteKindIsNamed) {
  auto removed = cluster().client().remove(res::customResourceDefinitions(), "", "httproutes.gateway.networking.k8s.io");
  ASSERT_TRUE(removed) << removed.error().describe();
  ASSERT_TRUE(waitFor([&] { return !cluster().client().list(res::httpRoutes(), kNs).ok(); }, 10s));
  cluster().create(res::modelDeployments(), kNs, routed("fraud"));
  startOperator();
  ASSERT_TRUE(waitRouting("fraud", "False", "RouteKindNotInstalled"));
  EXPECT_EQ(routingCondition("fraud")->value("message", ""),
            "gateway.networking.k8s.io/v1 HTTPRoute is not installed (the API server does not serve "
            "httproutes.gateway.networking.k8s.io)");
  EXPECT_EQ(phase("fraud"), "Failed");
  auto waited = waitStatus("fraud");
  EXPECT_EQ(waited.code, 1) << waited.out << waited.err;
  EXPECT_NE(waited.out.find("HTTPRoute is not installed"), std::string::npos) << waited.out << waited.err;
}

}  // namespace
}  // namespace modelops::itest
