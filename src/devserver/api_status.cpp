// Builders for Kubernetes Status errors; see api_status.h. Message formats follow
// k8s.io/apimachinery/pkg/api/errors.
// Thread-safety: pure functions.
#include "api_status.h"

namespace modelops::devserver {

Json ApiStatus::toJson() const {
  Json details = Json::object();
  if (!name.empty()) details["name"] = name;
  if (!group.empty()) details["group"] = group;
  if (!kind.empty()) details["kind"] = kind;
  if (!causes.empty()) {
    Json list = Json::array();
    for (const auto& c : causes) {
      Json item = Json::object();
      if (!c.type.empty()) item["reason"] = c.type;  // metav1.StatusCause.Type is `json:"reason"`
      if (!c.message.empty()) item["message"] = c.message;
      if (!c.field.empty()) item["field"] = c.field;
      list.push_back(std::move(item));
    }
    details["causes"] = std::move(list);
  }
  if (retryAfterSeconds > 0) details["retryAfterSeconds"] = retryAfterSeconds;
  Json out = {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", Json::object()},
              {"status", "Failure"}, {"message", message}, {"reason", reason}, {"code", code}};
  if (!details.empty()) out["details"] = std::move(details);
  return out;
}

std::string qualifiedResource(const std::string& resource, const std::string& group) {
  return group.empty() ? resource : resource + "." + group;
}

static ApiStatus make(int code, std::string reason, std::string message) {
  ApiStatus s;
  s.code = code;
  s.reason = std::move(reason);
  s.message = std::move(message);
  return s;
}

ApiStatus notFound(const std::string& group, const std::string& resource, const std::string& name) {
  auto s = make(404, "NotFound", qualifiedResource(resource, group) + " \"" + name + "\" not found");
  s.name = name;
  s.group = group;
  s.kind = resource;
  return s;
}

ApiStatus alreadyExists(const std::string& group, const std::string& resource, const std::string& name) {
  auto s = make(409, "AlreadyExists", qualifiedResource(resource, group) + " \"" + name + "\" already exists");
  s.name = name;
  s.group = group;
  s.kind = resource;
  return s;
}

ApiStatus conflict(const std::string& group, const std::string& resource, const std::string& name,
                   const std::string& detail) {
  auto s = make(409, "Conflict", "Operation cannot be fulfilled on " + qualifiedResource(resource, group) +
                                     " \"" + name + "\": " + detail);
  s.name = name;
  s.group = group;
  s.kind = resource;
  return s;
}

ApiStatus conflictModified(const std::string& group, const std::string& resource, const std::string& name) {
  return conflict(group, resource, name,
                  "the object has been modified; please apply your changes to the latest version and try again");
}

ApiStatus invalid(const std::string& group, const std::string& kind, const std::string& name,
                  std::vector<StatusCause> causes) {
  std::string list;
  for (std::size_t i = 0; i < causes.size(); ++i) {
    if (i) list += ", ";
    list += causes[i].field.empty() ? causes[i].message : causes[i].field + ": " + causes[i].message;
  }
  if (causes.size() > 1) list = "[" + list + "]";
  std::string qualifiedKind = group.empty() ? kind : kind + "." + group;
  auto s = make(422, "Invalid", qualifiedKind + " \"" + name + "\" is invalid: " + list);
  s.name = name;
  s.group = group;
  s.kind = kind;
  s.causes = std::move(causes);
  return s;
}

ApiStatus badRequest(const std::string& message) { return make(400, "BadRequest", message); }
ApiStatus methodNotAllowed(const std::string& message) { return make(405, "MethodNotAllowed", message); }
ApiStatus unsupportedMediaType(const std::string& contentType) {
  (void)contentType;
  return make(415, "UnsupportedMediaType",
              "the body of the request was in an unknown format - accepted media types include: "
              "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
}
ApiStatus notAcceptable(const std::string& message) { return make(406, "NotAcceptable", message); }
ApiStatus expired(const std::string& message) { return make(410, "Expired", message); }
ApiStatus gone(const std::string& message) { return make(410, "Gone", message); }
ApiStatus unauthorized() { return make(401, "Unauthorized", "Unauthorized"); }
ApiStatus internalError(const std::string& message) {
  auto s = make(500, "InternalError", "Internal error occurred: " + message);
  s.causes.push_back({"UnexpectedServerResponse", message, ""});
  return s;
}
ApiStatus serviceUnavailable(const std::string& message) { return make(503, "ServiceUnavailable", message); }
ApiStatus tooManyRequests(const std::string& message, int retryAfterSeconds) {
  auto s = make(429, "TooManyRequests", message);
  s.retryAfterSeconds = retryAfterSeconds;
  return s;
}

ApiStatus forbiddenNamespaceTerminating(const std::string& group, const std::string& resource,
                                        const std::string& name, const std::string& ns) {
  auto s = make(403, "Forbidden",
                qualifiedResource(resource, group) + " \"" + name + "\" is forbidden: unable to create new content in namespace " +
                    ns + " because it is being terminated");
  s.name = name;
  s.group = group;
  s.kind = resource;
  s.causes.push_back({"NamespaceTerminating", "namespace " + ns + " is being terminated", "metadata.namespace"});
  return s;
}

Json successStatus(const std::string& group, const std::string& kind, const std::string& name,
                   const std::string& uid) {
  Json details = {{"name", name}, {"kind", kind}, {"uid", uid}};
  if (!group.empty()) details["group"] = group;
  return {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", Json::object()}, {"status", "Success"},
          {"details", details}};
}

}  // namespace modelops::devserver
