// unit.kube: secretDataValue, the one reader of a Secret's data used by provider credentials, notifications
// and retraining webhooks.
#include <gtest/gtest.h>

#include "modelops/kube/secret_data.h"

namespace {

using modelops::kube::secretDataValue;
using nlohmann::json;

json secretWith(json data, json labels = json::object()) {
  return {{"metadata", {{"name", "s"}, {"labels", std::move(labels)}}}, {"data", std::move(data)}};
}

TEST(SecretDataValue, DecodesTheKey) {
  EXPECT_EQ(secretDataValue(secretWith({{"token", "c2VjcmV0"}}), "token"), "secret");
  EXPECT_FALSE(secretDataValue(secretWith({{"token", "c2VjcmV0"}}), "other"));
  EXPECT_FALSE(secretDataValue(secretWith({{"token", "not base64!"}}), "token"));
  EXPECT_FALSE(secretDataValue(secretWith({{"token", 5}}), "token"));
  EXPECT_FALSE(secretDataValue(json(nullptr), "token"));
  EXPECT_FALSE(secretDataValue(json{{"metadata", json::object()}}, "token"));
}

TEST(SecretDataValue, RequiredLabelMustBeTrue) {
  const auto labelled = secretWith({{"token", "c2VjcmV0"}}, {{"opt-in", "true"}});
  EXPECT_EQ(secretDataValue(labelled, "token", {.requiredLabel = "opt-in"}), "secret");
  EXPECT_FALSE(secretDataValue(secretWith({{"token", "c2VjcmV0"}}, {{"opt-in", "yes"}}), "token", {.requiredLabel = "opt-in"}));
  EXPECT_FALSE(secretDataValue(secretWith({{"token", "c2VjcmV0"}}), "token", {.requiredLabel = "opt-in"}));
  EXPECT_FALSE(secretDataValue(secretWith({{"token", "c2VjcmV0"}}, {{"opt-in", true}}), "token", {.requiredLabel = "opt-in"}));
}

TEST(SecretDataValue, TrailingNewlinesOnlyWhenAsked) {
  const auto fromFile = secretWith({{"url", "aHR0cDovL3gK"}});  // "http://x\n"
  EXPECT_EQ(secretDataValue(fromFile, "url"), "http://x\n");
  EXPECT_EQ(secretDataValue(fromFile, "url", {.requiredLabel = {}, .trimTrailingNewlines = true}), "http://x");
  EXPECT_FALSE(secretDataValue(secretWith({{"url", "DQo="}}), "url", {.requiredLabel = {}, .trimTrailingNewlines = true}));  // "\r\n"
}

}  // namespace
