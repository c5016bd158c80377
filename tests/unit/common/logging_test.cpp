// Tests for structured logging: JSON lines and text lines carry the message and fields.
#include <gtest/gtest.h>

#include <sstream>

#include <spdlog/sinks/ostream_sink.h>

#include "modelops/common/logging.h"

namespace modelops {
namespace {

class LoggingTest : public ::testing::Test {
 protected:
  std::ostringstream out;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  void TearDown() override {
    spdlog::drop("modelops");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("silent"));
  }
};

TEST_F(LoggingTest, JsonLinesAreValidJsonWithKubernetesKeys) {
  ASSERT_TRUE(configureLogging("info", LogFormat::Json, sink));
  logInfo("reconciled \"quoted\"\nline", {{"object", objectRef("ml", "fraud")}, {"duration_ms", 3}});
  auto line = out.str();
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["msg"], "reconciled \"quoted\"\nline");
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["object"]["namespace"], "ml");
  EXPECT_EQ(j["object"]["name"], "fraud");
  EXPECT_EQ(j["duration_ms"], 3);
  EXPECT_TRUE(j.contains("ts"));
}

TEST_F(LoggingTest, TextLinesShowFieldsAndObjectsAsNamespaceSlashName) {
  ASSERT_TRUE(configureLogging("info", LogFormat::Text, sink));
  logWarn("slow", {{"object", objectRef("ml", "fraud")}, {"attempt", 2}});
  auto line = out.str();
  EXPECT_NE(line.find(" warning slow "), std::string::npos) << line;
  EXPECT_NE(line.find(" object=ml/fraud"), std::string::npos) << line;
  EXPECT_NE(line.find(" attempt=2"), std::string::npos) << line;
}

TEST_F(LoggingTest, LevelFiltersAndPlainSpdlogCallsStillRender) {
  ASSERT_TRUE(configureLogging("warn", LogFormat::Json, sink));
  logInfo("hidden");
  spdlog::error("plain {}", 42);
  auto text = out.str();
  EXPECT_EQ(text.find("hidden"), std::string::npos);
  auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["msg"], "plain 42");
  EXPECT_EQ(j["level"], "error");
}

TEST_F(LoggingTest, RejectsUnknownLevelAndFormat) {
  auto st = configureLogging("loud", LogFormat::Text, sink);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("loud"), std::string::npos);
  EXPECT_FALSE(parseLogFormat("xml"));
  EXPECT_EQ(*parseLogFormat("json"), LogFormat::Json);
}

}  // namespace
}  // namespace modelops
