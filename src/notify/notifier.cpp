// Notifier: planner Events -> notification deliveries; see include/modelops/notify/notifier.h.
#include "modelops/kube/secret_data.h"
#include "modelops/notify/notifier.h"

#include <algorithm>

#include "modelops/common/logging.h"
#include "modelops/common/time.h"
#include "modelops/kube/config.h"

namespace modelops::notify {

bool wants(const api::ResolvedNotification& n, NotificationEvent event) {
  const auto name = notificationEventName(event);
  return std::find(n.events.begin(), n.events.end(), name) != n.events.end();
}

Notifier::Notifier(WebhookSender& sender, SecretLookup secrets, NotifierOptions options, NotificationMetrics* metrics)
    : sender_(sender), secrets_(std::move(secrets)), options_(std::move(options)), metrics_(metrics) {
  thread_ = std::thread([this] { loop(); });
}

Notifier::~Notifier() { stop(); }

void Notifier::stop() {
  std::lock_guard stopLock(stopMu_);  // one stop() joins; a concurrent one waits for it
  std::size_t dropped = 0;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    dropped = queue_.size();
    queue_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  drainedCv_.notify_all();
  if (metrics_) {
    for (std::size_t i = 0; i < dropped; ++i) metrics_->outcome("failed");
  }
}

void Notifier::eventRecorded(const api::ModelDeployment& md, EventType type, const std::string& reason,
                             const std::string& message, Clock::WallTime at) {
  const auto event = notificationEventFor(type, reason);
  if (!event) return;
  Pending p;
  for (const auto& n : api::resolveNotifications(md.spec.notifications))
    if (wants(n, *event)) p.own.push_back(n);
  {
    std::lock_guard lock(mu_);
    const bool operatorWanted = std::any_of(operatorWide_->notifications.begin(), operatorWide_->notifications.end(),
                                            [&](const auto& n) { return wants(n, *event); });
    if (p.own.empty() && !operatorWanted) return;
  }
  p.notification.event = *event;
  p.notification.ns = md.namespace_();
  p.notification.name = md.name();
  p.notification.uid = md.uid();
  p.notification.generation = md.generation();
  p.notification.version = md.spec.model.version.value_or("");
  p.notification.reason = reason;
  p.notification.message = message;
  p.notification.type = type;
  p.notification.time = formatRfc3339(at);
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && queue_.size() < options_.queueCapacity) {
      queue_.push_back(std::move(p));
      cv_.notify_one();
      return;
    }
  }
  if (metrics_) metrics_->outcome("dropped");
  logWarn("notification dropped: the notifier's queue is full",
          {{"object", objectRef(p.notification.ns, p.notification.name)}, {"reason", reason}});
}

void Notifier::setOperatorWide(std::vector<api::ResolvedNotification> notifications, std::string secretNamespace) {
  auto next = std::make_shared<OperatorWide>(OperatorWide{std::move(notifications), std::move(secretNamespace)});
  std::lock_guard lock(mu_);
  operatorWide_ = std::move(next);
}

std::size_t Notifier::operatorWideCount() const {
  std::lock_guard lock(mu_);
  return operatorWide_->notifications.size();
}

bool Notifier::drained(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return drainedCv_.wait_for(lock, timeout, [this] { return (queue_.empty() && !busy_) || stopping_; });
}

void Notifier::loop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Pending p = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    deliver(p);
    lock.lock();
    busy_ = false;
    if (queue_.empty()) drainedCv_.notify_all();
  }
}

void Notifier::deliver(const Pending& pending) {
  for (const auto& target : pending.own) deliverTo(pending.notification, target, pending.notification.ns, "object");
  std::shared_ptr<const OperatorWide> wide;
  {
    std::lock_guard lock(mu_);
    wide = operatorWide_;
  }
  for (const auto& target : wide->notifications)
    if (wants(target, pending.notification.event))
      deliverTo(pending.notification, target, wide->secretNamespace, "operator");
}

void Notifier::deliverTo(const Notification& n, const api::ResolvedNotification& target, const std::string& secretNs,
                         const std::string& scope) {
  const nlohmann::json where = {{"object", objectRef(n.ns, n.name)}, {"notification", target.name}, {"scope", scope}};
  auto url = secretValue(secretNs, target.urlSecret, target.urlKey);
  if (!url || redactedUrl(*url) == "<invalid url>") {
    if (metrics_) metrics_->outcome("failed");
    logWarn(url ? std::string("notification not sent: the URL in the Secret is not an http(s) URL")
                : "notification not sent: the URL Secret is not usable (it must exist" +
                      (options_.requiredLabel.empty() ? std::string() : ", carry the label " + options_.requiredLabel + ": \"true\"") +
                      " and hold the key)",
            {{"at", where}, {"secret", secretNs + "/" + target.urlSecret}, {"key", target.urlKey}});
    return;
  }
  WebhookTarget webhook{*url, {}};
  if (target.tokenSecret) {
    auto token = secretValue(secretNs, *target.tokenSecret, target.tokenKey);
    if (!token) {
      if (metrics_) metrics_->outcome("failed");
      logWarn("notification not sent: the token Secret is not usable",
              {{"at", where}, {"secret", secretNs + "/" + *target.tokenSecret}, {"key", target.tokenKey}});
      return;
    }
    webhook.headers.emplace_back("Authorization", "Bearer " + *token);
  }
  const auto format = parseNotificationFormat(target.format).value_or(NotificationFormat::CloudEvents);
  auto body = render(n, format);
  sender_.enqueue(std::move(webhook), std::move(body.body), std::move(body.contentType),
                  n.id() + "/" + scope + "/" + target.name);
}

std::optional<std::string> Notifier::secretValue(const std::string& ns, const std::string& name,
                                                 const std::string& key) const {
  if (!secrets_ || name.empty()) return std::nullopt;
  auto secret = secrets_(ns, name);
  if (!secret) return std::nullopt;
  return kube::secretDataValue(*secret, key, {.requiredLabel = options_.requiredLabel, .trimTrailingNewlines = true});
}

}  // namespace modelops::notify
