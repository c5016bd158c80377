// Shared helpers of the step logic; see step_helpers.h.
#include "step_helpers.h"

#include "modelops/common/time.h"

namespace modelops::rollout::detail {

const api::HistoryEntry* newestEntry(const api::ModelDeploymentStatus& status, const std::string& hash) {
  for (const auto& h : status.history)
    if (h.hash == hash) return &h;
  return nullptr;
}

std::string lastOutcomeFor(const api::ModelDeploymentStatus& status, const std::string& hash) {
  const auto* entry = newestEntry(status, hash);
  return entry ? entry->outcome.value_or("") : "";
}

bool isFailedOutcome(std::string_view outcome) {
  return outcome == api::outcome::kRolledBack || outcome == api::outcome::kAborted ||
         outcome == api::outcome::kDegraded;
}

std::string_view heldPhase(const api::ModelDeploymentStatus& status) {
  return status.phase == api::phase::kDegraded ? api::phase::kDegraded : api::phase::kRolledBack;
}

std::string roundedUp(std::chrono::nanoseconds left) {
  using std::chrono::seconds;
  return formatDuration(std::chrono::duration_cast<seconds>(left + seconds(1) - std::chrono::nanoseconds(1)));
}

void clearCanary(api::ModelDeploymentStatus& status) {
  status.canary.reset();
  status.currentStepIndex.reset();
  status.stepStartedAt.reset();
  status.pauseStartedAt.reset();
}

}  // namespace modelops::rollout::detail
