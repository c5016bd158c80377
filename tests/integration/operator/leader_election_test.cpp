// integration.operator: two (then three) operator processes with --leader-elect and short lease
// timings: exactly one reconciles; SIGKILL of the leader hands over within lease duration + retry
// period (plus scheduling tolerance); SIGTERM of the leader releases the Lease, the standby takes over
// within 3 s and the terminated process exits 0 within 5 s.
#include <iostream>

#include "operator_fixture.h"

namespace modelops::itest {
namespace {

using LeaderElectionTest = OperatorTest;

constexpr auto kLease = 3000ms;
constexpr auto kRetry = 500ms;
// The processes, the dev server and the test share two loaded cores: time for a log line to travel.
constexpr auto kTolerance = 500ms;

std::vector<std::string> electionArgs(const std::string& id) {
  return {"--leader-elect", "--leader-election-identity", id, "--leader-election-namespace", "default",
          "--leader-election-lease-duration", "3s", "--leader-election-renew-deadline", "2s",
          "--leader-election-retry-period", "500ms"};
}

bool isLeader(OperatorProcess& p) { return p.logContains("\"msg\":\"became leader\""); }

TEST_F(LeaderElectionTest, OneLeaderReconcilesAndFailsOverOnKillAndTerm) {
  auto a = std::make_unique<OperatorProcess>(cluster(), electionArgs("op-a"));
  auto b = std::make_unique<OperatorProcess>(cluster(), electionArgs("op-b"));
  ASSERT_TRUE(waitFor([&] { return isLeader(*a) || isLeader(*b); }, 15s)) << a->logs() << b->logs();
  auto& leader = isLeader(*a) ? a : b;
  auto& standby = isLeader(*a) ? b : a;
  const std::string leaderId = &leader == &a ? "op-a" : "op-b";
  const std::string standbyId = &leader == &a ? "op-b" : "op-a";
  auto lease = cluster().get(res::leases(), kNs, "modelops-operator");
  EXPECT_EQ(lease["spec"].value("holderIdentity", ""), leaderId) << lease.dump(1);

  cluster().create(res::modelDeployments(), kNs,
                   modelDeployment("le", "1.0.0", 2, canaryStrategy(Json::parse(R"([{"setWeight": 50}])"))));
  ASSERT_TRUE(waitHealthyAt("le", "1.0.0"));
  EXPECT_GT(leader->reconciles(), 0);
  EXPECT_EQ(standby->reconciles(), 0) << "the standby reconciled";
  EXPECT_FALSE(isLeader(*standby));
  EXPECT_EQ(leader->metric("modelops_leader"), 1);
  EXPECT_EQ(standby->metric("modelops_leader"), 0);

  // SIGKILL: the lease is not released; the standby takes it once it expires.
  auto killedAt = std::chrono::steady_clock::now();
  leader->process().kill();
  ASSERT_TRUE(standby->waitForLog("\"msg\":\"became leader\"", 15s)) << standby->logs();
  auto takeover = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killedAt);
  EXPECT_LE(takeover, kLease + kRetry + kTolerance) << "takeover after SIGKILL took " << takeover.count() << " ms";
  std::cout << "[ info ] takeover after SIGKILL: " << takeover.count() << " ms\n";
  ASSERT_EQ(setVersion("le", "2.0.0"), "");
  ASSERT_TRUE(waitHealthyAt("le", "2.0.0"));
  EXPECT_GT(standby->reconciles(), 0);
  EXPECT_EQ(cluster().get(res::leases(), kNs, "modelops-operator")["spec"].value("holderIdentity", ""), standbyId);

  // A third process joins as standby; SIGTERM the current leader: it releases the lease and exits 0.
  auto c = std::make_unique<OperatorProcess>(cluster(), electionArgs("op-c"));
  ASSERT_TRUE(c->waitForLog("\"msg\":\"leader observed\"", 10s)) << c->logs();
  EXPECT_FALSE(isLeader(*c));
  auto termAt = std::chrono::steady_clock::now();
  standby->process().signal(SIGTERM);
  ASSERT_TRUE(c->waitForLog("\"msg\":\"became leader\"", 10s)) << c->logs();
  auto handover = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - termAt);
  EXPECT_LE(handover, 3000ms) << "takeover after SIGTERM took " << handover.count() << " ms";
  std::cout << "[ info ] takeover after SIGTERM: " << handover.count() << " ms\n";
  auto code = standby->process().wait(5000ms - std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - termAt));
  EXPECT_EQ(code, std::optional<int>(0)) << standby->logs();
  EXPECT_LE(std::chrono::steady_clock::now() - termAt, 5000ms + kTolerance);
  ASSERT_EQ(setVersion("le", "3.0.0"), "");
  ASSERT_TRUE(waitHealthyAt("le", "3.0.0"));
  EXPECT_GT(c->reconciles(), 0);
}

}  // namespace
}  // namespace modelops::itest
