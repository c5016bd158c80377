// MeasurementMetrics: the MeasurementPool on /metrics:
//   modelops_measurements_in_flight                 measurements running now
//   modelops_measurements_queued                    measurements waiting for a slot
//   modelops_measurements_total{outcome}            finished: measured, cancelled, failed
//   modelops_measurements_refused_total             asks refused because the queue was full
//   modelops_measurement_duration_seconds           how long measurements ran (histogram)
// Thread-safety: all members may be called from any thread (prometheus-cpp metrics are atomic).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "modelops/reconciler/measurement_pool.h"

namespace modelops::reconciler {

class MeasurementMetrics final : public MeasurementPoolObserver {
 public:
  explicit MeasurementMetrics(prometheus::Registry& registry);
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

}  // namespace modelops::reconciler
