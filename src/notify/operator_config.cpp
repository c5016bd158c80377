// Operator-wide notifications from a ConfigMap; see include/modelops/notify/operator_config.h.
#include "modelops/notify/operator_config.h"

#include <set>

#include "modelops/common/logging.h"
#include "modelops/notify/notifier.h"
#include "modelops/runtime/informer.h"
#include "modelops/yaml/yaml.h"

namespace modelops::notify {
namespace {

constexpr std::size_t kMaxConfigBytes = 256 * 1024;

// Unknown members of an entry and of its Secret references, as "path.field" (typos are silent otherwise).
void unknownFields(const api::NotificationSpec& n, const std::string& path, std::vector<std::string>& out) {
  for (auto it = n.extra.begin(); it != n.extra.end(); ++it) out.push_back(path + "." + it.key() + ": unknown field (ignored)");
  for (const auto& [ref, name] : {std::pair{&n.urlSecretRef, "urlSecretRef"}, std::pair{&n.tokenSecretRef, "tokenSecretRef"}}) {
    if (!*ref) continue;
    for (auto it = (*ref)->extra.begin(); it != (*ref)->extra.end(); ++it)
      out.push_back(path + "." + name + "." + it.key() + ": unknown field (ignored)");
  }
}

}  // namespace

OperatorNotifications parseOperatorNotifications(const nlohmann::json& configMap) {
  OperatorNotifications out;
  const auto data = configMap.is_object() ? configMap.value("data", nlohmann::json::object()) : nlohmann::json::object();
  if (!data.is_object() || !data.contains(kOperatorNotificationsKey)) {
    out.usable = true;
    return out;
  }
  const auto& text = data[kOperatorNotificationsKey];
  if (!text.is_string()) {
    out.problems.push_back(std::string("data.") + kOperatorNotificationsKey + ": must be a string");
    return out;
  }
  if (text.get_ref<const std::string&>().size() > kMaxConfigBytes) {
    out.problems.push_back(std::string("data.") + kOperatorNotificationsKey + ": larger than " +
                           std::to_string(kMaxConfigBytes) + " bytes");
    return out;
  }
  auto docs = yaml::loadYamlDocuments(text.get_ref<const std::string&>(), std::string("data.") + kOperatorNotificationsKey);
  if (!docs) {
    out.problems.push_back(docs.error().message);  // names the line and column
    return out;
  }
  if (docs->empty()) {
    out.usable = true;
    return out;
  }
  if (docs->size() != 1 || !(*docs)[0].is_array()) {
    out.problems.push_back(std::string("data.") + kOperatorNotificationsKey + ": must be one YAML list of notifications");
    return out;
  }
  out.usable = true;
  const auto& list = (*docs)[0];
  std::set<std::string> names;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string path = "notifications[" + std::to_string(i) + "]";
    api::FieldErrors errs;
    auto one = api::decodeNotificationList(nlohmann::json::array({list[i]}), "notifications", errs);
    for (auto& e : errs) {  // the one-element list's "[0]" is entry i
      if (e.field.rfind("notifications[0]", 0) == 0) e.field = path + e.field.substr(std::string("notifications[0]").size());
      out.problems.push_back(e.field + ": " + e.message + " (entry left out)");
    }
    if (!errs.empty() || one.size() != 1) continue;
    if (!names.insert(*one[0].name).second) {
      out.problems.push_back(path + ".name: duplicate notification name \"" + *one[0].name + "\" (entry left out)");
      continue;
    }
    unknownFields(one[0], path, out.problems);
    auto resolved = api::resolveNotifications(one);
    out.notifications.insert(out.notifications.end(), resolved.begin(), resolved.end());
  }
  return out;
}

Result<std::pair<std::string, std::string>> parseConfigMapRef(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == text.size() || text.find('/', slash + 1) != std::string::npos)
    return Error{"InvalidInput", "--notifications-configmap must be NAMESPACE/NAME, got \"" + text + "\""};
  return std::pair{text.substr(0, slash), text.substr(slash + 1)};
}

void watchOperatorNotifications(runtime::Informer& configMaps, Notifier& notifier, const std::string& ns,
                                const std::string& name) {
  auto ours = [ns, name](const nlohmann::json& cm) {
    const auto meta = cm.value("metadata", nlohmann::json::object());
    return meta.value("namespace", "") == ns && meta.value("name", "") == name;
  };
  auto load = [&notifier, ns, name](const nlohmann::json& cm) {
    const auto ref = objectRef(ns, name);
    auto parsed = parseOperatorNotifications(cm);
    for (const auto& p : parsed.problems) logWarn("operator-wide notifications: " + p, {{"configmap", ref}});
    if (!parsed.usable) {
      logError("operator-wide notifications unchanged: the ConfigMap's content cannot be read", {{"configmap", ref}});
      return;
    }
    logInfo("operator-wide notifications loaded", {{"configmap", ref}, {"count", parsed.notifications.size()}});
    notifier.setOperatorWide(std::move(parsed.notifications), ns);
  };
  runtime::EventHandler handler;
  handler.onAdd = [ours, load](const nlohmann::json& cm) {
    if (ours(cm)) load(cm);
  };
  handler.onUpdate = [ours, load](const nlohmann::json&, const nlohmann::json& cm) {
    if (ours(cm)) load(cm);
  };
  handler.onDelete = [ours, &notifier, ns, name](const nlohmann::json& cm) {
    if (!ours(cm)) return;
    logInfo("operator-wide notifications cleared: the ConfigMap was deleted", {{"configmap", objectRef(ns, name)}});
    notifier.setOperatorWide({}, ns);
  };
  configMaps.addHandler(std::move(handler));
}

}  // namespace modelops::notify
