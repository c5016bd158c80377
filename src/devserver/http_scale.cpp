// The /scale subresource of Deployments (autoscaling/v1 Scale), as `kubectl scale` and HPAs use it:
// GET returns the Scale view, PUT and PATCH (merge, JSON, strategic) change spec.replicas only.
// Thread-safety: runs on handler threads; writes go through ApiCore.
#include "http_api.h"
#include "modelops/apimachinery/patch.h"

namespace modelops::devserver {

static nlohmann::json scaleOf(const nlohmann::json& obj) {
  const auto spec = obj.value("spec", nlohmann::json::object());
  std::string selector;
  auto match = spec.is_object() && spec.contains("selector") && spec["selector"].is_object()
                   ? spec["selector"].value("matchLabels", nlohmann::json::object())
                   : nlohmann::json::object();
  for (auto it = match.begin(); it != match.end(); ++it)
    if (it->is_string()) selector += (selector.empty() ? "" : ",") + it.key() + "=" + it->get<std::string>();
  const auto status = obj.value("status", nlohmann::json::object());
  nlohmann::json meta = nlohmann::json::object();
  for (const char* k : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"})
    if (!metaField(obj, k).is_null()) meta[k] = metaField(obj, k);
  return {{"kind", "Scale"},
          {"apiVersion", "autoscaling/v1"},
          {"metadata", meta},
          {"spec", {{"replicas", spec.is_object() ? spec.value("replicas", 0) : 0}}},
          {"status", {{"replicas", status.is_object() ? status.value("replicas", 0) : 0}, {"selector", selector}}}};
}

ApiResult<nlohmann::json> HttpApi::handleScale(const httplib::Request& req, const ResourceType& type,
                                               const std::string& ns, const std::string& name,
                                               const WriteOptions& opts, WriteInfo* info) {
  auto current = core_.get(type, ns, name);
  if (!current) return current.error();
  if (req.method == "GET") return scaleOf(*current);
  auto body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded()) return badRequest("the request body is not valid JSON");
  nlohmann::json scale = scaleOf(*current);
  if (req.method == "PUT") {
    scale = body;
  } else {
    std::string ct = req.get_header_value("Content-Type");
    ct = ct.substr(0, ct.find(';'));
    Result<nlohmann::json> patched =
        ct == "application/json-patch+json"            ? apimachinery::applyJsonPatch(scale, body)
        : ct == "application/merge-patch+json"         ? apimachinery::applyMergePatch(scale, body)
        : ct == "application/strategic-merge-patch+json" ? apimachinery::applyMergePatch(scale, body)
                                                       : Result<nlohmann::json>(Error{"Unsupported", ct});
    if (!patched) {
      if (patched.error().code == "Unsupported") return unsupportedMediaType(ct);
      ApiStatus s;
      s.code = 422;
      s.reason = "Invalid";
      s.message = patched.error().message;
      return s;
    }
    scale = std::move(patched).value();
  }
  const auto spec = scale.value("spec", nlohmann::json::object());
  if (!spec.is_object() || !spec.contains("replicas") || !spec["replicas"].is_number_integer() ||
      spec["replicas"].get<long long>() < 0)
    return invalid("autoscaling", "Scale", name,
                   {{"FieldValueInvalid", "Invalid value: must be greater than or equal to 0", "spec.replicas"}});
  nlohmann::json patch = {{"spec", {{"replicas", spec["replicas"]}}}};
  std::string rv = metaString(scale, "resourceVersion");
  if (req.method == "PUT" && !rv.empty()) patch["metadata"] = {{"resourceVersion", rv}};
  auto updated = core_.patch(type, ns, name, PatchType::Merge, patch, "", opts, info);
  if (!updated) return updated.error();
  return scaleOf(*updated);
}

}  // namespace modelops::devserver
