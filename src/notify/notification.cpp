// Notification events, their mapping from planner Events, and the Slack and CloudEvents bodies; see
// include/modelops/notify/notification.h.
#include "modelops/notify/notification.h"

#include <array>
#include <utility>

namespace modelops::notify {
namespace {

constexpr std::array<std::pair<NotificationEvent, std::string_view>, 7> kEventNames{{
    {NotificationEvent::RolloutStarted, "RolloutStarted"},
    {NotificationEvent::AnalysisFailed, "AnalysisFailed"},
    {NotificationEvent::RolledBack, "RolledBack"},
    {NotificationEvent::Promoted, "Promoted"},
    {NotificationEvent::Degraded, "Degraded"},
    {NotificationEvent::RetrainingStarted, "RetrainingStarted"},
    {NotificationEvent::RetrainingFinished, "RetrainingFinished"},
}};

// Planner Event reasons -> notification events (documented in docs/operations.md, "Notifications").
constexpr std::array<std::pair<std::string_view, NotificationEvent>, 13> kReasonMap{{
    {"RolloutStarted", NotificationEvent::RolloutStarted},
    {"AbTestStarted", NotificationEvent::RolloutStarted},
    {"AnalysisFailed", NotificationEvent::AnalysisFailed},
    {"ProgressDeadlineExceeded", NotificationEvent::AnalysisFailed},
    {"RolledBack", NotificationEvent::RolledBack},
    {"RolledBackToLastGood", NotificationEvent::RolledBack},
    {"VariantRolledBack", NotificationEvent::RolledBack},
    {"Promoted", NotificationEvent::Promoted},
    {"Degraded", NotificationEvent::Degraded},
    {"RetrainingStarted", NotificationEvent::RetrainingStarted},
    {"RetrainingFinished", NotificationEvent::RetrainingFinished},
    {"RetrainingSucceeded", NotificationEvent::RetrainingFinished},
    {"RetrainingFailed", NotificationEvent::RetrainingFinished},
}};

constexpr std::size_t kSlackSectionLimit = 2900;  // Slack allows 3000 characters in a section's text
constexpr std::size_t kSlackHeaderLimit = 150;    // and 150 in a header

// Cuts at a UTF-8 boundary and marks the cut.
std::string bounded(const std::string& text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "…";
}

// Slack's mrkdwn treats &, < and > as control characters (links, mentions): escape user text.
std::string slackEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string headline(const Notification& n) {
  return std::string(notificationEventName(n.event)) + ": " + n.ns + "/" + n.name;
}

}  // namespace

const std::vector<NotificationEvent>& allNotificationEvents() {
  static const std::vector<NotificationEvent> all = [] {
    std::vector<NotificationEvent> v;
    for (const auto& [event, name] : kEventNames) v.push_back(event);
    return v;
  }();
  return all;
}

std::string_view notificationEventName(NotificationEvent event) {
  for (const auto& [e, name] : kEventNames) {
    if (e == event) return name;
  }
  return "Unknown";
}

std::optional<NotificationEvent> parseNotificationEvent(std::string_view name) {
  for (const auto& [e, n] : kEventNames) {
    if (n == name) return e;
  }
  return std::nullopt;
}

std::optional<NotificationEvent> notificationEventFor(EventType /*type*/, std::string_view reason) {
  for (const auto& [r, e] : kReasonMap) {
    if (r == reason) return e;
  }
  return std::nullopt;
}

std::string_view notificationFormatName(NotificationFormat format) {
  return format == NotificationFormat::Slack ? "Slack" : "CloudEvents";
}

std::optional<NotificationFormat> parseNotificationFormat(std::string_view name) {
  if (name == "Slack") return NotificationFormat::Slack;
  if (name == "CloudEvents") return NotificationFormat::CloudEvents;
  return std::nullopt;
}

std::string Notification::id() const {
  return uid + "/" + reason + "/" + std::to_string(generation) + "/" + time;
}

nlohmann::json slackBody(const Notification& n) {
  const std::string emoji = n.type == EventType::Warning ? ":warning: " : ":information_source: ";
  const std::string head = bounded(headline(n), kSlackHeaderLimit);
  const std::string message = bounded(slackEscape(n.message), kSlackSectionLimit);
  nlohmann::json blocks = nlohmann::json::array();
  blocks.push_back({{"type", "header"}, {"text", {{"type", "plain_text"}, {"text", head}}}});
  blocks.push_back({{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", message.empty() ? "-" : message}}}});
  const std::string context = "*" + slackEscape(n.ns + "/" + n.name) + "* · reason `" + slackEscape(n.reason) +
                              "` · version `" + slackEscape(n.version) +
                              "` · generation " + std::to_string(n.generation) + " · " + n.time;
  blocks.push_back({{"type", "context"},
                    {"elements", nlohmann::json::array({{{"type", "mrkdwn"}, {"text", bounded(context, kSlackSectionLimit)}}})}});
  // text: the fallback shown in notifications and by receivers that ignore blocks.
  return {{"text", bounded(emoji + slackEscape(headline(n)) + ": " + slackEscape(n.message), kSlackSectionLimit)},
          {"blocks", blocks}};
}

CloudEvent cloudEventFor(const Notification& n) {
  CloudEvent e;
  e.id = n.id();
  e.source = "/apis/modelops.dev/v1alpha1/namespaces/" + n.ns + "/modeldeployments/" + n.name;
  e.type = "dev.modelops.notification." + std::string(notificationEventName(n.event));
  e.subject = n.ns + "/" + n.name;
  e.time = n.time;
  e.data = {{"namespace", n.ns},         {"name", n.name},
            {"uid", n.uid},              {"generation", n.generation},
            {"version", n.version},
            {"event", notificationEventName(n.event)},
            {"reason", n.reason},        {"type", eventTypeName(n.type)},
            {"message", n.message}};
  return e;
}

RenderedBody render(const Notification& n, NotificationFormat format) {
  // replace: a message with invalid UTF-8 is still sent (dump would throw).
  constexpr auto kReplace = nlohmann::json::error_handler_t::replace;
  if (format == NotificationFormat::Slack) return {slackBody(n).dump(-1, ' ', false, kReplace), "application/json"};
  return {toStructuredJson(cloudEventFor(n)).dump(-1, ' ', false, kReplace), kCloudEventContentType};
}

}  // namespace modelops::notify
