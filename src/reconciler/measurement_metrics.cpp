// MeasurementMetrics; see include/modelops/reconciler/measurement_metrics.h.
#include "modelops/reconciler/measurement_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include "runtime/prometheus_registry.h"

namespace modelops::reconciler {
namespace {

class PrometheusMeasurementMetrics final : public MeasurementPoolObserver {
 public:
  explicit PrometheusMeasurementMetrics(prometheus::Registry& registry);
  void depth(std::size_t inFlight, std::size_t queued) override;
  void finished(const char* outcome, double seconds) override;
  void refused() override;

 private:
  prometheus::Gauge& inFlight_;
  prometheus::Gauge& queued_;
  prometheus::Family<prometheus::Counter>& finished_;
  prometheus::Counter& refused_;
  prometheus::Histogram& duration_;
};

PrometheusMeasurementMetrics::PrometheusMeasurementMetrics(prometheus::Registry& registry)
    : inFlight_(prometheus::BuildGauge()
                    .Name("modelops_measurements_in_flight")
                    .Help("Analysis measurements running now")
                    .Register(registry)
                    .Add({})),
      queued_(prometheus::BuildGauge()
                  .Name("modelops_measurements_queued")
                  .Help("Analysis measurements waiting for a slot (total or per provider)")
                  .Register(registry)
                  .Add({})),
      finished_(prometheus::BuildCounter()
                    .Name("modelops_measurements_total")
                    .Help("Analysis measurements finished, by outcome: measured, cancelled, failed")
                    .Register(registry)),
      refused_(prometheus::BuildCounter()
                   .Name("modelops_measurements_refused_total")
                   .Help("Analysis measurements refused because the queue was full (asked again later)")
                   .Register(registry)
                   .Add({})),
      duration_(prometheus::BuildHistogram()
                    .Name("modelops_measurement_duration_seconds")
                    .Help("How long analysis measurements ran")
                    .Register(registry)
                    .Add({}, prometheus::Histogram::BucketBoundaries{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60})) {}

void PrometheusMeasurementMetrics::depth(std::size_t inFlight, std::size_t queued) {
  inFlight_.Set(static_cast<double>(inFlight));
  queued_.Set(static_cast<double>(queued));
}

void PrometheusMeasurementMetrics::finished(const char* outcome, double seconds) {
  finished_.Add({{"outcome", outcome}}).Increment();
  duration_.Observe(seconds);
}

void PrometheusMeasurementMetrics::refused() { refused_.Increment(); }

}  // namespace

std::unique_ptr<MeasurementPoolObserver> makeMeasurementMetrics(runtime::MetricsRegistry& registry) {
  return std::make_unique<PrometheusMeasurementMetrics>(runtime::prometheusRegistry(registry));
}

}  // namespace modelops::reconciler
