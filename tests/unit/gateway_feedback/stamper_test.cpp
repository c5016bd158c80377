#include "modelops/gateway/feedback/stamper.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "fakes/fake_clock.h"
#include "modelops/gateway/feedback/feedback_service.h"
#include "test_keys.h"

namespace modelops::gateway {
namespace {

using Json = nlohmann::json;

std::int64_t wallMs(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();
}

struct StamperFixture : ::testing::Test {
  testing::FakeClock clock;
  GatewayMetrics metrics;
  std::shared_ptr<KeyRingSource> keys = std::make_shared<KeyRingSource>(testkeys::ringA());
  PredictionStamper stamper{keys, metrics, clock};
  VersionLabels version{"shop", "digits", "v2", "7f9c2ab1"};
};

TEST_F(StamperFixture, OneIdPerRowCarryingClassSegmentAndRow) {
  PredictionConfig config;
  config.segmentHeader = "X-Region";
  StampRequest request{[](std::string_view name) -> std::optional<std::string_view> {
                         if (name == "X-Region") return std::string_view("eu-west");
                         return std::nullopt;
                       },
                       R"({"instances":[[1],[2]]})", R"({"predictions":[8,3]})"};
  const StampResult result = stamper.stamp(StampRoute{version, config}, request);
  ASSERT_EQ(result.ids.size(), 2u);
  EXPECT_EQ(result.headerValue, result.ids[0] + "," + result.ids[1]);
  EXPECT_FALSE(result.body.has_value()) << "no idField: the body is left alone";
  EXPECT_EQ(result.predictedClasses, (std::vector<std::string>{"8", "3"}));
  for (std::uint32_t row = 0; row < 2; ++row) {
    auto id = verifyPredictionId(result.ids[row], testkeys::ringA(), wallMs(clock), 0);
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(id->row, row);
    EXPECT_EQ(id->segment, "eu-west");
    EXPECT_EQ(id->predictedClass, row == 0 ? "8" : "3");
    EXPECT_EQ(id->version, "v2");
    EXPECT_EQ(id->issuedAtMs, wallMs(clock));
  }
  const std::string text = metrics.render();
  EXPECT_NE(text.find(R"(modelops_predictions_total{class="8",model="digits",namespace="shop",revision="7f9c2ab1",segment="eu-west",version="v2"} 1)"),
            std::string::npos)
      << text;
}

TEST_F(StamperFixture, IdFieldIsAddedToTheBody) {
  PredictionConfig config;
  config.idField = "predictionId";
  config.segmentJsonPath = "$.customer.region";
  StampRequest request{{}, R"({"customer":{"region":"ap-south"},"instances":[[1]]})", R"({"predictions":[1]})"};
  const StampResult one = stamper.stamp(StampRoute{version, config}, request);
  ASSERT_TRUE(one.body.has_value());
  EXPECT_EQ(Json::parse(*one.body)["predictionId"], one.ids[0]);
  EXPECT_EQ(one.segment, "ap-south");
  request.responseBody = R"({"predictions":[1],"model_name":"digits","id":"req-7"})";
  const StampResult ordered = stamper.stamp(StampRoute{version, config}, request);
  ASSERT_TRUE(ordered.body.has_value());
  EXPECT_EQ(*ordered.body, R"({"predictions":[1],"model_name":"digits","id":"req-7","predictionId":")" +
                               ordered.ids[0] + "\"}")
      << "members keep their order, the id field is added last";
  request.responseBody = R"({"predictions":[1,0]})";
  const StampResult batch = stamper.stamp(StampRoute{version, config}, request);
  ASSERT_TRUE(batch.body.has_value());
  EXPECT_EQ(Json::parse(*batch.body)["predictionId"], Json(batch.ids));
}

TEST_F(StamperFixture, ProbabilitySumIsRecorded) {
  PredictionConfig config;
  config.argmax = true;
  (void)stamper.stamp(StampRoute{version, config}, StampRequest{{}, {}, R"({"predictions":[[0.2,0.8],[0.4,0.6]]})"});
  const std::string text = metrics.render();
  EXPECT_NE(text.find(R"(modelops_prediction_probability_sum{class="1",model="digits",namespace="shop",revision="7f9c2ab1",segment="",version="v2"} 1.4)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(modelops_prediction_probability_count{class="1",model="digits",namespace="shop",revision="7f9c2ab1",segment="",version="v2"} 2)"),
            std::string::npos);
}

TEST_F(StamperFixture, UnreadableResponsesAndMissingKeysAreCountedNotFailed) {
  PredictionConfig config;
  EXPECT_TRUE(stamper.stamp(StampRoute{version, config}, StampRequest{{}, {}, "not json"}).ids.empty());
  EXPECT_TRUE(stamper.stamp(StampRoute{version, config}, StampRequest{{}, {}, R"({"other":1})"}).ids.empty());
  keys->clear();
  const StampResult noKey = stamper.stamp(StampRoute{version, config}, StampRequest{{}, {}, R"({"predictions":[1]})"});
  EXPECT_TRUE(noKey.ids.empty());
  EXPECT_EQ(noKey.predictedClasses, std::vector<std::string>{"1"}) << "label-free signals still count";
  const std::string text = metrics.render();
  for (const char* reason : {"unreadable_response", "no_prediction", "no_key"}) {
    EXPECT_NE(text.find(std::string("reason=\"") + reason + "\",revision=\"7f9c2ab1\",version=\"v2\"} 1"), std::string::npos)
        << reason << "\n" << text;
  }
}

TEST_F(StamperFixture, RegressionKeepsValuesOutOfTheClassLabel) {
  PredictionConfig config;
  config.task = "Regression";
  const StampResult r = stamper.stamp(StampRoute{version, config}, StampRequest{{}, {}, R"({"predictions":[12.5]})"});
  ASSERT_EQ(r.ids.size(), 1u);
  auto id = verifyPredictionId(r.ids[0], testkeys::ringA(), wallMs(clock), 0);
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(id->regression);
  EXPECT_EQ(id->predictedClass, "12.5");
  EXPECT_EQ(metrics.render().find("class=\"12.5\""), std::string::npos);
}

// The bug this guards against: an id carried only facts (version, class, segment, ms, row), so two predictions
// with the same facts in one millisecond got the same id and the second label was refused as a duplicate.
TEST_F(StamperFixture, SameFactsInOneMillisecondGetDistinctIdsAndBothLabelsCount) {
  PredictionConfig config;
  const StampRequest request{{}, {}, R"({"predictions":[8]})"};
  const StampResult first = stamper.stamp(StampRoute{version, config}, request);
  const StampResult second = stamper.stamp(StampRoute{version, config}, request);  // the fake clock stands still
  ASSERT_EQ(first.ids.size(), 1u);
  ASSERT_EQ(second.ids.size(), 1u);
  EXPECT_NE(first.ids[0], second.ids[0]);
  EXPECT_NE(dedupeKeyOf(first.ids[0]), dedupeKeyOf(second.ids[0]));
  FeedbackService feedback(keys, std::make_shared<WindowDeduper>(), metrics, clock);
  for (const StampResult* stamped : {&first, &second}) {
    const FeedbackAnswer answer =
        feedback.handle(Json{{"predictionId", stamped->ids[0]}, {"label", 8}}.dump(), "application/json");
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(Json::parse(answer.body)["result"], "correct") << answer.body;
  }
  const std::string text = metrics.render();
  EXPECT_NE(text.find(R"(modelops_feedback_labeled_total{class="8",model="digits",namespace="shop",revision="7f9c2ab1",segment="",version="v2"} 2)"),
            std::string::npos)
      << text;
}

// Under load: many threads stamp the same facts while the clock stands still; every id is distinct and every
// label of one batch is counted.
TEST_F(StamperFixture, ConcurrentStampsOfTheSameFactsAllCount) {
  PredictionConfig config;
  constexpr int kThreads = 4, kPerThread = 250;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const StampResult r = stamper.stamp(StampRoute{version, config}, StampRequest{{}, {}, R"({"predictions":[8]})"});
        if (r.ids.size() == 1) ids[t].push_back(r.ids[0]);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  Json batch = Json::array();
  std::set<std::string> distinct;
  for (const auto& perThread : ids) {
    for (const auto& id : perThread) {
      distinct.insert(id);
      batch.push_back(Json{{"predictionId", id}, {"label", 8}});
    }
  }
  ASSERT_EQ(batch.size(), std::size_t(kThreads * kPerThread));
  EXPECT_EQ(distinct.size(), batch.size());
  FeedbackService feedback(keys, std::make_shared<WindowDeduper>(), metrics, clock);
  const FeedbackAnswer answer = feedback.handle(batch.dump(), "application/json");
  ASSERT_EQ(answer.status, 200) << answer.body;
  std::size_t correct = 0;
  const Json parsed = Json::parse(answer.body);
  for (const auto& item : parsed["results"]) correct += item.value("result", "") == "correct";
  EXPECT_EQ(correct, batch.size()) << answer.body.substr(0, 400);
  EXPECT_NE(metrics.render().find(R"(modelops_feedback_labeled_total{class="8",model="digits",namespace="shop",revision="7f9c2ab1",segment="",version="v2"} 1000)"),
            std::string::npos);
}

TEST(PredictedClasses, ForShadowComparison) {
  PredictionConfig config;
  EXPECT_EQ(PredictionStamper::predictedClasses(config, R"({"predictions":[2,2]})"), (std::vector<std::string>{"2", "2"}));
  EXPECT_TRUE(PredictionStamper::predictedClasses(config, "{").empty());
}

}  // namespace
}  // namespace modelops::gateway
