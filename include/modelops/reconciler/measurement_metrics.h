// MeasurementMetrics: the MeasurementPool on /metrics, as a MeasurementPoolObserver:
//   modelops_measurements_in_flight                 measurements running now
//   modelops_measurements_queued                    measurements waiting for a slot
//   modelops_measurements_total{outcome}            finished: measured, cancelled, failed
//   modelops_measurements_refused_total             asks refused because the queue was full
//   modelops_measurement_duration_seconds           how long measurements ran (histogram)
// The pool takes the MeasurementPoolObserver interface; prometheus-cpp stays out of this header.
// Thread-safety: all members may be called from any thread (prometheus-cpp metrics are atomic).
#pragma once

#include <memory>

#include "modelops/reconciler/measurement_pool.h"

namespace modelops::runtime {
class MetricsRegistry;
}

namespace modelops::reconciler {

// The metrics above, registered in `registry` (which must outlive them).
std::unique_ptr<MeasurementPoolObserver> makeMeasurementMetrics(runtime::MetricsRegistry& registry);

}  // namespace modelops::reconciler
