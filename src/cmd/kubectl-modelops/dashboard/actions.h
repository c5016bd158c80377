// The dashboard's actions: exactly the plugin's own commands (commands.h cmdAction / cmdUndo), so a
// click writes the same annotations (or, for undo, the same conditional spec.model patch) with the same
// refusals as `kubectl modelops promote|abort|retry|pause|resume|undo`. The API's answer (RBAC
// refusal, conflict, not found) is passed back as the HTTP status and the command's message.
// Thread-safety: runAction may be called from many threads at once (one Session per call; the client
// is thread-safe).
#pragma once

#include "modelops/api/names.h"

#include <string>

#include "modelops/common/clock.h"
#include "modelops/kube/client.h"

namespace modelops::plugin::dashboard {

struct ActionOutcome {
  int httpStatus = 200;  // 200 done, 400 unknown action, 403 RBAC, 404 not found, 409 refused/conflict
  std::string message;   // the command's output (or error) for people
};

// The retraining request (api::kActionRetrain) is written like the other actions; the page offers it only
// to a ModelDeployment whose spec has `retraining`.
inline constexpr std::string_view kActionRetrain = api::kActionRetrain;

// True for promote, promote-full, abort, retry, pause, resume, undo, retrain.
bool isKnownAction(const std::string& action);

// Runs `action` (with `argument`: the variant for promote in an A/B test) on ns/name.
ActionOutcome runAction(kube::KubeClient& client, Clock& clock, const std::string& ns, const std::string& name,
                        const std::string& action, const std::string& argument);

}  // namespace modelops::plugin::dashboard
