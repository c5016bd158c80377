// integration.guards: the label-free class-distribution guard with the real operator, the dev API server and
// a fake Prometheus on loopback that serves predictions per class and version (`predictions{class, version}`)
// and never any label (the accuracy metric's `correct` / `labeled` queries answer an empty vector).
//   - a canary whose predicted classes moved far from stable's is rolled back on the guard alone, with the
//     guard's evidence (value, bounds, n, the most shifted class) in status and the history reason;
//   - a canary whose distribution matches stable is judged Successful by the guard and keeps its traffic
//     while the accuracy metric waits for labels.
// Thread-safety: test thread only; ClassPrometheus serves on its own threads.
#include <httplib.h>
#include <signal.h>

#include <map>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>

#include "operator/operator_fixture.h"
#include "support/combined_query.h"

namespace modelops::itest::guards {
namespace {

// Prometheus stand-in: `predictions` queries with version="X" answer one series per class of X.
class ClassPrometheus {
 public:
  ClassPrometheus() {
    ::signal(SIGPIPE, SIG_IGN);
    auto handler = [this](const httplib::Request& req, httplib::Response& res) { answer(req, res); };
    server_.Get("/api/v1/query", handler);
    server_.Post("/api/v1/query", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("ClassPrometheus: cannot bind 127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    if (!waitFor([&] { return server_.is_running(); }, 5s, 1ms)) throw std::runtime_error("ClassPrometheus: not running");
  }
  ~ClassPrometheus() {
    server_.stop();
    thread_.join();
  }
  ClassPrometheus(const ClassPrometheus&) = delete;
  ClassPrometheus& operator=(const ClassPrometheus&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void setClasses(const std::string& version, std::map<std::string, double> counts) {
    std::lock_guard lock(mu_);
    classes_[version] = std::move(counts);
  }
  int labelQueries() const {
    std::lock_guard lock(mu_);
    return labelQueries_;
  }

 private:
  void answer(const httplib::Request& req, httplib::Response& res) {
    const std::string query = req.has_param("query") ? req.get_param_value("query") : "";
    Json result = Json::array();
    static const std::regex versionRe(R"(version=\"([^\"]*)\")");
    for (const auto& part : testsupport::splitCombinedQuery(query)) {
      std::smatch m;
      if (!std::regex_search(part.query, m, versionRe)) continue;
      std::lock_guard lock(mu_);
      if (part.query.find("predictions") == std::string::npos) {
        ++labelQueries_;  // correct / labeled: no label has arrived
        continue;
      }
      for (const auto& [cls, n] : classes_[m[1].str()]) {
        Json metric = {{"class", cls}};
        if (!part.tag.empty()) metric["modelops_part"] = part.tag;
        result.push_back({{"metric", metric}, {"value", Json::array({1700000000.0, std::to_string(n)})}});
      }
    }
    Json body = {{"status", "success"}, {"data", {{"resultType", "vector"}, {"result", result}}}};
    res.set_content(body.dump(), "application/json");
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, double>> classes_;
  int labelQueries_ = 0;
};

class GuardsTest : public OperatorTest {
 protected:
  Json analysisWithGuard() {
    Json a = accuracyAnalysis(prometheus_.url());
    a["guards"] = {{"minSamples", 200},
                   {"classDistribution",
                    {{"query", "sum by (class) (predictions{version=\"{{version}}\"})"}, {"maxDistance", 0.1}}}};
    return a;
  }
  // The class-distribution guard's run in status.analysis.runs, or null.
  static Json guardRun(const Json& st) {
    if (!st.contains("analysis")) return Json();
    for (const auto& r : st["analysis"].value("runs", Json::array()))
      if (r.value("metric", "") == "guard:classDistribution") return r;
    return Json();
  }
  void deployStable(const std::string& name) {
    prometheus_.setClasses("1.0.0", {{"cat", 5000}, {"dog", 3000}, {"fox", 2000}});
    cluster().create(res::httpRoutes(), kNs, httpRoute(name, name));
    auto steps = Json::parse(R"([{"setWeight": 20}, {"analysis": {}}, {"setWeight": 50}])");
    auto created = cluster().create(res::modelDeployments(), kNs,
                                    modelDeployment(name, "1.0.0", 2, canaryStrategy(steps, gatewayRouting(name)),
                                                    analysisWithGuard()));
    ASSERT_TRUE(created.is_object() && created.contains("metadata")) << created.dump(1);
    startOperator();
  }

  ClassPrometheus prometheus_;
};

TEST_F(GuardsTest, ShiftedClassDistributionRollsBackBeforeAnyLabel) {
  ASSERT_NO_FATAL_FAILURE(deployStable("vision"));
  ASSERT_TRUE(waitHealthyAt("vision", "1.0.0"));
  // The new version predicts "fox" for most inputs: Jensen-Shannon distance about 0.3 from stable.
  prometheus_.setClasses("2.0.0", {{"cat", 400}, {"dog", 300}, {"fox", 1300}});
  ASSERT_EQ(setVersion("vision", "2.0.0"), "");
  ASSERT_TRUE(waitFor([&] { return phase("vision") == "RolledBack"; }, 60s)) << status("vision").dump(1) << logTail();

  auto st = status("vision");
  EXPECT_EQ(st["stable"].value("version", ""), "1.0.0");
  const Json* entry = findHistory(st, "2.0.0", "RolledBack");
  ASSERT_NE(entry, nullptr) << st.dump(1);
  EXPECT_NE(entry->value("reason", "").find("guard:classDistribution"), std::string::npos) << entry->dump();
  // The guard's evidence is in status: value, always-valid bounds, n and the most shifted class.
  const Json found = guardRun(st);
  ASSERT_TRUE(found.is_object()) << st.dump(1);
  const Json* run = &found;
  EXPECT_EQ(run->value("phase", ""), "Failed");
  EXPECT_GT(run->value("lowerBound", 0.0), 0.1) << run->dump();
  EXPECT_GE(run->value("upperBound", 0.0), run->value("value", 1.0)) << run->dump();
  EXPECT_EQ(run->value("samples", 0), 2000);
  ASSERT_FALSE(run->value("segments", Json::array()).empty()) << run->dump();
  EXPECT_EQ((*run)["segments"][0].value("segment", ""), "class=fox");
  // No label ever arrived: the accuracy metric was asked and had nothing to judge.
  EXPECT_GT(prometheus_.labelQueries(), 0);
  for (const auto& r : st["analysis"].value("runs", Json::array()))
    if (r.value("metric", "") == "accuracy") {
      EXPECT_EQ(r.value("phase", ""), "Inconclusive") << r.dump();
    }
  auto weights = httpRouteWeights(cluster().get(res::httpRoutes(), kNs, "vision"));
  EXPECT_EQ(weights["vision-stable"], 100);
  EXPECT_EQ(weights["vision-canary"], 0);
}

TEST_F(GuardsTest, MatchingClassDistributionPassesTheGuardAndKeepsTheCanary) {
  ASSERT_NO_FATAL_FAILURE(deployStable("speech"));
  ASSERT_TRUE(waitHealthyAt("speech", "1.0.0"));
  prometheus_.setClasses("2.0.0", {{"cat", 10000}, {"dog", 6000}, {"fox", 4000}});  // stable's shares
  ASSERT_EQ(setVersion("speech", "2.0.0"), "");
  // The guard passes at the first look; accuracy waits for labels, so the canary stays at 20%.
  ASSERT_TRUE(waitFor([&] {
    const Json run = guardRun(status("speech"));
    return run.is_object() && run.value("phase", "") == "Successful";
  }, 60s)) << status("speech").dump(1) << logTail();
  auto st = status("speech");
  EXPECT_EQ(st.value("phase", ""), "Progressing") << st.dump(1);
  ASSERT_TRUE(st.contains("canary")) << st.dump(1);
  EXPECT_EQ(st["canary"].value("version", ""), "2.0.0");
  const Json run = guardRun(st);
  ASSERT_TRUE(run.is_object()) << st.dump(1);
  EXPECT_LE(run.value("upperBound", 1.0), 0.1) << run.dump();
  EXPECT_EQ(findHistory(st, "2.0.0", "RolledBack"), nullptr) << st.dump(1);
}

}  // namespace
}  // namespace modelops::itest::guards
