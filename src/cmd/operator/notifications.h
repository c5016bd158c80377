// The operator's notification parts, built from the flags: the webhook sender (also for retraining's
// webhook action), its metrics and the Notifier the reconciler hands its Events to. Wiring only.
// Thread-safety: built and destroyed on the main thread; the parts themselves are thread-safe.
#pragma once

#include <memory>

#include "modelops/common/clock.h"
#include "modelops/common/sleeper.h"
#include "modelops/notify/notifier.h"
#include "modelops/notify/webhook_sender.h"
#include "options.h"

namespace modelops::runtime {
class Manager;
class MetricsRegistry;
}  // namespace modelops::runtime

namespace modelops::cmd {

struct OperatorNotifications {
  std::unique_ptr<notify::NotificationMetrics> metrics;
  std::unique_ptr<notify::WebhookSender> sender;
  std::unique_ptr<notify::Notifier> notifier;
};

OperatorNotifications makeOperatorNotifications(const OperatorOptions& options, runtime::MetricsRegistry& registry,
                                                const Clock& clock, Sleeper& sleeper, notify::SecretLookup secrets);

// With --notifications-configmap: watches that ConfigMap (a cache informer of ConfigMaps in its namespace).
void watchNotificationsConfigMap(const OperatorOptions& options, runtime::Manager& manager, notify::Notifier& notifier);

}  // namespace modelops::cmd
