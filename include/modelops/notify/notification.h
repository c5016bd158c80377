// Notification: one thing that happened to a ModelDeployment that people asked to be told about, and
// its two wire bodies: a Slack-compatible message ({"text", "blocks"}, also accepted by Mattermost,
// Rocket.Chat and Teams' Slack-compatible incoming webhooks) and a CloudEvent (cloudevent.h).
// The notification events and how the planner's Event reasons map to them are in docs/operations.md
// ("Notifications"); notificationEventFor() is that mapping.
// Thread-safety: plain data and pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/common/event_type.h"
#include "modelops/notify/cloudevent.h"

namespace modelops::notify {

enum class NotificationEvent {
  RolloutStarted,
  AnalysisFailed,
  RolledBack,
  Promoted,
  Degraded,
  RetrainingStarted,
  RetrainingFinished,
};

// Every event, in the order above.
const std::vector<NotificationEvent>& allNotificationEvents();
std::string_view notificationEventName(NotificationEvent event);
std::optional<NotificationEvent> parseNotificationEvent(std::string_view name);

// The notification event a planner Event (type, reason) stands for, if any. Reasons not listed in
// docs/operations.md are not notified.
std::optional<NotificationEvent> notificationEventFor(EventType type, std::string_view reason);

enum class NotificationFormat { Slack, CloudEvents };
std::string_view notificationFormatName(NotificationFormat format);
std::optional<NotificationFormat> parseNotificationFormat(std::string_view name);

struct Notification {
  NotificationEvent event = NotificationEvent::RolloutStarted;
  std::string ns, name, uid;
  std::int64_t generation = 0;
  std::string version;  // spec.model.version when the event was decided
  std::string reason;   // the Event's reason (e.g. "CanaryFailed" for AnalysisFailed)
  std::string message;  // the Event's message
  EventType type = EventType::Normal;
  std::string time;     // RFC 3339, when the reconcile decided it
  // Unique per event: uid, reason, generation and time; the CloudEvent id and the delivery id.
  std::string id() const;
};

// {"text": "...", "blocks": [header, section with the message, context with object/reason/generation]}.
// Text fields are bounded (Slack's limits: 3000 characters per section); user text is escaped for Slack's
// mrkdwn (&, <, >).
nlohmann::json slackBody(const Notification& n);

// The CloudEvent of a notification: type "dev.modelops.notification.<Event>", source the object's API
// path, subject "<namespace>/<name>", data {namespace, name, uid, generation, event, reason, type, message}.
CloudEvent cloudEventFor(const Notification& n);

// The body and Content-Type for a format.
struct RenderedBody {
  std::string body;
  std::string contentType;
};
RenderedBody render(const Notification& n, NotificationFormat format);

}  // namespace modelops::notify
