// integration.operator: a metrics outage during post-promotion monitoring (issue 13 item 2) against the
// real operator. The Prometheus address is a loopback port that refuses connections (a socket bound and
// never listening, held for the whole test, so no other process can take the port). With
// `monitoring: {enabled: true, onDegraded: Rollback}` version 2.0.0 used to be declared Degraded after
// consecutiveErrorLimit errors and traffic went back to 1.0.0; now the errors are reported
// (MonitoringHealthy=False / MeasurementFailed, a Warning MeasurementFailed) and nothing moves.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "operator_fixture.h"

namespace modelops::itest {
namespace {

// A loopback TCP port that refuses connections while this object lives.
class RefusingPort {
 public:
  RefusingPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
    socklen_t len = sizeof addr;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) port_ = ntohs(addr.sin_port);
  }
  ~RefusingPort() {
    if (fd_ >= 0) ::close(fd_);
  }
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

using MonitoringOutageTest = OperatorTest;

TEST_F(MonitoringOutageTest, RefusingPrometheusNeverRollsProductionBack) {
  RefusingPort refusing;
  ASSERT_GT(refusing.port(), 0);
  auto spec = modelDeployment("outage", "1.0.0", 1, canaryStrategy(Json::array()),
                              accuracyAnalysis("http://127.0.0.1:" + std::to_string(refusing.port())));
  spec["spec"]["monitoring"] = {{"enabled", true}, {"onDegraded", "Rollback"}, {"interval", "1s"}};
  cluster().create(res::modelDeployments(), kNs, spec);
  startOperator();
  ASSERT_TRUE(waitHealthyAt("outage", "1.0.0"));
  ASSERT_EQ(setVersion("outage", "2.0.0"), "");
  ASSERT_TRUE(waitHealthyAt("outage", "2.0.0"));
  ASSERT_EQ(status("outage").value("lastGoodRevision", std::int64_t{0}), 1) << "1.0.0 must be a rollback target";

  // Twice consecutiveErrorLimit (4) failed measurements, one a second (or, before the fix, a degradation).
  ASSERT_TRUE(waitFor([&] {
    auto s = status("outage");
    const Json analysis = s.value("analysis", Json::object());
    return s.value("phase", "") != "Healthy" || analysis.value("consecutiveErrors", std::int64_t{0}) >= 8;
  }, 60s)) << status("outage").dump(1) << logTail();
  auto st = status("outage");
  EXPECT_EQ(st.value("phase", ""), "Healthy") << st.dump(1);
  EXPECT_EQ(stableVersion("outage"), "2.0.0");
  EXPECT_EQ(findHistory(st, "2.0.0", "Degraded"), nullptr) << st.dump(1);
  auto monitoring = findCondition(st, "MonitoringHealthy");
  ASSERT_NE(monitoring, nullptr) << st.dump(1);
  EXPECT_EQ(monitoring->value("status", ""), "False");
  EXPECT_EQ(monitoring->value("reason", ""), "MeasurementFailed");
  EXPECT_NE(monitoring->value("message", "").find("accuracy"), std::string::npos) << monitoring->dump();
  EXPECT_EQ(replicasOf(deploymentFor("outage", "1.0.0")), 0) << "the last good revision was scaled back up";

  // 1.0.0 was monitored (and failing) too before 2.0.0 replaced it: count the Events about 2.0.0.
  std::vector<Json> failed;
  for (const auto& e : eventsWithReason("outage", "MeasurementFailed"))
    if (e.value("message", "").find("monitoring of version 2.0.0") != std::string::npos) failed.push_back(e);
  ASSERT_FALSE(failed.empty()) << logTail();
  EXPECT_EQ(failed[0].value("type", ""), "Warning");
  EXPECT_NE(failed[0].value("message", "").find("metric accuracy could not be measured"), std::string::npos)
      << failed[0].dump();
  EXPECT_EQ(failed[0].value("count", std::int64_t{1}), 1) << "rate-limited: one per metric per 5 minutes";
  EXPECT_EQ(failed.size(), 1u) << "rate-limited: one per metric per 5 minutes";
  EXPECT_TRUE(eventsWithReason("outage", "Degraded", 0s).empty());
  EXPECT_TRUE(eventsWithReason("outage", "RolledBackToLastGood", 0s).empty());
}

}  // namespace
}  // namespace modelops::itest
