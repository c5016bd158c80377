// e2e.gateway (issue 16, item 8): real models, real labels, end to end. The real operator and the real
// modelops-gateway against the dev API server; two scikit-learn model servers (demo/model-server: digits,
// KServe v1) behind the Services `digits-stable` and `digits-canary`; a real prometheus scraping the gateway;
// the demo's driver sending held-out rows through the gateway and posting their true labels to /v1/feedback a
// second later. The ModelDeployment routes through `trafficRouting.gateway` and judges accuracy per class
// (segments by `class`, the true label) from modelops_feedback_correct_total / modelops_feedback_labeled_total.
// Story: 1.0 (good) is deployed; 1.1 (as accurate overall, but trained with 90% of the 8s withheld) is rolled
// back on class 8's floor; 1.2 (good) is promoted. Asserted on status, Events, Prometheus and the driver's
// per-item feedback answers. The dev server runs no pods: the test plays the kubelet, telling the server
// behind a Service which version that Service's pods run (ModelServer::load) before the operator sends it
// traffic.
// Thread-safety: single test thread.
#include <openssl/rand.h>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gateway_stack.h"
#include "operator/operator_fixture.h"

namespace modelops::e2e_gateway {
namespace {

using itest::kNs;
using itest::OperatorTest;
namespace res = kube::resources;
using namespace std::chrono_literals;
using modelops::testing::waitFor;

const std::string kName = "digits";
const std::string kKeySecret = "modelops-gateway-keys";

std::string base64(const unsigned char* data, std::size_t n) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < n; i += 3) {
    const unsigned v = (data[i] << 16) | ((i + 1 < n ? data[i + 1] : 0) << 8) | (i + 2 < n ? data[i + 2] : 0);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += i + 1 < n ? table[(v >> 6) & 63] : '=';
    out += i + 2 < n ? table[v & 63] : '=';
  }
  return out;
}

// The Secret the gateway signs prediction ids with: a fresh random 32-byte key.
Json keySecret() {
  unsigned char key[32];
  if (RAND_bytes(key, sizeof key) != 1) throw std::runtime_error("RAND_bytes");
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", kKeySecret}, {"namespace", kNs}}},
          {"type", "Opaque"},
          {"data", {{"current", base64(key, sizeof key)}}}};
}

// Accuracy overall and per true class, from the gateway's feedback counters, as examples/ and docs/gateway.md
// declare it; small numbers so that it decides in seconds.
Json classAccuracyAnalysis(const std::string& prometheusUrl) {
  const std::string selector = R"({namespace="{{namespace}}",model="{{model}}",version="{{version}}"})";
  return {{"interval", "1s"},
          {"maxDuration", "100s"},
          {"onTimeout", "Rollback"},
          {"metrics",
           {{{"name", "accuracy"},
             {"provider", {{"prometheus", {{"address", prometheusUrl}, {"timeout", "5s"}}}}},
             {"successes", "sum by (class) (modelops_feedback_correct_total" + selector + ")"},
             {"trials", "sum by (class) (modelops_feedback_labeled_total" + selector + ")"},
             {"accuracy", {{"min", 0.85}, {"confidence", 0.95}, {"minSamples", 200}}},
             {"segments", {{"by", "class"}, {"min", 0.75}, {"minSamples", 25}}},
             {"failureLimit", 0},
             {"inconclusiveLimit", 100},
             {"consecutiveErrorLimit", 10}}}}};
}

Json digitsDeployment(const std::string& version, const std::string& prometheusUrl) {
  Json strategy = itest::canaryStrategy(Json::array({{{"setWeight", 50}}, {{"analysis", Json::object()}}}),
                                        {{"gateway", Json::object()}});
  Json md = itest::modelDeployment(kName, version, 2, strategy, classAccuracyAnalysis(prometheusUrl));
  md["spec"]["model"]["name"] = kName;
  md["spec"]["rollback"] = {{"automatic", true}};
  md["spec"]["progressDeadlineSeconds"] = 120;
  return md;
}

class GatewayE2E : public OperatorTest {
 protected:
  itest::ClusterOptions options() override {
    itest::ClusterOptions o;
    o.readyDelay = 20ms;
    return o;
  }

  // Events about the ModelDeployment, as "Reason: message" lines, for failure messages.
  std::string eventLines() {
    std::string out;
    for (const auto& e : cluster().eventsFor(kNs, kName)) out += e.value("reason", "") + ": " + e.value("message", "") + "\n";
    return out;
  }
  // Until `version` is rolled back, or promoted (then at once: the verdict is in, and it is the wrong one).
  bool waitRolledBack(const std::string& version, std::chrono::milliseconds timeout) {
    bool rolledBack = false;
    waitFor(
        [&] {
          const Json st = status(kName);
          rolledBack = itest::findHistory(st, version, "RolledBack") != nullptr;
          return rolledBack || itest::findHistory(st, version, "Promoted") != nullptr;
        },
        timeout, 200ms);
    return rolledBack;
  }
  std::string diagnostics() {
    return "status: " + status(kName).dump(1) + "\nevents:\n" + eventLines() + "\ngateway log tail:\n" +
           tail(gateway->log()) + "\ndriver:\n" + tail(driver ? driver->output() : "") + "\noperator log tail:\n" +
           logTail();
  }
  static std::string tail(const std::string& s) { return s.size() > 3000 ? s.substr(s.size() - 3000) : s; }

  std::unique_ptr<Gateway> gateway;
  std::unique_ptr<Driver> driver;
};

TEST_F(GatewayE2E, RareClassRegressionRolledBackOnItsFloorThenGoodVersionPromoted) {
  const auto& dir = cluster().dir();
  cluster().create(res::secrets(), kNs, keySecret());

  // The pods of each Service: stable runs 1.0 (good); the canary's server waits for a canary.
  ModelServer stableServer(itest::sourceDir(), "1.0", "good", dir.file("model-stable.log"));
  ModelServer canaryServer(itest::sourceDir(), "1.1", "bad", dir.file("model-canary.log"));
  gateway = std::make_unique<Gateway>(itest::binaryDir(), cluster().kubeconfig(), kNs, kKeySecret,
                                      std::vector<std::pair<std::string, std::string>>{
                                          {kName + "-stable", stableServer.address()},
                                          {kName + "-canary", canaryServer.address()}},
                                      dir.file("gateway.log"));
  Prometheus prometheus(dir.path(), gateway->address());
  startOperator();

  // 1.0: the first deploy, nothing to judge.
  cluster().create(res::modelDeployments(), kNs, digitsDeployment("1.0", prometheus.url()));
  ASSERT_TRUE(waitHealthyAt(kName, "1.0", 60s));
  ASSERT_TRUE(waitFor([&] { return gateway->ready(); }, 30s, 100ms)) << gateway->log();

  driver = std::make_unique<Driver>(itest::sourceDir(), gateway->url(),
                                    std::vector<std::string>{"--rate", "100", "--count", "30000", "--duration", "200",
                                                             "--label-delay", "1", "--label-batch", "25",
                                                             "--seed", "7"},
                                    dir.file("driver.log"));

  // 1.1: fine overall, poor on 8. Its canary Service's pods come up with it.
  ASSERT_TRUE(canaryServer.load("1.1", "bad"));
  ASSERT_EQ(setVersion(kName, "1.1"), "");
  ASSERT_TRUE(waitRolledBack("1.1", 120s)) << diagnostics();
  const Json afterRollback = status(kName);  // findHistory points into it
  const Json* rolledBack = itest::findHistory(afterRollback, "1.1", "RolledBack");
  ASSERT_NE(rolledBack, nullptr);
  const std::string reason = rolledBack->value("reason", "");
  EXPECT_NE(reason.find("class=8"), std::string::npos) << "1.1 must fail on class 8's floor: " << reason;
  EXPECT_FALSE(eventsWithReason(kName, "RolledBack", 10s).empty()) << eventLines();
  ASSERT_TRUE(waitHealthyAt(kName, "1.0", 30s, "RolledBack"));

  // What Prometheus saw from the gateway: 1.1's recall of 8 far below 1.0's, both measured on real labels.
  auto recall = [&](const std::string& version) -> std::optional<double> {
    const std::string sel = "{namespace=\"" + kNs + "\",model=\"" + kName + "\",version=\"" + version + "\",class=\"8\"}";
    auto correct = prometheus.value("sum(modelops_feedback_correct_total" + sel + ")");
    auto labeled = prometheus.value("sum(modelops_feedback_labeled_total" + sel + ")");
    if (!correct || !labeled || *labeled < 20) return std::nullopt;
    return *correct / *labeled;
  };
  std::optional<double> badRecall, goodRecall;
  ASSERT_TRUE(waitFor([&] { return (badRecall = recall("1.1")) && (goodRecall = recall("1.0")); }, 30s, 500ms))
      << "no class-8 labels for 1.0 and 1.1 in Prometheus\n" << diagnostics();
  EXPECT_LT(*badRecall, 0.7);
  EXPECT_GT(*goodRecall, 0.8);
  std::cout << "1.1 rolled back: " << reason << "\nrecall of 8 in Prometheus: 1.0 " << *goodRecall << ", 1.1 "
            << *badRecall << std::endl;
  EXPECT_TRUE(prometheus.value("sum(modelops_predictions_total{version=\"1.1\"})").value_or(0) > 0);

  // 1.2: a good model on the canary's pods, judged with the same floors, promoted.
  ASSERT_TRUE(canaryServer.load("1.2", "good"));
  ASSERT_EQ(setVersion(kName, "1.2"), "");
  ASSERT_TRUE(waitHealthyAt(kName, "1.2", 150s)) << diagnostics();
  ASSERT_TRUE(stableServer.load("1.2", "good"));  // the stable Service now selects 1.2's pods
  EXPECT_FALSE(eventsWithReason(kName, "Promoted", 10s).empty()) << eventLines();
  const Json afterPromotion = status(kName);
  EXPECT_NE(itest::findHistory(afterPromotion, "1.2", "Promoted"), nullptr) << afterPromotion.dump(1);

  // Every label the driver sent was accepted: none forged, expired or malformed, none lost.
  ASSERT_EQ(driver->stop(), std::optional<int>(0)) << driver->output();
  const std::string summary = driver->summary();
  ASSERT_FALSE(summary.empty()) << driver->output();
  std::cout << "driver: " << summary << std::endl;
  EXPECT_GT(summaryCount(summary, "labels_posted"), 1000) << summary;
  EXPECT_EQ(summaryCount(summary, "accepted"), summaryCount(summary, "labels_posted")) << summary;
  EXPECT_EQ(summaryCount(summary, "rejected"), 0) << summary;
  EXPECT_EQ(summaryCount(summary, "errors"), 0) << summary;

  EXPECT_EQ(gateway->stop(), std::optional<int>(0)) << gateway->log();
  EXPECT_EQ(canaryServer.stop(), std::optional<int>(0)) << canaryServer.log();
  EXPECT_EQ(stableServer.stop(), std::optional<int>(0)) << stableServer.log();
}

}  // namespace
}  // namespace modelops::e2e_gateway
