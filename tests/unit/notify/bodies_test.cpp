// Notification bodies (Slack, CloudEvents 1.0), the reason mapping and URL redaction.
#include <gtest/gtest.h>

#include "modelops/notify/cloudevent.h"
#include "modelops/notify/notification.h"
#include "modelops/notify/webhook_sender.h"

namespace modelops::notify {
namespace {

Notification sample() {
  Notification n;
  n.event = NotificationEvent::RolledBack;
  n.ns = "ml";
  n.name = "fraud";
  n.uid = "1234-abcd";
  n.generation = 7;
  n.reason = "RolledBack";
  n.message = "canary v2 failed: accuracy 0.81 < 0.90 <@here> & more";
  n.type = EventType::Warning;
  n.time = "2026-11-25T10:00:00Z";
  return n;
}

TEST(CloudEventBody, StructuredModeHasTheRequiredAttributes) {
  CloudEvent e{"id-1", "/apis/x", "dev.modelops.test", "ml/fraud", "2026-11-25T10:00:00Z", {{"k", 1}}};
  const auto j = toStructuredJson(e);
  EXPECT_EQ(j["specversion"], "1.0");
  EXPECT_EQ(j["id"], "id-1");
  EXPECT_EQ(j["source"], "/apis/x");
  EXPECT_EQ(j["type"], "dev.modelops.test");
  EXPECT_EQ(j["datacontenttype"], "application/json");
  EXPECT_EQ(j["subject"], "ml/fraud");
  EXPECT_EQ(j["time"], "2026-11-25T10:00:00Z");
  EXPECT_EQ(j["data"]["k"], 1);
  // Optional attributes are left out when empty (an empty "time" is not a valid timestamp).
  const auto bare = toStructuredJson(CloudEvent{"id", "/s", "t", "", "", nullptr});
  EXPECT_FALSE(bare.contains("subject"));
  EXPECT_FALSE(bare.contains("time"));
}

TEST(CloudEventBody, NotificationCarriesObjectEventAndAnIdStableForTheSameEvent) {
  const auto n = sample();
  const auto e = cloudEventFor(n);
  EXPECT_EQ(e.type, "dev.modelops.notification.RolledBack");
  EXPECT_EQ(e.source, "/apis/modelops.dev/v1alpha1/namespaces/ml/modeldeployments/fraud");
  EXPECT_EQ(e.subject, "ml/fraud");
  EXPECT_EQ(e.data["generation"], 7);
  EXPECT_EQ(e.data["type"], "Warning");
  EXPECT_EQ(e.id, cloudEventFor(sample()).id);
  auto later = sample();
  later.time = "2026-11-25T10:05:00Z";
  EXPECT_NE(e.id, cloudEventFor(later).id);  // the same reason again later is a new event
  const auto rendered = render(n, NotificationFormat::CloudEvents);
  EXPECT_EQ(rendered.contentType, kCloudEventContentType);
  EXPECT_EQ(nlohmann::json::parse(rendered.body)["id"], e.id);
}

TEST(SlackBody, HasTextAndBlocksWithEscapedBoundedText) {
  auto n = sample();
  const auto j = slackBody(n);
  ASSERT_TRUE(j["text"].is_string());
  ASSERT_TRUE(j["blocks"].is_array());
  ASSERT_EQ(j["blocks"].size(), 3u);
  EXPECT_EQ(j["blocks"][0]["type"], "header");
  EXPECT_EQ(j["blocks"][0]["text"]["text"], "RolledBack: ml/fraud");
  const std::string section = j["blocks"][1]["text"]["text"];
  EXPECT_NE(section.find("&lt;@here&gt; &amp; more"), std::string::npos);  // no mention or link injection
  EXPECT_EQ(section.find("<@here>"), std::string::npos);
  n.message = std::string(10000, 'x');
  const auto big = slackBody(n);
  EXPECT_LE(big["blocks"][1]["text"]["text"].get<std::string>().size(), 3000u);
  EXPECT_LE(big["text"].get<std::string>().size(), 3000u);
  // Invalid UTF-8 in a message is replaced, not thrown on.
  n.message = "bad \xff byte";
  EXPECT_NO_THROW((void)render(n, NotificationFormat::Slack));
}

TEST(NotificationMapping, PlannerReasonsMapToTheDocumentedEvents) {
  using E = NotificationEvent;
  const std::vector<std::pair<std::string, E>> expected = {
      {"RolloutStarted", E::RolloutStarted}, {"AbTestStarted", E::RolloutStarted},
      {"AnalysisFailed", E::AnalysisFailed}, {"ProgressDeadlineExceeded", E::AnalysisFailed},
      {"RolledBack", E::RolledBack},         {"RolledBackToLastGood", E::RolledBack},
      {"VariantRolledBack", E::RolledBack},  {"Promoted", E::Promoted},
      {"Degraded", E::Degraded},             {"RetrainingStarted", E::RetrainingStarted},
      {"RetrainingSucceeded", E::RetrainingFinished}, {"RetrainingFailed", E::RetrainingFinished}};
  for (const auto& [reason, event] : expected) {
    auto got = notificationEventFor(EventType::Normal, reason);
    ASSERT_TRUE(got.has_value()) << reason;
    EXPECT_EQ(*got, event) << reason;
  }
  EXPECT_FALSE(notificationEventFor(EventType::Normal, "WeightChanged").has_value());
  for (auto e : allNotificationEvents()) EXPECT_EQ(parseNotificationEvent(notificationEventName(e)), e);
  EXPECT_FALSE(parseNotificationEvent("promoted").has_value());
  EXPECT_EQ(parseNotificationFormat("Slack"), NotificationFormat::Slack);
  EXPECT_FALSE(parseNotificationFormat("slack").has_value());
}

TEST(Redaction, OnlySchemeAndHostReachALog) {
  EXPECT_EQ(redactedUrl("https://hooks.slack.com/services/T000/B000/XXXXSECRET"), "https://hooks.slack.com");
  EXPECT_EQ(redactedUrl("http://127.0.0.1:8080/hook?token=abc#frag"), "http://127.0.0.1:8080");
  EXPECT_EQ(redactedUrl("https://user:pass@example.com/x"), "https://example.com");
  EXPECT_EQ(redactedUrl("http://[::1]:9/x"), "http://[::1]:9");
  EXPECT_EQ(redactedUrl("ftp://example.com/x"), "<invalid url>");
  EXPECT_EQ(redactedUrl("not a url"), "<invalid url>");
  EXPECT_EQ(redactedUrl("https:///path-only"), "<invalid url>");
}

}  // namespace
}  // namespace modelops::notify
