// spec.notifications (api/notifications.h): decoding through the spec codec, defaults, resolution,
// validation with field paths, the ConfigMap list decoder, and agreement with notify's event names.
#include <gtest/gtest.h>

#include "modelops/api/codec.h"
#include "modelops/api/defaults.h"
#include "modelops/api/notifications.h"
#include "modelops/api/validation.h"
#include "modelops/notify/notification.h"

namespace modelops::api {
namespace {

using nlohmann::json;

bool hasError(const FieldErrors& errs, const std::string& field, const std::string& fragment) {
  for (const auto& e : errs)
    if (e.field == field && e.message.find(fragment) != std::string::npos) return true;
  return false;
}

TEST(NotificationSpec, DecodesDefaultsAndResolves) {
  const json spec = {{"model", {{"version", "v1"}}},
                     {"notifications", json::array({{{"name", "team-slack"},
                                                     {"events", {"Promoted", "RolledBack"}},
                                                     {"format", "Slack"},
                                                     {"urlSecretRef", {{"name", "slack-hook"}}}},
                                                    {{"name", "audit"},
                                                     {"events", {"Degraded"}},
                                                     {"urlSecretRef", {{"name", "audit"}, {"key", "endpoint"}}},
                                                     {"tokenSecretRef", {{"name", "audit"}}}}})}};
  auto decoded = decodeSpec(spec);
  ASSERT_TRUE(decoded.ok()) << formatFieldErrors(decoded.error());
  ASSERT_EQ(decoded->notifications.size(), 2u);
  const auto resolved = resolve(*decoded).notifications;
  ASSERT_EQ(resolved.size(), 2u);
  EXPECT_EQ(resolved[0].format, "Slack");
  EXPECT_EQ(resolved[0].urlKey, "url");
  EXPECT_FALSE(resolved[0].tokenSecret.has_value());
  EXPECT_EQ(resolved[1].format, "CloudEvents");
  EXPECT_EQ(resolved[1].urlKey, "endpoint");
  EXPECT_EQ(resolved[1].tokenSecret, "audit");
  EXPECT_EQ(resolved[1].tokenKey, "token");
  // The encoded spec round-trips the list (the spec is never rewritten by the operator).
  EXPECT_EQ(encodeSpec(*decoded)["notifications"][1]["urlSecretRef"]["key"], "endpoint");
}

TEST(NotificationSpec, ValidationNamesEachBadField) {
  std::vector<NotificationSpec> list(3);
  list[0].name = "Bad_Name";
  list[0].events = {"Promoted", "Promoted", "Exploded"};
  list[0].format = "Teams";
  list[1].name = "dup";
  list[1].urlSecretRef = NotificationSecretRef{std::string("s"), std::string(""), json::object()};
  list[2].name = "dup";
  list[2].events = {"Degraded"};
  list[2].urlSecretRef = NotificationSecretRef{};
  list[2].tokenSecretRef = NotificationSecretRef{};
  FieldErrors errs;
  validateNotifications(list, "spec.notifications", errs);
  EXPECT_TRUE(hasError(errs, "spec.notifications[0].name", "DNS-1123"));
  EXPECT_TRUE(hasError(errs, "spec.notifications[0].events[1]", "duplicate"));
  EXPECT_TRUE(hasError(errs, "spec.notifications[0].events[2]", "unknown event \"Exploded\""));
  EXPECT_TRUE(hasError(errs, "spec.notifications[0].format", "Slack, CloudEvents"));
  EXPECT_TRUE(hasError(errs, "spec.notifications[0].urlSecretRef", "required"));
  EXPECT_TRUE(hasError(errs, "spec.notifications[1].events", "at least one"));
  EXPECT_TRUE(hasError(errs, "spec.notifications[1].urlSecretRef.key", "must not be empty"));
  EXPECT_TRUE(hasError(errs, "spec.notifications[2].name", "duplicate"));
  EXPECT_TRUE(hasError(errs, "spec.notifications[2].urlSecretRef.name", "required"));
  EXPECT_TRUE(hasError(errs, "spec.notifications[2].tokenSecretRef.name", "required"));
}

TEST(NotificationSpec, AValidListHasNoErrorsAndTheConfigMapDecoderReportsPaths) {
  FieldErrors errs;
  auto good = decodeNotificationList(
      json::array({{{"name", "ops"}, {"events", {"RolledBack"}}, {"urlSecretRef", {{"name", "hook"}}}}}), "notifications",
      errs);
  EXPECT_TRUE(errs.empty()) << formatFieldErrors(errs);
  ASSERT_EQ(good.size(), 1u);
  errs.clear();
  (void)decodeNotificationList(json::array({{{"name", "ops"}, {"events", "RolledBack"}}}), "notifications", errs);
  EXPECT_FALSE(errs.empty());
  EXPECT_EQ(errs[0].field.rfind("notifications[0]", 0), 0u) << formatFieldErrors(errs);
  errs.clear();
  (void)decodeNotificationList(json{{"name", "x"}}, "notifications", errs);
  EXPECT_TRUE(hasError(errs, "notifications", "list"));
}

TEST(NotificationSpec, EventNamesAgreeWithTheNotifier) {
  for (auto name : kNotificationEvents) EXPECT_TRUE(notify::parseNotificationEvent(name).has_value()) << name;
  EXPECT_EQ(std::size(kNotificationEvents), notify::allNotificationEvents().size());
}

}  // namespace
}  // namespace modelops::api
