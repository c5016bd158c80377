#include "modelops/gateway/feedback/gateway_metrics.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace modelops::gateway {
namespace {

// The families docs/metrics.md documents, all present after one use of every method.
TEST(GatewayMetrics, EveryDocumentedFamilyWithItsLabels) {
  GatewayMetrics m;
  const VersionLabels v{"shop", "digits", "v2", "abc"};
  const VersionLabels canary{"shop", "digits", "v3", "def"};
  m.predicted(v, "eu", "8", 0.9);
  m.labeled(v, "eu", "8", true);
  m.regressionLabeled(v, "eu", 1.5);
  m.labelDelay("shop", "digits", 12);
  m.feedbackRejected("forged");
  m.dedupeFallback();
  m.observeRequest(v, 0.002);
  m.upstreamError(v, 503);
  m.upstreamError(v, 0);
  m.unstamped(v, "no_key");
  m.shadowCompared(v, canary, true);
  m.shadowCompared(v, canary, false);
  const std::string text = m.render();
  const std::vector<std::string> expected = {
      R"(modelops_predictions_total{class="8",model="digits",namespace="shop",revision="abc",segment="eu",version="v2"} 1)",
      R"(modelops_prediction_probability_sum{class="8",model="digits",namespace="shop",revision="abc",segment="eu",version="v2"} 0.9)",
      R"(modelops_prediction_probability_count{class="8",model="digits",namespace="shop",revision="abc",segment="eu",version="v2"} 1)",
      R"(modelops_feedback_labeled_total{class="8",model="digits",namespace="shop",revision="abc",segment="eu",version="v2"} 1)",
      R"(modelops_feedback_correct_total{class="8",model="digits",namespace="shop",revision="abc",segment="eu",version="v2"} 1)",
      R"(modelops_feedback_abs_error_sum{model="digits",namespace="shop",revision="abc",segment="eu",version="v2"} 1.5)",
      R"(modelops_feedback_abs_error_count{model="digits",namespace="shop",revision="abc",segment="eu",version="v2"} 1)",
      R"(modelops_feedback_label_delay_seconds_count{model="digits",namespace="shop"} 1)",
      R"(modelops_feedback_rejected_total{reason="forged"} 1)",
      R"(modelops_feedback_rejected_total{reason="malformed"} 0)",
      R"(modelops_feedback_dedupe_fallback_total 1)",
      R"(modelops_gateway_request_duration_seconds_bucket{model="digits",namespace="shop",revision="abc",version="v2",le="0.0025"} 1)",
      R"(modelops_gateway_upstream_errors_total{code="503",model="digits",namespace="shop",revision="abc",version="v2"} 1)",
      R"(modelops_gateway_upstream_errors_total{code="0",model="digits",namespace="shop",revision="abc",version="v2"} 1)",
      R"(modelops_gateway_unstamped_total{model="digits",namespace="shop",reason="no_key",revision="abc",version="v2"} 1)",
      R"(modelops_shadow_compared_total{model="digits",namespace="shop",primary_version="v2",revision="def",version="v3"} 2)",
      R"(modelops_shadow_agreed_total{model="digits",namespace="shop",primary_version="v2",revision="def",version="v3"} 1)",
      R"(modelops_gateway_series_dropped_total 0)",
  };
  for (const auto& line : expected) EXPECT_NE(text.find(line + "\n"), std::string::npos) << line << "\n" << text;
}

TEST(GatewayMetrics, SeriesPerFamilyAreCappedAndLabelsBounded) {
  GatewayMetrics m(3);
  const VersionLabels v{"shop", "digits", "v2", "abc"};
  for (int i = 0; i < 10; ++i) m.labeled(v, "", "class" + std::to_string(i), false);
  m.labeled(v, "", std::string(1000, 'x'), false);
  const std::string text = m.render();
  std::set<std::string> classes;
  const std::regex series(R"re(modelops_feedback_labeled_total\{class="([^"]*)")re");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), series); it != std::sregex_iterator(); ++it) {
    classes.insert((*it)[1]);
  }
  EXPECT_EQ(classes.size(), 3u) << text;
  // labeled and correct both look up a series: 7 + 1 label sets beyond the cap, twice.
  EXPECT_NE(text.find("modelops_gateway_series_dropped_total 16\n"), std::string::npos) << text;
  GatewayMetrics wide;
  wide.labeled(v, "", std::string(1000, 'x'), false);
  EXPECT_NE(wide.render().find("class=\"" + std::string(128, 'x') + "\""), std::string::npos);
  EXPECT_EQ(wide.render().find(std::string(129, 'x')), std::string::npos);
}

TEST(GatewayMetrics, LabelValuesAreValidUtf8CutAtACharacter) {
  GatewayMetrics m;
  const VersionLabels v{"shop", "digits", "v2", "abc"};
  m.predicted(v, "caf\xe9-latin1", "\xc3\xa9t\xc3", std::nullopt);  // Latin-1 segment; a class cut mid-character
  m.predicted(v, std::string(127, 'a') + "\xc3\xa9", "x", std::nullopt);  // 129 bytes: the last character goes whole
  const std::string text = m.render();
  EXPECT_NE(text.find("class=\"\xc3\xa9t?\""), std::string::npos) << text;
  EXPECT_NE(text.find(R"(segment="caf?-latin1")"), std::string::npos) << text;
  EXPECT_NE(text.find("segment=\"" + std::string(127, 'a') + "\""), std::string::npos) << text;
}

}  // namespace
}  // namespace modelops::gateway
