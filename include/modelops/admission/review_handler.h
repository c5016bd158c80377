// The validating admission webhook's decision for ModelDeployments, as an AdmissionReview v1 exchange
// (admission.k8s.io/v1): decode the object with the api codec, applyDefaults, and run the same
// validate() as the reconciler, so that every problem that would end in an InvalidSpec condition is
// refused at `kubectl apply` time instead.
//
// Answers (response.uid always echoes request.uid):
// - CREATE/UPDATE of a ModelDeployment with field errors: allowed false, status {code 422, reason
//   Invalid, message `ModelDeployment.modelops.dev "NAME" is invalid: [spec.x: msg, ...]` (the
//   kube-apiserver shape; no brackets for one error), details.causes one per field error}; at most
//   kMaxReportedErrors are listed, the rest are counted ("and N more");
// - an object that does not decode (a member of the wrong JSON type) is denied the same way, with the
//   decode errors as causes;
// - UPDATE that leaves spec unchanged (labels, finalizers, annotations) or of an object being deleted:
//   allowed, with a warning when the stored spec is invalid, so that an object created before the
//   webhook existed can still be relabelled and deleted;
// - DELETE, CONNECT, and kinds other than ModelDeployment: allowed (nothing to validate here).
// A body that is not an AdmissionReview v1 with a request and a uid is an error (the server answers 400).
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "modelops/api/field_error.h"
#include "modelops/common/result.h"

namespace modelops::admission {

inline constexpr std::size_t kMaxReportedErrors = 50;

// The review's response document (apiVersion, kind, response), or an InvalidInput error naming the
// missing or malformed member.
Result<nlohmann::json> reviewAdmission(const nlohmann::json& review);

// The 422 Status object for field errors of the named ModelDeployment (also used for the message).
nlohmann::json invalidStatus(const std::string& name, const api::FieldErrors& errors);

}  // namespace modelops::admission
