// unit.api: boundStatus() through encodeStatus (issue 12 item 4): texts a provider or an older writer
// put into status are cut (UTF-8 safe, marked), lists are capped, and the encoded status stays within
// text_limits::kStatusBudget whatever it holds. Failed before the change: encodeStatus wrote 1 MiB
// texts as they were.
// Thread-safety: single-threaded tests.
#include <gtest/gtest.h>

#include <string>

#include "modelops/api/codec.h"
#include "modelops/api/status_bounds.h"
#include "modelops/common/bounded_text.h"

namespace modelops::api {
namespace {

std::string megabyte() {
  std::string s;
  while (s.size() < (1u << 20)) s += "connection refused \xE2\x80\x94 ";  // an em dash: 3 bytes
  return s;
}

TEST(StatusBounds, EveryTextAndListIsCappedAndTheTotalStaysInBudget) {
  const std::string huge = megabyte();
  ModelDeploymentStatus s;
  s.phase = "Healthy";
  s.message = huge;
  for (int i = 0; i < 40; ++i) {
    Condition c;
    c.type = "T" + std::to_string(i);
    c.message = i < 3 ? huge : std::string(8192, 'c');
    c.reason = std::string(4096, 'r');
    s.conditions.push_back(c);
    HistoryEntry h;
    h.revision = i;
    h.reason = i < 3 ? huge : std::string(8192, 'h');
    s.history.push_back(h);
  }
  s.analysis.emplace();
  const std::string large(8192, 'x');  // many copies of 1 MiB would only slow the test down
  for (int i = 0; i < 100; ++i) {
    AnalysisRun run;
    run.metric = "m" + std::to_string(i);
    run.message = i < 3 ? huge : large;
    run.query = i < 3 ? huge : large;
    for (int k = 0; k < 30; ++k) run.segments.push_back({"seg", "Error", 0.5, 0.4, 0.6, 10, large, Json::object()});
    s.analysis->runs.push_back(run);
  }
  Json latest = {{"metric", "m"}, {"phase", "Error"}, {"reason", huge}, {"query", huge},
                 {"segments", Json::array()}};
  for (int k = 0; k < 100; ++k) latest["segments"].push_back({{"segment", "s"}, {"reason", large}});
  s.analysis->progress =
      decodeAnalysisProgress({{"reason", huge}, {"metrics", Json::array({{{"metric", "m"}, {"latest", latest}}})}})
          .value();

  const Json encoded = encodeStatus(s);
  const std::string text = encoded.dump();  // throws on a character cut in half
  EXPECT_LE(text.size(), text_limits::kStatusBudget);
  EXPECT_LE(encoded["message"].get<std::string>().size(), text_limits::kStatusMessage);
  EXPECT_TRUE(encoded["message"].get<std::string>().ends_with(kTruncatedMarker));
  EXPECT_LE(encoded["conditions"].size(), status_limits::kConditions);
  EXPECT_LE(encoded["history"].size(), status_limits::kHistory);
  EXPECT_EQ(encoded["phase"], "Healthy");
}

TEST(StatusBounds, ProgressTextsAreCutWhereTheyNest) {
  const std::string huge = megabyte();
  ModelDeploymentStatus s;
  s.analysis.emplace();
  s.analysis->progress =
      decodeAnalysisProgress(
          {{"reason", huge},
           {"metrics", Json::array({{{"metric", "accuracy"}, {"errors", 3}, {"latest", {{"reason", huge}, {"query", huge}}}}})}})
          .value();
  const Json encoded = encodeStatus(s);
  const Json& progress = encoded["analysis"]["progress"];
  EXPECT_LE(progress["reason"].get<std::string>().size(), text_limits::kVerdictReason);
  EXPECT_LE(progress["metrics"][0]["latest"]["reason"].get<std::string>().size(), text_limits::kVerdictReason);
  EXPECT_LE(progress["metrics"][0]["latest"]["query"].get<std::string>().size(), text_limits::kQuery);
  EXPECT_EQ(progress["metrics"][0]["errors"], 3) << "counts are kept";
}

TEST(StatusBounds, AStatusWithinTheLimitsIsEncodedUnchanged) {
  ModelDeploymentStatus s;
  s.phase = "Progressing";
  s.message = "step 1/5: canary at 10%";
  Condition c;
  c.type = "Available";
  c.message = "4/4 replicas available";
  s.conditions.push_back(c);
  auto decoded = decodeStatus(encodeStatus(s));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded.value(), s);
}

}  // namespace
}  // namespace modelops::api
