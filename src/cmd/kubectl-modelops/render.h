// Pure renderers and decisions of the kubectl-modelops plugin: the `get` tree, the `list` and `history`
// tables, the rollout verdict `status` waits on, and the revision `undo` goes back to. No I/O here: the
// commands (commands.cpp) fetch objects and print what these functions return, so the output is
// tested without a server.
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/api/model_deployment.h"
#include "modelops/common/result.h"
#include "modelops/common/time.h"

namespace modelops::plugin {

// ANSI colour when enabled (a terminal without NO_COLOR); plain text otherwise.
struct Style {
  bool color = false;
  std::string bold(const std::string& s) const;
  std::string dim(const std::string& s) const;
  std::string green(const std::string& s) const;
  std::string yellow(const std::string& s) const;
  std::string red(const std::string& s) const;
  // The phase coloured by what it means: Healthy green, Progressing/Paused yellow, failures red.
  std::string phase(const std::string& p) const;
};

// kubectl-style age: "45s", "12m", "3h", "5d" ("<unknown>" when the timestamp is absent or malformed).
std::string formatAge(const std::string& rfc3339, WallTime now);
// Fixed 3-decimal numbers as the tree shows values and bounds ("0.941").
std::string formatNumber(double v);

// The `get` tree of one ModelDeployment (`md` as the API returns it) and its Events (core/v1, any
// order; the newest `maxEvents` are shown, newest last).
std::string renderTree(const nlohmann::json& md, const std::vector<nlohmann::json>& events, WallTime now,
                       const Style& style, std::size_t maxEvents = 10);

// The `list` table: NAME PHASE STABLE CANARY WEIGHT ACCURACY AGE (NAMESPACE first with -A).
std::string renderList(const std::vector<nlohmann::json>& items, bool withNamespace, WallTime now);

// status.history newest first (by revision, then time).
std::vector<api::HistoryEntry> historyNewestFirst(const api::ModelDeploymentStatus& status);
// The `history` table: REVISION VERSION OUTCOME AT REASON URI, the stable revision marked.
std::string renderHistory(const nlohmann::json& md);

// Where a rollout stands, for `status`.
enum class RolloutState { InProgress, Complete, Failed };
struct RolloutVerdict {
  RolloutState state = RolloutState::InProgress;
  std::string text;  // one line for people
};
// Complete: phase Healthy, observedGeneration == generation, no canary and no A/B variants in flight.
// Failed: phase RolledBack, Failed, Degraded or Invalid once the operator has observed the current
// generation (an older verdict may belong to the previous rollout). Otherwise in progress.
RolloutVerdict judgeRollout(const nlohmann::json& md);

// The history entry `undo` restores: revision `toRevision` when given, else the newest Promoted entry
// whose version/uri differ from what spec.model asks for now (after a promotion: the one promoted
// before it; during a rollout: the stable one, which abandons the new version). Errors:
// code "NotFound" (no such revision / nothing to go back to), message for people.
Result<api::HistoryEntry> undoTarget(const api::ModelDeployment& md, std::optional<std::int64_t> toRevision);

}  // namespace modelops::plugin
