// ApiStatus: an error as the Kubernetes API reports it (a meta/v1 Status object), plus the
// constructors for the reasons the dev server produces, with the exact message formats of
// kube-apiserver so that kubectl and client libraries print and classify them as on a real cluster.
// Thread-safety: plain values and pure functions.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/common/result.h"

namespace modelops::devserver {

using Json = nlohmann::json;

struct StatusCause {
  std::string type;     // FieldValueInvalid, FieldValueRequired, FieldManagerConflict, ...
  std::string message;
  std::string field;
};

struct ApiStatus {
  int code = 500;
  std::string reason;   // NotFound, AlreadyExists, Conflict, Invalid, ...
  std::string message;
  std::string name;     // details.name
  std::string group;    // details.group
  std::string kind;     // details.kind (the plural resource for NotFound/Conflict, as kube does)
  std::vector<StatusCause> causes;
  int retryAfterSeconds = 0;  // details.retryAfterSeconds and the Retry-After header when > 0

  Json toJson() const;
};

template <class T>
using ApiResult = Result<T, ApiStatus>;

// "deployments.apps" or "configmaps" (core group).
std::string qualifiedResource(const std::string& resource, const std::string& group);

ApiStatus notFound(const std::string& group, const std::string& resource, const std::string& name);
ApiStatus alreadyExists(const std::string& group, const std::string& resource, const std::string& name);
// Stale resourceVersion: "Operation cannot be fulfilled on ...: the object has been modified; ..."
ApiStatus conflictModified(const std::string& group, const std::string& resource, const std::string& name);
ApiStatus conflict(const std::string& group, const std::string& resource, const std::string& name,
                   const std::string& detail);
// 422: "<Kind.group> \"<name>\" is invalid: [f1: m1, f2: m2]" (no brackets for a single cause).
ApiStatus invalid(const std::string& group, const std::string& kind, const std::string& name,
                  std::vector<StatusCause> causes);
ApiStatus badRequest(const std::string& message);
ApiStatus methodNotAllowed(const std::string& message);
ApiStatus unsupportedMediaType(const std::string& contentType);
ApiStatus notAcceptable(const std::string& message);
ApiStatus expired(const std::string& message);
ApiStatus gone(const std::string& message);
ApiStatus unauthorized();
ApiStatus internalError(const std::string& message);
ApiStatus serviceUnavailable(const std::string& message);
ApiStatus tooManyRequests(const std::string& message, int retryAfterSeconds);
ApiStatus forbiddenNamespaceTerminating(const std::string& group, const std::string& resource,
                                        const std::string& name, const std::string& ns);
// {"kind":"Status","status":"Success",...} for an immediate delete.
Json successStatus(const std::string& group, const std::string& kind, const std::string& name,
                   const std::string& uid);

}  // namespace modelops::devserver
