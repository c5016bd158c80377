#include "modelops/gateway/feedback/feedback_service.h"

#include <gtest/gtest.h>

#include "fakes/fake_clock.h"
#include "test_keys.h"

namespace modelops::gateway {
namespace {

using Json = nlohmann::json;

struct FeedbackFixture : ::testing::Test {
  testing::FakeClock clock;
  GatewayMetrics metrics;
  std::shared_ptr<KeyRingSource> keys = std::make_shared<KeyRingSource>(testkeys::ringA());
  std::shared_ptr<WindowDeduper> deduper = std::make_shared<WindowDeduper>();
  FeedbackLimits limits{4096, 5, 16, 24LL * 3600 * 1000};
  FeedbackService service{keys, deduper, metrics, clock, limits};

  std::int64_t nowMs() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();
  }
  std::string idFor(std::string predicted, bool regression = false, std::string segment = "eu") {
    PredictionId id = testkeys::sampleId(nowMs());
    id.predictedClass = std::move(predicted);
    id.segment = std::move(segment);
    id.regression = regression;
    id.row = counter++;
    return encodePredictionId(id, testkeys::keyA());
  }
  Json item(const std::string& id, const Json& label) { return Json{{"predictionId", id}, {"label", label}}; }
  bool rendered(const std::string& line) {
    const std::string text = metrics.render();
    const bool found = text.find(line) != std::string::npos;
    if (!found) ADD_FAILURE() << "missing: " << line << "\n" << text;
    return found;
  }
  std::uint32_t counter = 0;
};

constexpr const char* kSeries = R"({class="8",model="digits",namespace="shop",revision="7f9c2ab1",segment="eu",version="v2"})";

TEST_F(FeedbackFixture, SingleCorrectLabelIsCountedWithItsDelay) {
  const std::string id = idFor("8");
  clock.advance(std::chrono::seconds(90));
  const FeedbackAnswer a = service.handle(item(id, 8).dump(), "application/json");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(Json::parse(a.body), (Json{{"status", 200}, {"result", "correct"}}));
  EXPECT_TRUE(rendered(std::string("modelops_feedback_labeled_total") + kSeries + " 1"));
  EXPECT_TRUE(rendered(std::string("modelops_feedback_correct_total") + kSeries + " 1"));
  EXPECT_TRUE(rendered(R"(modelops_feedback_label_delay_seconds_bucket{model="digits",namespace="shop",le="60"} 0)"));
  EXPECT_TRUE(rendered(R"(modelops_feedback_label_delay_seconds_bucket{model="digits",namespace="shop",le="300"} 1)"));
  EXPECT_TRUE(rendered(R"(modelops_feedback_label_delay_seconds_sum{model="digits",namespace="shop"} 90)"));
}

TEST_F(FeedbackFixture, WrongLabelIsCountedUnderTheTrueClass) {
  const FeedbackAnswer a = service.handle(item(idFor("3"), "8").dump(), "");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(Json::parse(a.body)["result"], "incorrect");
  EXPECT_TRUE(rendered(std::string("modelops_feedback_labeled_total") + kSeries + " 1"));
  EXPECT_TRUE(rendered(std::string("modelops_feedback_correct_total") + kSeries + " 0"));
}

TEST_F(FeedbackFixture, ALabelIsCountedOnce) {
  const std::string body = item(idFor("8"), 8).dump();
  EXPECT_EQ(Json::parse(service.handle(body, "application/json").body)["result"], "correct");
  const FeedbackAnswer again = service.handle(body, "application/json");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(Json::parse(again.body)["result"], "duplicate");
  EXPECT_TRUE(rendered(std::string("modelops_feedback_labeled_total") + kSeries + " 1"));
  EXPECT_TRUE(rendered(R"(modelops_feedback_rejected_total{reason="duplicate"} 1)"));
}

TEST_F(FeedbackFixture, BatchArrayAnswersPerItem) {
  const std::string forged = idFor("8").substr(0, 20) + "AAAA" + idFor("8").substr(24);
  const Json body = Json::array({item(idFor("8"), 8), item(forged, 8), Json{{"label", 1}}, item(idFor("8"), 3)});
  const FeedbackAnswer a = service.handle(body.dump(), "application/json; charset=utf-8");
  ASSERT_EQ(a.status, 200);
  const Json answer = Json::parse(a.body);
  EXPECT_EQ(answer["accepted"], 2);
  EXPECT_EQ(answer["rejected"], 2);
  ASSERT_EQ(answer["results"].size(), 4u);
  EXPECT_EQ(answer["results"][0], (Json{{"index", 0}, {"status", 200}, {"result", "correct"}}));
  EXPECT_EQ(answer["results"][1]["status"], 403);
  EXPECT_EQ(answer["results"][2], (Json{{"index", 2}, {"status", 400}, {"error", "predictionId: missing"}}));
  EXPECT_EQ(answer["results"][3]["result"], "incorrect");
  EXPECT_TRUE(rendered(std::string("modelops_feedback_labeled_total") + kSeries + " 1"));
  EXPECT_TRUE(rendered(
      R"(modelops_feedback_labeled_total{class="3",model="digits",namespace="shop",revision="7f9c2ab1",segment="eu",version="v2"} 1)"));
}

TEST_F(FeedbackFixture, JsonLinesNameTheirLine) {
  const std::string body = item(idFor("8"), 8).dump() + "\n\n{broken\r\n" + item(idFor("8"), 8).dump() + "\n";
  const FeedbackAnswer a = service.handle(body, "application/x-ndjson");
  ASSERT_EQ(a.status, 200);
  const Json results = Json::parse(a.body)["results"];
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0]["line"], 1);
  EXPECT_EQ(results[1], (Json{{"index", 1}, {"line", 3}, {"status", 400}, {"error", "line 3: not valid JSON"}}));
  EXPECT_EQ(results[2]["line"], 4);
  EXPECT_EQ(results[2]["result"], "correct");
}

TEST_F(FeedbackFixture, SingleItemStatusIsTheHttpStatus) {
  const std::string id = idFor("8");
  std::string tampered = id;
  tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
  const FeedbackAnswer forged = service.handle(item(tampered, 8).dump(), "application/json");
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(Json::parse(forged.body)["error"].get<std::string>().rfind("predictionId: ", 0), 0u);
  clock.advance(std::chrono::hours(25));
  const FeedbackAnswer expired = service.handle(item(id, 8).dump(), "application/json");
  EXPECT_EQ(expired.status, 410);
  EXPECT_TRUE(rendered(R"(modelops_feedback_rejected_total{reason="forged"} 1)"));
  EXPECT_TRUE(rendered(R"(modelops_feedback_rejected_total{reason="expired"} 1)"));
  EXPECT_EQ(metrics.render().find("modelops_feedback_labeled_total{"), std::string::npos) << "nothing counted";
}

TEST_F(FeedbackFixture, EveryBadItemShapeIsA400NamingTheField) {
  const std::string id = idFor("8");
  const std::vector<std::pair<Json, std::string>> cases = {
      {Json(5), "item: expected an object"},
      {Json("text"), "item: expected an object"},
      {Json::object(), "predictionId: missing"},
      {Json{{"predictionId", 5}, {"label", 1}}, "predictionId: not a string"},
      {Json{{"predictionId", id}}, "label: missing"},
      {Json{{"predictionId", id}, {"label", nullptr}}, "label: expected a string, number or boolean"},
      {Json{{"predictionId", id}, {"label", Json::array({1})}}, "label: expected a string, number or boolean"},
      {Json{{"predictionId", id}, {"label", std::string(17, 'x')}}, "label: longer than 16 bytes"},
  };
  for (const auto& [bad, error] : cases) {
    const FeedbackAnswer batch = service.handle(Json::array({bad}).dump(), "application/json");
    ASSERT_EQ(batch.status, 200) << bad.dump();
    const Json result = Json::parse(batch.body)["results"][0];
    EXPECT_EQ(result["status"], 400) << bad.dump();
    EXPECT_EQ(result["error"].get<std::string>().rfind(error, 0), 0u) << result.dump();
    if (bad.is_object()) {
      EXPECT_EQ(service.handle(bad.dump(), "application/json").status, 400) << bad.dump();
    }
  }
  EXPECT_EQ(metrics.render().find("modelops_feedback_labeled_total{"), std::string::npos);
}

TEST_F(FeedbackFixture, UnreadableBodiesAreRefusedWhole) {
  const std::vector<std::tuple<std::string, std::string, int, std::string>> cases = {
      {"{", "application/json", 400, "body: not valid JSON"},
      {"", "application/json", 400, "body: not valid JSON"},
      {"5", "application/json", 400, "body: expected an object"},
      {"[]", "application/json", 400, "body: empty array"},
      {"\n \n", "application/x-ndjson", 400, "body: no JSON lines"},
      {"[1,2,3,4,5,6]", "application/json", 413, "body: more than 5 items"},
      {"1\n2\n3\n4\n5\n6\n", "application/x-ndjson", 413, "body: more than 5 items"},
      {std::string(4097, ' '), "application/json", 413, "body: larger than 4096 bytes"},
      {"{}", "text/plain", 415, "Content-Type: expected"},
  };
  for (const auto& [body, type, status, error] : cases) {
    const FeedbackAnswer a = service.handle(body, type);
    EXPECT_EQ(a.status, status) << body.substr(0, 20) << " " << type;
    EXPECT_EQ(Json::parse(a.body)["error"].get<std::string>().rfind(error, 0), 0u) << a.body;
  }
  EXPECT_TRUE(rendered(R"(modelops_feedback_rejected_total{reason="body"} 9)"));
}

TEST_F(FeedbackFixture, NoKeysYetIs503) {
  keys->clear();
  EXPECT_EQ(service.handle(item("x", 1).dump(), "application/json").status, 503);
}

TEST_F(FeedbackFixture, RotatedKeysStillAcceptOldIds) {
  const std::string old = idFor("8");
  keys->update(KeyRing{testkeys::keyB(), testkeys::keyA()});
  EXPECT_EQ(service.handle(item(old, 8).dump(), "application/json").status, 200);
  keys->update(KeyRing{testkeys::keyB(), std::nullopt});
  EXPECT_EQ(service.handle(item(idFor("8"), 8).dump(), "application/json").status, 403) << "signed by A, A retired";
}

TEST_F(FeedbackFixture, RegressionCountsAbsoluteError) {
  EXPECT_EQ(Json::parse(service.handle(item(idFor("10.5", true), 12).dump(), "").body)["result"], "counted");
  EXPECT_EQ(service.handle(item(idFor("10.5", true), "9.5").dump(), "").status, 200);
  const FeedbackAnswer notNumber = service.handle(item(idFor("10.5", true), "high").dump(), "");
  EXPECT_EQ(notNumber.status, 400);
  EXPECT_NE(Json::parse(notNumber.body)["error"].get<std::string>().find("regression"), std::string::npos);
  const char* labels = R"({model="digits",namespace="shop",revision="7f9c2ab1",segment="eu",version="v2"})";
  EXPECT_TRUE(rendered(std::string("modelops_feedback_abs_error_sum") + labels + " 2.5"));
  EXPECT_TRUE(rendered(std::string("modelops_feedback_abs_error_count") + labels + " 2"));
}

}  // namespace
}  // namespace modelops::gateway
