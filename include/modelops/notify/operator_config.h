// Operator-wide notifications: a ConfigMap (flag --notifications-configmap NAMESPACE/NAME) whose data key
// "notifications" holds a YAML (or JSON) list of the same shape as spec.notifications; the Secrets it names
// live in the ConfigMap's namespace. The ConfigMap is watched: a change applies at once, a deletion
// clears the list.
// Bad content never stops the operator nor the other entries:
//   - text that does not parse as YAML (the error names line and column), or that is not a list: the
//     previous list stays in force and the error is logged;
//   - an entry with errors (each naming its field, "notifications[1].format: ...") is left out and logged;
//     the valid entries apply. Unknown fields are logged as warnings (typos such as "event").
// Thread-safety: pure functions; the watch handler calls Notifier::setOperatorWide (thread-safe).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/api/notifications.h"
#include "modelops/common/result.h"

namespace modelops::runtime {
class Informer;
}

namespace modelops::notify {

class Notifier;

inline constexpr const char* kOperatorNotificationsKey = "notifications";

struct OperatorNotifications {
  bool usable = false;                                 // false: keep the previous list
  std::vector<api::ResolvedNotification> notifications;  // the valid entries
  std::vector<std::string> problems;                   // one line each, naming the line or field
};

// Reads data["notifications"] of a ConfigMap object. A ConfigMap without the key is usable and empty.
OperatorNotifications parseOperatorNotifications(const nlohmann::json& configMap);

// "namespace/name" of --notifications-configmap; errors name the flag.
Result<std::pair<std::string, std::string>> parseConfigMapRef(const std::string& text);

// Adds the handler that keeps `notifier`'s operator-wide list in step with the ConfigMap ns/name, to an
// informer of ConfigMaps in ns (add it before the informer starts).
void watchOperatorNotifications(runtime::Informer& configMaps, Notifier& notifier, const std::string& ns,
                                const std::string& name);

}  // namespace modelops::notify
