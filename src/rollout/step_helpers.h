// Internal to the planner: what the step logic of canary.cpp, abtest.cpp and monitoring.cpp shares,
// written once - reading a revision's history (its newest entry, whether it failed), the phase a spec
// declaring a failed revision holds in, a time left as people read it, and clearing a canary in flight.
// Not a public header.
// Thread-safety: pure functions on the caller's values.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "modelops/api/model_deployment.h"

namespace modelops::rollout::detail {

// The newest history entry for `hash` (history is newest first), null when there is none.
const api::HistoryEntry* newestEntry(const api::ModelDeploymentStatus& status, const std::string& hash);

// The outcome of the newest history entry for `hash`, "" when there is none.
std::string lastOutcomeFor(const api::ModelDeploymentStatus& status, const std::string& hash);

// Whether `outcome` says the revision failed (rolled back, aborted, degraded after promotion): such a
// revision is not started again until the spec changes or a human asks for `retry`.
bool isFailedOutcome(std::string_view outcome);

// The phase while the spec declares a revision that failed before: a Degraded stable stays Degraded
// (that is still the news), anything else is RolledBack.
std::string_view heldPhase(const api::ModelDeploymentStatus& status);

// `left` rounded up to whole seconds, as a Go duration ("1m30s"): a wait of 0.2 s reads "1s", not "0s".
std::string roundedUp(std::chrono::nanoseconds left);

// Forgets the canary in flight: the track, its step, and the step and pause clocks (a pause clock left
// behind would be read by the next canary's first indefinite pause). The analysis record is the caller's
// decision (a rollback keeps it to show why).
void clearCanary(api::ModelDeploymentStatus& status);

}  // namespace modelops::rollout::detail
