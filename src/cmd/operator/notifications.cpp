// The operator's notification wiring; see notifications.h.
#include "notifications.h"

#include <random>

#include "modelops/notify/operator_config.h"
#include "modelops/reconciler/measurer.h"
#include "modelops/runtime/manager.h"

namespace modelops::cmd {

OperatorNotifications makeOperatorNotifications(const OperatorOptions& options, runtime::MetricsRegistry& registry,
                                                const Clock& clock, Sleeper& sleeper, notify::SecretLookup secrets) {
  OperatorNotifications out;
  out.metrics = notify::makeNotificationMetrics(registry);
  notify::WebhookSenderOptions senderOptions;
  senderOptions.queueCapacity = static_cast<std::size_t>(options.notificationQueueLength);
  senderOptions.maxAttempts = static_cast<int>(options.notificationMaxAttempts);
  senderOptions.attemptTimeout = options.notificationAttemptTimeout;
  senderOptions.initialBackoff = options.notificationBackoff;
  // Jitter from a generator of the sender's own (called on its worker threads, one at a time per call).
  auto generator = std::make_shared<std::pair<std::mutex, std::mt19937_64>>();
  generator->second.seed(std::random_device{}());
  auto jitter = [generator] {
    std::lock_guard lock(generator->first);
    return std::uniform_real_distribution<double>(0.0, 1.0)(generator->second);
  };
  out.sender = std::make_unique<notify::WebhookSender>(senderOptions, notify::makeHttpTransport(), out.metrics.get(),
                                                       clock, sleeper, jitter);
  notify::NotifierOptions notifierOptions;
  notifierOptions.queueCapacity = static_cast<std::size_t>(options.notificationQueueLength);
  // The same rule as provider credentials: only opted-in Secrets are watched, so only those are usable.
  if (options.providerCredentialsRequireLabel) notifierOptions.requiredLabel = reconciler::kProviderCredentialsLabel;
  out.notifier = std::make_unique<notify::Notifier>(*out.sender, std::move(secrets), notifierOptions, out.metrics.get());
  return out;
}

void watchNotificationsConfigMap(const OperatorOptions& options, runtime::Manager& manager, notify::Notifier& notifier) {
  if (options.notificationsConfigMap.empty()) return;
  auto ref = notify::parseConfigMapRef(options.notificationsConfigMap);
  if (!ref) return;  // parseOperatorOptions has rejected it already
  runtime::InformerOptions informerOptions;
  informerOptions.ns = ref->first;
  auto& configMaps = manager.watchCache(kube::resources::configMaps(), informerOptions);
  notify::watchOperatorNotifications(configMaps, notifier, ref->first, ref->second);
}

}  // namespace modelops::cmd
