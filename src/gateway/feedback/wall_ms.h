// wallClockMs: a Clock's calendar time in milliseconds since the epoch (the unit prediction ids carry).
// Private to the feedback library. Thread-safety: as the Clock.
#pragma once

#include <chrono>
#include <cstdint>

#include "modelops/common/clock.h"

namespace modelops::gateway {

inline std::int64_t wallClockMs(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();
}

}  // namespace modelops::gateway
