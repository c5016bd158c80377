// Integration tests of the simulated model server's HTTP side on 127.0.0.1:0: /metrics passes
// `promtool check metrics`, /predict counts, /admin/accuracy changes the accuracy at run time, and the
// ticker generates traffic on its own.
// Thread-safety: single test thread; handlers run on the server's threads.
#include <cstdio>
#include <filesystem>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "fake_http.h"
#include "model_sim.h"
#include "sim_server.h"
#include "fakes/wait.h"

namespace modelops::modelsim {
namespace {

struct RunningSim {
  RunningSim() {
    SimConfig c;
    c.model = "fraud";
    c.version = "v2";
    c.segments = {{"eu-west", 1}, {"us-east", 4}};
    c.segmentAccuracy = {{"eu-west", 0.7}};
    c.rate = 2000;
    sim = ModelSimulator::create(c, std::chrono::steady_clock::now()).value();
    server = std::make_unique<SimServer>(*sim, std::chrono::milliseconds(20));
    port = *server->start("127.0.0.1", 0);
  }
  std::unique_ptr<ModelSimulator> sim;
  std::unique_ptr<SimServer> server;
  int port = 0;
};

TEST(ModelSimServer, MetricsPassPromtoolCheck) {
  RunningSim s;
  httplib::Client cli("127.0.0.1", s.port);
  auto res = cli.Get("/metrics");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_NE(res->get_header_value("Content-Type").find("text/plain"), std::string::npos);
  analysis::testing::TempDir dir;
  const std::string file = dir.write("metrics.txt", res->body);
  const std::string out = dir.file("promtool.out");
  const int rc = std::system(("promtool check metrics < " + file + " > " + out + " 2>&1").c_str());
  std::ifstream in(out);
  std::string problems((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rc, 0) << problems << "\n" << res->body;
  EXPECT_TRUE(problems.empty()) << problems;
  EXPECT_NE(res->body.find("model_feedback_correct_total{model=\"fraud\",segment=\"eu-west\",version=\"v2\"}"),
            std::string::npos);
}

TEST(ModelSimServer, TickerGeneratesTrafficOnItsOwn) {
  RunningSim s;
  modelops::testing::waitFor([&] { return s.sim->totals().at("us-east").labeled >= 100; }, std::chrono::seconds(10));
  EXPECT_GE(s.sim->totals().at("us-east").labeled, 100u);
}

TEST(ModelSimServer, PredictAndAdminAccuracy) {
  RunningSim s;
  httplib::Client cli("127.0.0.1", s.port);
  const auto before = s.sim->totals().at("eu-west").predictions;
  auto p = cli.Post("/predict", R"({"segment":"eu-west"})", "application/json");
  ASSERT_TRUE(p);
  ASSERT_EQ(p->status, 200);
  EXPECT_EQ(nlohmann::json::parse(p->body)["segment"], "eu-west");
  EXPECT_GE(s.sim->totals().at("eu-west").predictions, before + 1);
  auto bad = cli.Get("/predict?segment=mars");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);

  auto set = cli.Post("/admin/accuracy", R"({"accuracy": 0.8, "segments": {"eu-west": 0.6}})", "application/json");
  ASSERT_TRUE(set);
  ASSERT_EQ(set->status, 200) << set->body;
  EXPECT_DOUBLE_EQ(s.sim->effectiveAccuracy().at("eu-west"), 0.6);
  EXPECT_NEAR(s.sim->effectiveOverallAccuracy(), 0.8, 1e-9);
  auto get = cli.Get("/admin/accuracy");
  ASSERT_TRUE(get);
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(get->body)["segments"]["eu-west"].get<double>(), 0.6);
  auto invalid = cli.Post("/admin/accuracy", R"({"accuracy": 7})", "application/json");
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->status, 400);
}

}  // namespace
}  // namespace modelops::modelsim
