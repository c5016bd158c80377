// Human action requests carried by the annotations described in names.h
// (modelops.dev/action: "promote" | "promote:<variant>" | "promote-full" | "abort" | "retry" | "pause" |
// "resume", and modelops.dev/action-id: the request id).
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "modelops/api/model_deployment.h"

namespace modelops::api {

struct ActionRequest {
  std::string action;    // one of the kAction* constants
  std::string argument;  // "" or e.g. the variant name of "promote:<variant>"
  std::string id;        // the request id ("" when the annotation is missing)
  bool operator==(const ActionRequest&) const = default;
};

// The request in the annotations of `metadata`, nullopt when there is none or the action is unknown.
std::optional<ActionRequest> parseActionRequest(const nlohmann::json& metadata);
// True when the request was not yet carried out (its id differs from status.lastHandledActionId).
bool isNewActionRequest(const ActionRequest& request, const ModelDeploymentStatus& status);
// The two annotations as a merge-patch body for metadata: {"metadata":{"annotations":{...}}}.
nlohmann::json actionRequestPatch(const ActionRequest& request);

}  // namespace modelops::api
