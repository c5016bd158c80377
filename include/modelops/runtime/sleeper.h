// The runtime's Sleeper is the common one (modelops/common/sleeper.h); these names stay for the
// runtime code and tests that spell them runtime::Sleeper / runtime::RealSleeper.
// Thread-safety: see modelops/common/sleeper.h.
#pragma once

#include "modelops/common/sleeper.h"

namespace modelops::runtime {

using Sleeper = modelops::Sleeper;
using RealSleeper = modelops::RealSleeper;

}  // namespace modelops::runtime
