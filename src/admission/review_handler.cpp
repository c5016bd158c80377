// AdmissionReview v1 handling for ModelDeployments; see review_handler.h.
// Thread-safety: pure functions.
#include "modelops/admission/review_handler.h"

#include <algorithm>

#include "modelops/api/analysis_warnings.h"
#include "modelops/api/codec.h"
#include "modelops/api/defaults.h"
#include "modelops/api/validation.h"

namespace modelops::admission {

namespace {

using Json = nlohmann::json;

constexpr std::size_t kMaxFieldChars = 1024;
constexpr std::size_t kMaxMessageChars = 1024;

std::string bounded(const std::string& text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 boundary
  return text.substr(0, cut) + "... (" + std::to_string(text.size()) + " bytes)";
}

// obj[key] when it is a string, else fallback (value() would throw on a member of another type).
std::string stringMember(const Json& obj, const char* key, const std::string& fallback = "") {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : fallback;
}

// obj[key] when present, else null.
Json member(const Json& obj, const char* key) {
  if (!obj.is_object()) return Json();
  auto it = obj.find(key);
  return it != obj.end() ? *it : Json();
}

Json allowed(const std::string& uid, const Json& warnings = Json::array()) {
  Json response = {{"uid", uid}, {"allowed", true}};
  if (!warnings.empty()) response["warnings"] = warnings;
  return response;
}

Json denied(const std::string& uid, const std::string& name, const api::FieldErrors& errors) {
  return {{"uid", uid}, {"allowed", false}, {"status", invalidStatus(name, errors)}};
}

// The object's errors: decode errors alone, else validation errors after defaulting (as the reconciler).
api::FieldErrors fieldErrorsOf(const Json& object) {
  auto decoded = api::decodeModelDeployment(object);
  if (!decoded) return decoded.error();
  api::ModelDeployment md = std::move(decoded).value();
  api::applyDefaults(md);
  return api::validate(md);
}

// Warnings for a valid object (analysis_warnings.h), each bounded like a message.
Json warningsOf(const Json& object) {
  Json out = Json::array();
  auto decoded = api::decodeModelDeployment(object);
  if (!decoded) return out;
  api::ModelDeployment md = std::move(decoded).value();
  api::applyDefaults(md);
  for (const auto& w : api::analysisWarnings(md)) out.push_back(bounded(w, kMaxMessageChars));
  return out;
}

Result<std::string> requiredString(const Json& object, const char* key, const std::string& path) {
  if (!object.contains(key) || !object[key].is_string() || object[key].get<std::string>().empty())
    return Error{"InvalidInput", path + "." + key + ": required string"};
  return object[key].get<std::string>();
}

bool isModelDeployment(const Json& request) {
  const Json kind = member(request, "kind");
  return stringMember(kind, "group") == "modelops.dev" && stringMember(kind, "kind") == "ModelDeployment";
}

bool beingDeleted(const Json& object) {
  return !member(member(object, "metadata"), "deletionTimestamp").is_null();
}

Json decide(const Json& request, const std::string& uid) {
  const std::string operation = stringMember(request, "operation");
  if ((operation != "CREATE" && operation != "UPDATE") || !isModelDeployment(request)) return allowed(uid);
  const Json object = member(request, "object");
  std::string name = stringMember(member(object, "metadata"), "name", stringMember(request, "name"));
  if (!object.is_object())
    return denied(uid, name, {{"", "the request carries no object to validate"}});
  auto errors = fieldErrorsOf(object);
  if (errors.empty()) return allowed(uid, warningsOf(object));
  if (operation == "UPDATE") {
    const Json old = member(request, "oldObject");
    bool specUnchanged = old.is_object() && member(old, "spec") == member(object, "spec");
    if (specUnchanged || beingDeleted(object))
      return allowed(uid, Json::array({"the stored spec is invalid (the operator holds it): " +
                                       bounded(api::formatFieldErrors(errors), kMaxMessageChars)}));
  }
  return denied(uid, name, errors);
}

}  // namespace

Json invalidStatus(const std::string& name, const api::FieldErrors& errors) {
  Json causes = Json::array();
  std::string list;
  std::size_t shown = std::min(errors.size(), kMaxReportedErrors);
  for (std::size_t i = 0; i < shown; ++i) {
    std::string field = bounded(errors[i].field, kMaxFieldChars);
    std::string message = bounded(errors[i].message, kMaxMessageChars);
    causes.push_back({{"type", "FieldValueInvalid"}, {"message", message}, {"field", field}});
    list += (i ? ", " : "") + (field.empty() ? message : field + ": " + message);
  }
  if (errors.size() > shown) list += ", and " + std::to_string(errors.size() - shown) + " more";
  if (errors.size() > 1) list = "[" + list + "]";
  std::string message = "ModelDeployment.modelops.dev \"" + bounded(name, kMaxFieldChars) + "\" is invalid: " + list;
  return {{"status", "Failure"},
          {"message", message},
          {"reason", "Invalid"},
          {"code", 422},
          {"details", {{"name", name}, {"group", "modelops.dev"}, {"kind", "ModelDeployment"}, {"causes", causes}}}};
}

Result<Json> reviewAdmission(const Json& review) {
  if (!review.is_object()) return Error{"InvalidInput", "the body is not a JSON object"};
  if (stringMember(review, "apiVersion") != "admission.k8s.io/v1" || stringMember(review, "kind") != "AdmissionReview")
    return Error{"InvalidInput", "expected apiVersion admission.k8s.io/v1 and kind AdmissionReview, got " +
                                     bounded(stringMember(review, "apiVersion", "(none)"), 100) + ", " +
                                     bounded(stringMember(review, "kind", "(none)"), 100)};
  if (!review.contains("request") || !review["request"].is_object())
    return Error{"InvalidInput", "request: required object"};
  const Json& request = review["request"];
  auto uid = requiredString(request, "uid", "request");
  if (!uid) return uid.error();
  if (!request.contains("operation") || !request["operation"].is_string())
    return Error{"InvalidInput", "request.operation: required string"};
  return Json{{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"response", decide(request, *uid)}};
}

}  // namespace modelops::admission
