// spec.notifications: webhooks told about a ModelDeployment's rollout events, and the same shape for the
// operator-wide list in a ConfigMap (--notifications-configmap). Types, defaults, validation, the resolved
// form the notifier acts on, and the decoder of a bare list (the ConfigMap's). Kept apart from
// model_deployment_spec.h; ModelDeploymentSpec holds `std::vector<NotificationSpec> notifications`.
// The URL and the token live in Secrets (never in the spec): only their names and keys are here.
// Thread-safety: plain value types and pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/api/field_error.h"

namespace modelops::api {

// The events a notification may ask for (notify/notification.h maps planner Events to them).
inline constexpr std::string_view kNotificationEvents[] = {"RolloutStarted", "AnalysisFailed",    "RolledBack",
                                                           "Promoted",       "Degraded",          "RetrainingStarted",
                                                           "RetrainingFinished"};
inline constexpr std::string_view kNotificationFormatSlack = "Slack";
inline constexpr std::string_view kNotificationFormatCloudEvents = "CloudEvents";

namespace defaults {
inline constexpr const char* kNotificationFormat = "CloudEvents";
inline constexpr const char* kNotificationUrlKey = "url";
inline constexpr const char* kNotificationTokenKey = "token";
}  // namespace defaults

// A key of a Secret (the ModelDeployment's namespace; for the operator-wide list, the ConfigMap's).
struct NotificationSecretRef {
  std::optional<std::string> name;  // required
  std::optional<std::string> key;   // defaulted: "url" (urlSecretRef) / "token" (tokenSecretRef)
  nlohmann::json extra = nlohmann::json::object();
  bool operator==(const NotificationSecretRef&) const = default;
};

struct NotificationSpec {
  std::optional<std::string> name;     // required, unique in its list, a DNS label (in logs and metrics)
  std::vector<std::string> events;     // at least one of kNotificationEvents, no repeats
  std::optional<std::string> format;   // Slack | CloudEvents; defaulted: CloudEvents
  std::optional<NotificationSecretRef> urlSecretRef;    // required: the webhook URL (http or https)
  std::optional<NotificationSecretRef> tokenSecretRef;  // optional: sent as "Authorization: Bearer <token>"
  nlohmann::json extra = nlohmann::json::object();
  bool operator==(const NotificationSpec&) const = default;
};

// What the notifier acts on: every default applied.
struct ResolvedNotification {
  std::string name;
  std::vector<std::string> events;
  std::string format;
  std::string urlSecret, urlKey;
  std::optional<std::string> tokenSecret;
  std::string tokenKey;
  bool operator==(const ResolvedNotification&) const = default;
};

void defaultNotifications(std::vector<NotificationSpec>& list);
// The resolved list (defaults applied to a copy). Entries without a name or URL Secret (invalid) are left out.
std::vector<ResolvedNotification> resolveNotifications(const std::vector<NotificationSpec>& list);
// Errors name the field under `path` ("spec.notifications[1].events[0]").
void validateNotifications(const std::vector<NotificationSpec>& list, const std::string& path, FieldErrors& errors);

// A JSON array of notifications (the operator-wide ConfigMap's list), decoded and validated, errors under
// `path`; a value that is not an array is one error on `path`.
std::vector<NotificationSpec> decodeNotificationList(const nlohmann::json& list, const std::string& path,
                                                     FieldErrors& errors);

}  // namespace modelops::api
