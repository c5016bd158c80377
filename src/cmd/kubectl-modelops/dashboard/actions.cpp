// See actions.h.
#include "actions.h"

#include <sstream>

#include "../commands.h"
#include "modelops/api/names.h"

namespace modelops::plugin::dashboard {
namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

bool isKnownAction(const std::string& a) {
  return a == api::kActionPromote || a == api::kActionPromoteFull || a == api::kActionAbort || a == api::kActionRetry ||
         a == api::kActionPause || a == api::kActionResume || a == "undo" || a == kActionRetrain;
}

ActionOutcome runAction(kube::KubeClient& client, Clock& clock, const std::string& ns, const std::string& name,
                        const std::string& action, const std::string& argument) {
  if (!isKnownAction(action)) return {400, "unknown action \"" + action + "\""};
  if (!argument.empty() && action != api::kActionPromote) return {400, action + " takes no argument"};
  std::ostringstream out, err;
  PluginContext ctx{out, err, clock, {}, false, false, {}};
  Session session{client, ns, false, ctx};
  const int code = action == "undo" ? cmdUndo(session, name, std::nullopt) : cmdAction(session, name, action, argument);
  const std::string text = trimmed(code == kExitOk ? out.str() : err.str());
  if (code == kExitOk) return {200, text};
  if (code == kExitNotFound) return {404, text};
  // The API's own refusal keeps its status: RBAC says Forbidden.
  if (text.find("(Forbidden)") != std::string::npos) return {403, text};
  return {409, text};
}

}  // namespace modelops::plugin::dashboard
