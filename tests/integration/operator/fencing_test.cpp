// integration.operator.fencing (issue 14 item 1): a leader that lost its lease writes nothing more.
// Two operator processes with leader election (lease 4 s) against the dev server; the first (op-a)
// talks to it through a HoldingProxy. The test changes the model version and holds the answer to
// op-a's create of the canary Deployment, so op-a is caught mid-reconcile (Deployment created; route
// and status not yet written - a measurement no longer blocks a reconcile, so a slow metric provider
// cannot hold one: a slow API answer can); SIGSTOPs op-a past its lease; waits (on the Lease object) until op-b holds it; changes the
// rollout again; lets the held answer through and SIGCONTs op-a. The dev server's audit must show no
// create/update/patch/delete from op-a (its identity is in its User-Agent) after op-b's lease write
// that acquired the lease, and op-a's reconcile must have ended on the fence.
#include <signal.h>

#include <fstream>
#include <sstream>

#include "holding_proxy.h"
#include "operator_fixture.h"

namespace modelops::itest {
namespace {

std::vector<std::string> electionArgs(const std::string& id) {
  return {"--leader-elect", "--leader-election-identity", id, "--leader-election-namespace", "default",
          "--leader-election-lease-duration", "4s", "--leader-election-renew-deadline", "3s",
          "--leader-election-retry-period", "500ms"};
}

bool byReplica(const devserver::AuditRecord& r, const std::string& id) {
  return isOperatorRequest(r) && r.userAgent.find("(" + id + ")") != std::string::npos;
}

// A copy of the cluster's kubeconfig whose server is `url`.
std::string kubeconfigFor(Cluster& cluster, const std::string& url) {
  std::ifstream in(cluster.kubeconfig());
  std::stringstream text;
  text << in.rdbuf();
  std::string config = text.str();
  const std::string original = cluster.server().url();
  for (auto at = config.find(original); at != std::string::npos; at = config.find(original, at + url.size()))
    config.replace(at, original.size(), url);
  std::string path = cluster.dir().file("kubeconfig-proxied");
  std::ofstream(path) << config;
  return path;
}

std::string leaseHolder(Cluster& cluster) {
  auto lease = cluster.get(res::leases(), kNs, "modelops-operator");
  return lease.is_object() ? lease["spec"].value("holderIdentity", "") : "";
}

class FencingTest : public OperatorTest {};

TEST_F(FencingTest, FrozenLeaderWritesNothingAfterTheNewLeaderAcquires) {
  HoldingProxy proxy(cluster().server().port());
  auto argsA = electionArgs("op-a");
  argsA.insert(argsA.end(), {"--kubeconfig", kubeconfigFor(cluster(), proxy.url())});
  auto a = std::make_unique<OperatorProcess>(cluster(), argsA);
  ASSERT_TRUE(a->waitForLog("\"msg\":\"became leader\"", 15s)) << a->logs();
  auto b = std::make_unique<OperatorProcess>(cluster(), electionArgs("op-b"));
  ASSERT_TRUE(b->waitForLog("\"msg\":\"leader observed\"", 10s)) << b->logs();
  ASSERT_EQ(leaseHolder(cluster()), "op-a");

  cluster().create(res::httpRoutes(), kNs, httpRoute("fence-route", "fence"));
  cluster().create(res::modelDeployments(), kNs,
                   modelDeployment("fence", "1.0.0", 2,
                                   canaryStrategy(Json::parse(R"([{"setWeight": 50}])"), gatewayRouting("fence-route"))));
  ASSERT_TRUE(waitHealthyAt("fence", "1.0.0")) << a->logs();

  // op-a starts the rollout of 2.0.0: the server creates the canary Deployment, and op-a's reconcile
  // waits for the answer, with the Service, the route and the status still to write.
  proxy.hold([](const std::string& line) {
    return line.starts_with("POST /apis/apps/v1/namespaces/default/deployments ");
  });
  ASSERT_EQ(setVersion("fence", "2.0.0"), "");
  ASSERT_TRUE(waitFor([&] { return proxy.held() > 0; }, 10s)) << "op-a never created the canary:\n" << a->logs();
  // held() counts the request when its line is seen; the server may not have stored the create yet.
  ASSERT_TRUE(waitFor([&] { return !deploymentFor("fence", "2.0.0").is_null(); }, 10s)) << a->logs();
  a->process().signal(SIGSTOP);

  ASSERT_TRUE(waitFor([&] { return leaseHolder(cluster()) == "op-b"; }, 15s)) << b->logs();
  std::uint64_t acquiredAt = 0;
  for (const auto& r : cluster().server().audit().records())
    if (byReplica(r, "op-b") && r.resource == "leases" && isWrite(r) && r.code / 100 == 2) acquiredAt = r.seq;
  ASSERT_GT(acquiredAt, 0u) << "no lease write by op-b in the audit";

  // The new leader carries the rollout on; the test changes it once more.
  ASSERT_EQ(setVersion("fence", "3.0.0"), "");
  ASSERT_TRUE(waitFor([&] { return !deploymentFor("fence", "3.0.0").is_null(); }, 15s)) << b->logs();

  proxy.release();
  a->process().signal(SIGCONT);
  // op-a resumes with a stale lease: its reconcile ends (in-flight work finished) and it steps down.
  ASSERT_TRUE(a->waitForLog("\"msg\":\"controller stopped leading\"", 15s)) << a->logs();
  ASSERT_TRUE(waitHealthyAt("fence", "3.0.0", 30s)) << b->logs();

  std::vector<devserver::AuditRecord> late;
  for (const auto& r : operatorWrites(cluster().server().audit(), acquiredAt))
    if (byReplica(r, "op-a")) late.push_back(r);
  EXPECT_TRUE(late.empty()) << "op-a wrote after op-b acquired the lease (audit seq " << acquiredAt << "):\n"
                            << describe(late) << "\nop-a log:\n" << a->logs();
  // Caught mid-reconcile, op-a's reconcile ended on the fence: a write refused before sending, or the
  // held create aborted when the term's token fired (whichever of its threads ran first on SIGCONT).
  EXPECT_TRUE(a->logContains("\"msg\":\"reconcile incomplete\"") && a->logContains("Cancelled: "))
      << "op-a's reconcile did not end on the fence:\n" << a->logs();
  EXPECT_EQ(leaseHolder(cluster()), "op-b");
  // The route is the new leader's: everything to stable.
  auto route = cluster().get(res::httpRoutes(), kNs, "fence-route");
  for (const auto& [backend, weight] : httpRouteWeights(route))
    EXPECT_EQ(weight, backend == "fence-stable" ? 100 : 0) << backend << "\n" << route.dump(1);
}

}  // namespace
}  // namespace modelops::itest
