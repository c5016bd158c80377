// The prometheus-cpp registry behind runtime::MetricsRegistry. Private to the modules' .cpp files that
// define metric families (runtime, reconciler): public headers never include it, so prometheus-cpp
// types stay out of the public surface.
// Thread-safety: prometheus::Registry guards registration and collection with its own mutex.
#pragma once

#include <prometheus/registry.h>

#include "modelops/runtime/metrics.h"

namespace modelops::runtime {

struct MetricsRegistry::Impl {
  prometheus::Registry registry;
};

inline prometheus::Registry& prometheusRegistry(const MetricsRegistry& registry) { return registry.impl().registry; }

}  // namespace modelops::runtime
