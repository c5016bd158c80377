#include "modelops/gateway/feedback/class_extraction.h"

#include <gtest/gtest.h>

namespace modelops::gateway {
namespace {

using Json = nlohmann::json;

std::vector<std::string> classes(const Json& response, const PredictionConfig& config) {
  auto rows = extractPredictions(response, config);
  EXPECT_TRUE(rows.ok()) << (rows.ok() ? "" : rows.error());
  std::vector<std::string> out;
  if (rows) for (const auto& r : rows.value()) out.push_back(r.predictedClass);
  return out;
}

PredictionConfig v2() {
  PredictionConfig c;
  c.protocol = "OpenInferenceV2";
  return c;
}

TEST(ClassExtraction, KServeV1SingleAndBatch) {
  EXPECT_EQ(classes(Json::parse(R"({"predictions":[8]})"), {}), std::vector<std::string>{"8"});
  EXPECT_EQ(classes(Json::parse(R"({"predictions":[8, 3.0, "cat", true]})"), {}),
            (std::vector<std::string>{"8", "3", "cat", "true"}));
}

TEST(ClassExtraction, KServeV1ArgmaxGivesIndexAndProbability) {
  PredictionConfig c;
  c.argmax = true;
  auto rows = extractPredictions(Json::parse(R"({"predictions":[[0.1,0.7,0.2],[0.6,0.3,0.1]]})"), c);
  ASSERT_TRUE(rows.ok()) << rows.error();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].predictedClass, "1");
  EXPECT_DOUBLE_EQ(*(*rows)[0].probability, 0.7);
  EXPECT_EQ((*rows)[1].predictedClass, "0");
  EXPECT_DOUBLE_EQ(*(*rows)[1].probability, 0.6);
  // Scores that are not probabilities give a class but no probability.
  auto logits = extractPredictions(Json::parse(R"({"predictions":[[-1.5, 3.2]]})"), c);
  ASSERT_TRUE(logits.ok());
  EXPECT_EQ((*logits)[0].predictedClass, "1");
  EXPECT_FALSE((*logits)[0].probability.has_value());
}

TEST(ClassExtraction, OpenInferenceV2Shapes) {
  EXPECT_EQ(classes(Json::parse(R"({"outputs":[{"name":"y","shape":[1],"datatype":"INT64","data":[4]}]})"), v2()),
            std::vector<std::string>{"4"});
  EXPECT_EQ(classes(Json::parse(R"({"outputs":[{"name":"y","shape":[3,1],"datatype":"INT64","data":[4,5,6]}]})"), v2()),
            (std::vector<std::string>{"4", "5", "6"}));
  EXPECT_EQ(classes(Json::parse(R"({"outputs":[{"name":"y","shape":[2],"datatype":"BYTES","data":["a","b"]}]})"), v2()),
            (std::vector<std::string>{"a", "b"}));
  PredictionConfig c = v2();
  c.argmax = true;
  auto rows = extractPredictions(
      Json::parse(R"({"outputs":[{"name":"p","shape":[2,3],"datatype":"FP32","data":[0.1,0.2,0.7,0.5,0.4,0.1]}]})"), c);
  ASSERT_TRUE(rows.ok()) << rows.error();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].predictedClass, "2");
  EXPECT_DOUBLE_EQ(*(*rows)[0].probability, 0.7);
  EXPECT_EQ((*rows)[1].predictedClass, "0");
  EXPECT_EQ(classes(Json::parse(R"({"outputs":[{"shape":[3],"data":[0.2,0.5,0.3]}]})"), c),
            std::vector<std::string>{"1"});
}

TEST(ClassExtraction, ConfiguredPaths) {
  PredictionConfig c;
  c.classPath = "$.predictions[*].label";
  EXPECT_EQ(classes(Json::parse(R"({"predictions":[{"label":"spam"},{"label":"ham"}]})"), c),
            (std::vector<std::string>{"spam", "ham"}));
  c.classPath = "$['result'].class";
  EXPECT_EQ(classes(Json::parse(R"({"result":{"class":7}})"), c), std::vector<std::string>{"7"});
  c.classPath = "$.predictions[1]";
  EXPECT_EQ(classes(Json::parse(R"({"predictions":[1,2]})"), c), std::vector<std::string>{"2"});
  PredictionConfig t = v2();
  t.classPath = "$.outputs[1]";
  EXPECT_EQ(classes(Json::parse(R"({"outputs":[{"data":[0.3]},{"shape":[1],"data":["dog"]}]})"), t),
            std::vector<std::string>{"dog"});
}

TEST(ClassExtraction, RegressionNeedsNumbers) {
  PredictionConfig c;
  c.task = "Regression";
  EXPECT_EQ(classes(Json::parse(R"({"predictions":[2.5, 7]})"), c), (std::vector<std::string>{"2.5", "7"}));
  EXPECT_FALSE(extractPredictions(Json::parse(R"({"predictions":["high"]})"), c).ok());
}

TEST(ClassExtraction, UnreadableResponsesNameThePath) {
  PredictionConfig argmax;
  argmax.argmax = true;
  PredictionConfig badPath;
  badPath.classPath = "predictions";
  PredictionConfig badProtocol;
  badProtocol.protocol = "Grpc";
  PredictionConfig v2argmax = v2();
  v2argmax.argmax = true;
  const std::vector<std::tuple<Json, PredictionConfig, std::string>> cases = {
      {Json::parse(R"({"outputs":[1]})"), {}, "path $.predictions: no match"},
      {Json::parse(R"({"predictions":[]})"), {}, "$.predictions: empty"},
      {Json::parse(R"({"predictions":[null]})"), {}, "$.predictions[0]: not a class"},
      {Json::parse(R"({"predictions":[{"a":1}]})"), {}, "$.predictions[0]: not a class"},
      {Json::parse(R"({"predictions":[["x"]]})"), argmax, "$.predictions[0][0]: not a number"},
      {Json::parse(R"({"predictions":[[]]})"), argmax, "$.predictions[0]: expected a non-empty array"},
      {Json::parse(R"({"predictions":[1]})"), badPath, "path predictions: must start with $"},
      {Json::parse(R"({"predictions":[1]})"), badProtocol, "protocol Grpc"},
      {Json::parse(R"({"outputs":[{"shape":[2,2],"data":[0.1,0.9,0.5]}]})"), v2argmax, "shape does not match"},
      {Json::parse(R"({"outputs":[{"shape":[2,2],"data":[1,2,3,4]}]})"), v2(), ".shape: expected [N] or [N,1]"},
      {Json::parse(R"({"outputs":[{"shape":"x","data":[1]}]})"), v2(), ".shape: expected"},
      {Json::parse(R"({"outputs":[{"data":5}]})"), v2(), ".data: missing or not an array"},
  };
  for (const auto& [response, config, expected] : cases) {
    auto r = extractPredictions(response, config);
    ASSERT_FALSE(r.ok()) << response.dump();
    EXPECT_NE(r.error().find(expected), std::string::npos) << r.error() << " / expected " << expected;
  }
}

TEST(ClassExtraction, RowsAreBounded) {
  Json big{{"predictions", Json::array()}};
  for (std::size_t i = 0; i <= kMaxRowsPerResponse; ++i) big["predictions"].push_back(1);
  EXPECT_FALSE(extractPredictions(big, {}).ok());
  big["predictions"].erase(0);
  EXPECT_TRUE(extractPredictions(big, {}).ok());
}

TEST(ClassText, NormalisesNumbers) {
  EXPECT_EQ(classText(Json(8)), "8");
  EXPECT_EQ(classText(Json(8.0)), "8");
  EXPECT_EQ(classText(Json(-3)), "-3");
  EXPECT_EQ(classText(Json(0.25)), "0.25");
  EXPECT_EQ(classText(Json("8")), "8");
  EXPECT_EQ(classText(Json(false)), "false");
  EXPECT_FALSE(classText(Json()).has_value());
  EXPECT_FALSE(classText(Json::array()).has_value());
}

}  // namespace
}  // namespace modelops::gateway
