// Notifier: the reconciler's second event sink. For each Event a reconcile recorded (after the status
// holding it was written), it finds the notifications that asked for it - the ModelDeployment's own
// (spec.notifications) and the operator-wide ones (a ConfigMap, setOperatorWide) - and hands one webhook
// delivery per notification to the WebhookSender.
//   - eventRecorded() runs on the reconcile's thread and only appends to a bounded queue (dropped and
//     counted as "dropped" when full); Secrets are read, bodies rendered and deliveries enqueued on the
//     notifier's own thread, so a slow Secret cache or a hanging receiver never slows a reconcile;
//   - the URL and the token come from Secrets (the ModelDeployment's namespace; for operator-wide ones,
//     the ConfigMap's) through a cache lookup; with requiredLabel set, only Secrets carrying that label
//     "true" are used. A Secret that is unusable is logged by name and key, never by value, and counted
//     as "failed";
//   - delivery ids: "<uid>/<reason>/<generation>/<time>/<scope>/<notification name>", so one event reaches
//     each notification once (WebhookSender dedupes).
// Thread-safety: all members are safe from any thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/api/model_deployment.h"
#include "modelops/common/clock.h"
#include "modelops/common/event_type.h"
#include "modelops/notify/notification.h"
#include "modelops/notify/webhook_sender.h"

namespace modelops::notify {

// What the reconciler calls (an interface, so its tests can record calls).
class EventNotifier {
 public:
  virtual ~EventNotifier() = default;
  // One Event the reconcile recorded for md, decided at `at`. Never blocks.
  virtual void eventRecorded(const api::ModelDeployment& md, EventType type, const std::string& reason,
                             const std::string& message, Clock::WallTime at) = 0;
};

// A Secret as the informer cache holds it; nullopt when there is none of that name.
using SecretLookup = std::function<std::optional<nlohmann::json>(const std::string& ns, const std::string& name)>;

struct NotifierOptions {
  std::size_t queueCapacity = 1000;  // events waiting for the notifier's thread
  std::string requiredLabel;         // empty: any Secret; else only Secrets labelled <requiredLabel>: "true"
};

class Notifier final : public EventNotifier {
 public:
  // sender and metrics (may be null) must outlive the notifier.
  Notifier(WebhookSender& sender, SecretLookup secrets, NotifierOptions options = {},
           NotificationMetrics* metrics = nullptr);
  ~Notifier() override;  // stop()
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  void eventRecorded(const api::ModelDeployment& md, EventType type, const std::string& reason,
                     const std::string& message, Clock::WallTime at) override;

  // Replaces the operator-wide notifications; their Secrets are read in secretNamespace.
  void setOperatorWide(std::vector<api::ResolvedNotification> notifications, std::string secretNamespace);
  std::size_t operatorWideCount() const;

  // Waits (real time) until every event handed over so far was passed to the sender.
  bool drained(std::chrono::milliseconds timeout) const;
  // Joins the thread; events still queued are dropped (counted "failed"). Idempotent.
  void stop();

 private:
  struct Pending {
    Notification notification;
    std::vector<api::ResolvedNotification> own;  // the ModelDeployment's notifications for this event
  };
  struct OperatorWide {
    std::vector<api::ResolvedNotification> notifications;
    std::string secretNamespace;
  };
  void loop();
  void deliver(const Pending& pending);
  void deliverTo(const Notification& n, const api::ResolvedNotification& target, const std::string& secretNs,
                 const std::string& scope);
  std::optional<std::string> secretValue(const std::string& ns, const std::string& name, const std::string& key) const;

  WebhookSender& sender_;
  SecretLookup secrets_;
  NotifierOptions options_;
  NotificationMetrics* metrics_;

  std::mutex stopMu_;  // serialises stop()
  mutable std::mutex mu_;
  mutable std::condition_variable cv_, drainedCv_;
  std::deque<Pending> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::shared_ptr<const OperatorWide> operatorWide_ = std::make_shared<OperatorWide>();
  std::thread thread_;
};

// Whether a notification asked for this event.
bool wants(const api::ResolvedNotification& n, NotificationEvent event);

}  // namespace modelops::notify
