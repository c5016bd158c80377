// Human action requests in annotations; see actions.h and names.h.
// Thread-safety: pure functions.
#include "modelops/api/actions.h"

#include <string_view>

namespace modelops::api {
namespace {

std::optional<std::string> annotationOf(const nlohmann::json& metadata, std::string_view key) {
  if (!metadata.is_object()) return std::nullopt;
  auto a = metadata.find("annotations");
  if (a == metadata.end() || !a->is_object()) return std::nullopt;
  auto it = a->find(std::string(key));
  if (it == a->end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

std::optional<ActionRequest> parseActionRequest(const nlohmann::json& metadata) {
  auto value = annotationOf(metadata, kAnnotationAction);
  if (!value || value->empty()) return std::nullopt;
  ActionRequest r;
  const auto colon = value->find(':');
  r.action = value->substr(0, colon);
  if (colon != std::string::npos) r.argument = value->substr(colon + 1);
  for (std::string_view known : {kActionPromote, kActionPromoteFull, kActionAbort, kActionRetry, kActionPause,
                                 kActionResume, kActionRetrain}) {
    if (r.action == known) {
      r.id = annotationOf(metadata, kAnnotationActionId).value_or("");
      return r;
    }
  }
  return std::nullopt;
}

bool isNewActionRequest(const ActionRequest& request, const ModelDeploymentStatus& status) {
  return !status.lastHandledActionId || *status.lastHandledActionId != request.id;
}

nlohmann::json actionRequestPatch(const ActionRequest& request) {
  std::string value = request.action;
  if (!request.argument.empty()) value += ":" + request.argument;
  nlohmann::json annotations = nlohmann::json::object();
  annotations[std::string(kAnnotationAction)] = value;
  annotations[std::string(kAnnotationActionId)] = request.id;
  return {{"metadata", {{"annotations", annotations}}}};
}

}  // namespace modelops::api
