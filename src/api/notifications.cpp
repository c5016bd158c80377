// spec.notifications: defaults, validation, the resolved form and the bare-list decoder; see
// include/modelops/api/notifications.h.
#include "modelops/api/notifications.h"

#include <algorithm>
#include <set>

#include "codec_fields.h"

namespace modelops::api {
namespace {

bool isLabel(const std::string& s) {
  if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

bool known(const std::string& event) {
  return std::any_of(std::begin(kNotificationEvents), std::end(kNotificationEvents),
                     [&](std::string_view e) { return e == event; });
}

void validateSecretRef(const std::optional<NotificationSecretRef>& ref, const std::string& path, bool required,
                       FieldErrors& errs) {
  if (!ref) {
    if (required) errs.push_back({path, "required"});
    return;
  }
  if (!ref->name || ref->name->empty()) {
    errs.push_back({path + ".name", "required"});
  } else if (ref->name->size() > 253) {
    errs.push_back({path + ".name", "must be at most 253 characters"});
  }
  if (ref->key && ref->key->empty()) errs.push_back({path + ".key", "must not be empty"});
}

std::string eventList() {
  std::string out;
  for (auto e : kNotificationEvents) out += (out.empty() ? "" : ", ") + std::string(e);
  return out;
}

}  // namespace

void defaultNotifications(std::vector<NotificationSpec>& list) {
  for (auto& n : list) {
    if (!n.format) n.format = defaults::kNotificationFormat;
    if (n.urlSecretRef && !n.urlSecretRef->key) n.urlSecretRef->key = defaults::kNotificationUrlKey;
    if (n.tokenSecretRef && !n.tokenSecretRef->key) n.tokenSecretRef->key = defaults::kNotificationTokenKey;
  }
}

std::vector<ResolvedNotification> resolveNotifications(const std::vector<NotificationSpec>& list) {
  std::vector<NotificationSpec> copy = list;
  defaultNotifications(copy);
  std::vector<ResolvedNotification> out;
  for (const auto& n : copy) {
    if (!n.name || !n.urlSecretRef || !n.urlSecretRef->name) continue;
    ResolvedNotification r;
    r.name = *n.name;
    r.events = n.events;
    r.format = *n.format;
    r.urlSecret = *n.urlSecretRef->name;
    r.urlKey = *n.urlSecretRef->key;
    if (n.tokenSecretRef && n.tokenSecretRef->name) r.tokenSecret = *n.tokenSecretRef->name;
    r.tokenKey = n.tokenSecretRef ? n.tokenSecretRef->key.value_or(defaults::kNotificationTokenKey)
                                  : std::string(defaults::kNotificationTokenKey);
    out.push_back(std::move(r));
  }
  return out;
}

void validateNotifications(const std::vector<NotificationSpec>& list, const std::string& path, FieldErrors& errs) {
  constexpr std::size_t kMaxNotifications = 16;
  if (list.size() > kMaxNotifications) {
    errs.push_back({path, "at most " + std::to_string(kMaxNotifications) + " notifications"});
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& n = list[i];
    const std::string p = path + "[" + std::to_string(i) + "]";
    if (!n.name || n.name->empty()) {
      errs.push_back({p + ".name", "required"});
    } else if (!isLabel(*n.name)) {
      errs.push_back({p + ".name", "must be a DNS-1123 label (lowercase letters, digits, '-'; at most 63)"});
    } else if (!names.insert(*n.name).second) {
      errs.push_back({p + ".name", "duplicate notification name \"" + *n.name + "\""});
    }
    if (n.events.empty()) errs.push_back({p + ".events", "must list at least one of " + eventList()});
    std::set<std::string> seen;
    for (std::size_t e = 0; e < n.events.size(); ++e) {
      const std::string ep = p + ".events[" + std::to_string(e) + "]";
      if (!known(n.events[e])) {
        errs.push_back({ep, "unknown event \"" + n.events[e].substr(0, 64) + "\" (one of " + eventList() + ")"});
      } else if (!seen.insert(n.events[e]).second) {
        errs.push_back({ep, "duplicate event \"" + n.events[e] + "\""});
      }
    }
    if (n.format && *n.format != kNotificationFormatSlack && *n.format != kNotificationFormatCloudEvents) {
      errs.push_back({p + ".format", "must be one of Slack, CloudEvents, got \"" + n.format->substr(0, 64) + "\""});
    }
    validateSecretRef(n.urlSecretRef, p + ".urlSecretRef", true, errs);
    validateSecretRef(n.tokenSecretRef, p + ".tokenSecretRef", false, errs);
  }
}

std::vector<NotificationSpec> decodeNotificationList(const nlohmann::json& list, const std::string& path,
                                                     FieldErrors& errors) {
  std::vector<NotificationSpec> out;
  if (!list.is_array()) {
    errors.push_back({path, "must be a list of notifications"});
    return out;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    out.push_back(detail::decodeObject<NotificationSpec>(list[i], path + "[" + std::to_string(i) + "]", errors));
  }
  validateNotifications(out, path, errors);
  return out;
}

}  // namespace modelops::api
