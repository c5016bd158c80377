// integration.operator.measurements: measurements run off the reconcile workers (issue 14 item 2,
// issue 12 row 2). Two ModelDeployments whose metrics providers hang - one accepts connections and
// never answers, one trickles a body byte by byte; each measurement holds its whole 60 s timeout -
// must not delay a third ModelDeployment in another namespace: its version change gets its canary
// Deployment within 5 s; on SIGTERM the hung measurements are cancelled and the operator exits 0
// within its shutdown timeout. And a provider that streams an endless body must not grow the operator
// (RSS under 64 MiB; this relies on the provider response size limit of h/providers).
#include <fstream>
#include <sstream>

#include "misbehaving_provider.h"
#include "operator_fixture.h"

namespace modelops::itest {
namespace {

const std::string kSlowNs = "team-slow";
const std::string kFastNs = "team-fast";

// Monitoring of the stable version every second against `address`, each query allowed 60 s.
Json monitoredAgainst(const std::string& address) {
  return {{"interval", "1s"},
          {"metrics",
           {{{"name", "accuracy"},
             {"provider", {{"prometheus", {{"address", address}, {"timeout", "60s"}}}}},
             {"successes", "sum(correct{version=\"{{version}}\"})"},
             {"trials", "sum(labeled{version=\"{{version}}\"})"},
             {"accuracy", {{"min", 0.9}, {"minSamples", 100}}}}}}};
}

Json inNamespace(Json md, const std::string& ns) {
  md["metadata"]["namespace"] = ns;
  return md;
}

Json monitoredModel(const std::string& name, const std::string& address) {
  auto md = modelDeployment(name, "1.0.0", 1, canaryStrategy(Json::parse(R"([{"setWeight": 50}])")),
                            monitoredAgainst(address));
  md["spec"]["monitoring"] = {{"enabled", true}, {"onDegraded", "Alert"}};
  return md;
}

class MeasurementsOffTheWorkers : public OperatorTest {
 protected:
  void SetUp() override {
    OperatorTest::SetUp();
    for (const auto& ns : {kSlowNs, kFastNs})
      cluster().create(res::namespaces(), "", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
  }
  std::string phaseIn(const std::string& ns, const std::string& name) {
    auto md = cluster().get(res::modelDeployments(), ns, name);
    return md.is_object() ? md.value("status", Json::object()).value("phase", "") : "";
  }
  bool hasDeploymentFor(const std::string& ns, const std::string& name, const std::string& version) {
    for (const auto& d : cluster().list(res::deployments(), ns, "modelops.dev/name=" + name))
      for (const auto& c : d["spec"]["template"]["spec"].value("containers", Json::array()))
        for (const auto& e : c.value("env", Json::array()))
          if (e.value("name", "") == "MODEL_VERSION" && e.value("value", "") == version) return true;
    return false;
  }
};

TEST_F(MeasurementsOffTheWorkers, HungProvidersDoNotDelayOtherModelDeployments) {
  MisbehavingProvider hung(MisbehavingProvider::Mode::Silent);
  MisbehavingProvider trickle(MisbehavingProvider::Mode::Trickle);
  cluster().create(res::modelDeployments(), kFastNs,
                   inNamespace(modelDeployment("fast", "1.0.0", 1,
                                               canaryStrategy(Json::parse(R"([{"setWeight": 20}, {"pause": {"duration": "1h"}}])"))),
                               kFastNs));
  cluster().create(res::modelDeployments(), kSlowNs, inNamespace(monitoredModel("slow-a", hung.url()), kSlowNs));
  cluster().create(res::modelDeployments(), kSlowNs, inNamespace(monitoredModel("slow-b", trickle.url()), kSlowNs));
  startOperator({"--workers=2"});
  ASSERT_TRUE(waitFor([&] { return phaseIn(kFastNs, "fast") == "Healthy"; }, 30s)) << logTail();
  // Both slow ModelDeployments are Healthy and their monitoring measurements hang in the provider.
  ASSERT_TRUE(waitFor([&] { return hung.accepted() >= 1 && trickle.accepted() >= 1; }, 30s))
      << "accepted " << hung.accepted() << " + " << trickle.accepted() << "; slow-a " << phaseIn(kSlowNs, "slow-a")
      << "\n" << logTail();

  auto changed = std::chrono::steady_clock::now();
  ASSERT_EQ(cluster().mergePatch(res::modelDeployments(), kFastNs, "fast",
                                 {{"spec", {{"model", {{"version", "2.0.0"}, {"uri", "s3://models/fast/2.0.0"}}}}}}),
            "");
  bool created = waitFor([&] { return hasDeploymentFor(kFastNs, "fast", "2.0.0"); }, 5s, 20ms);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - changed);
  EXPECT_TRUE(created) << "the canary Deployment of fast 2.0.0 was not created within 5 s while two measurements hung\n"
                       << logTail();
  RecordProperty("canaryCreatedMs", static_cast<int>(took.count()));
  // The hung measurements are still running (each holds its 60 s timeout): the test measured what it meant to.
  EXPECT_LT(took, 60s);
  EXPECT_GE(hung.accepted() + trickle.accepted(), 2);

  // SIGTERM with both measurements still hanging: they are cancelled, the operator stops within its
  // --shutdown-timeout (4 s) and exits 0 (a shutdown over budget exits 1).
  auto stopping = std::chrono::steady_clock::now();
  op().process().signal(SIGTERM);
  auto code = op().process().wait(10s, testing::OnTimeout::Kill);
  auto stopTook = std::chrono::steady_clock::now() - stopping;
  EXPECT_EQ(code, std::optional<int>(0)) << logTail();
  EXPECT_LT(stopTook, 6s);
}

// Resident set size of a process in KiB (VmRSS), 0 when unreadable.
long rssKiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) {
      std::istringstream fields(line.substr(6));
      long kib = 0;
      fields >> kib;
      return kib;
    }
  return 0;
}

TEST_F(MeasurementsOffTheWorkers, AnEndlessResponseBodyDoesNotGrowTheOperator) {
  MisbehavingProvider endless(MisbehavingProvider::Mode::EndlessBody);
  cluster().create(res::modelDeployments(), kSlowNs, inNamespace(monitoredModel("endless", endless.url()), kSlowNs));
  startOperator();
  ASSERT_TRUE(waitFor([&] { return endless.accepted() >= 1; }, 30s)) << logTail();
  // Sample the RSS while the provider streams, for 10 s or until it sent 512 MiB.
  long peak = 0;
  auto started = std::chrono::steady_clock::now();
  waitFor(
      [&] {
        peak = std::max(peak, rssKiB(op().process().pid()));
        return endless.bytesSent() > (512LL << 20) || std::chrono::steady_clock::now() - started > 10s;
      },
      15s, 20ms);
  EXPECT_GT(peak, 0);
  EXPECT_LT(peak, 64 * 1024) << "operator RSS peaked at " << peak / 1024 << " MiB while the provider sent "
                             << endless.bytesSent() / (1 << 20) << " MiB";
  RecordProperty("peakRssKiB", static_cast<int>(peak));
}

}  // namespace
}  // namespace modelops::itest
