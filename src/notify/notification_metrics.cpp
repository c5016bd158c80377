// The Prometheus NotificationMetrics; see include/modelops/notify/webhook_sender.h.
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>

#include "modelops/notify/webhook_sender.h"
#include "runtime/prometheus_registry.h"

namespace modelops::notify {
namespace {

class PrometheusNotificationMetrics final : public NotificationMetrics {
 public:
  explicit PrometheusNotificationMetrics(prometheus::Registry& registry)
      : outcomes_(prometheus::BuildCounter()
                      .Name("modelops_notifications_total")
                      .Help("Webhook deliveries (notifications, retraining webhooks) by outcome: delivered, failed "
                            "(gave up or permanent error), dropped (queue full), duplicate (already sent)")
                      .Register(registry)),
        attempts_(prometheus::BuildCounter()
                      .Name("modelops_notification_attempts_total")
                      .Help("Webhook HTTP attempts by result: success, retryable, permanent")
                      .Register(registry)),
        depth_(prometheus::BuildGauge()
                   .Name("modelops_notification_queue_depth")
                   .Help("Webhook deliveries queued, waiting for a retry or in flight")
                   .Register(registry)
                   .Add({})) {
    // Every series exists from the start, so rate() and alerts see a 0 before the first failure.
    for (const char* o : {"delivered", "failed", "dropped", "duplicate"}) outcomes_.Add({{"outcome", o}});
    for (const char* r : {"success", "retryable", "permanent"}) attempts_.Add({{"result", r}});
  }

  void outcome(const std::string& outcome) override { outcomes_.Add({{"outcome", outcome}}).Increment(); }
  void attempt(AttemptResult::Kind kind) override {
    const char* result = kind == AttemptResult::Kind::Success     ? "success"
                         : kind == AttemptResult::Kind::Permanent ? "permanent"
                                                                  : "retryable";
    attempts_.Add({{"result", result}}).Increment();
  }
  void queueDepth(std::size_t depth) override { depth_.Set(static_cast<double>(depth)); }

 private:
  prometheus::Family<prometheus::Counter>& outcomes_;
  prometheus::Family<prometheus::Counter>& attempts_;
  prometheus::Gauge& depth_;
};

}  // namespace

std::unique_ptr<NotificationMetrics> makeNotificationMetrics(runtime::MetricsRegistry& registry) {
  return std::make_unique<PrometheusNotificationMetrics>(runtime::prometheusRegistry(registry));
}

}  // namespace modelops::notify
