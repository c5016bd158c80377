// The size budget of ModelDeployment status: whatever a metrics provider answers (a 1 MiB error text,
// ten thousand segment series), the status the operator writes stays below text_limits::kStatusBudget
// (64 KiB of JSON). encodeStatus() applies boundStatus() to what it encodes, so every writer is bounded;
// the planner also bounds its inputs and Event messages (bounded_text.h). Documented in
// docs/reference.md ("Bounded status").
// Thread-safety: pure functions.
#pragma once

#include <cstddef>

#include "modelops/api/model_deployment.h"

namespace modelops::api {

namespace status_limits {
inline constexpr std::size_t kHistory = 20;          // status.history entries (newest first)
inline constexpr std::size_t kRuns = 64;             // status.analysis.runs
inline constexpr std::size_t kSegmentsPerRun = 20;   // runs[].segments and the progress' verdict segments
inline constexpr std::size_t kConditions = 16;       // status.conditions
inline constexpr std::size_t kRetrainingHistory = 100;  // status.retraining.history (historyLimit's maximum)
}  // namespace status_limits

// Caps every text the operator writes into status (messages, reasons, queries; UTF-8 safe, marked
// "...[truncated]") and the lists above; then, if the encoded status is still over the budget, drops
// detail in this order: segment results, history (and status.retraining.history) beyond the newest 5, the analysis bookkeeping
// (status.analysis.progress / progressByVariant, which restarts the analysis' counts), the runs.
// Fields this version does not know (status.extra) are kept as they are.
void boundStatus(ModelDeploymentStatus& status);

}  // namespace modelops::api
