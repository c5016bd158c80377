// HttpApi's resource verbs, one handler each: get, list (both with Table output), create / update /
// patch (the body in JSON, YAML or protobuf, per Content-Type), delete and deletecollection. See
// http_api.h.
// Thread-safety: handlers run concurrently; all shared state is in thread-safe collaborators.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http_api.h"
#include "modelops/yaml/yaml.h"
#include "protobuf_decode.h"

namespace modelops::devserver {
namespace {

std::optional<PatchType> patchTypeOf(const std::string& contentType) {
  std::string ct = contentType.substr(0, contentType.find(';'));
  if (ct == "application/merge-patch+json") return PatchType::Merge;
  if (ct == "application/json-patch+json") return PatchType::Json;
  if (ct == "application/strategic-merge-patch+json") return PatchType::Strategic;
  if (ct == "application/apply-patch+yaml") return PatchType::Apply;
  return std::nullopt;
}

ApiResult<nlohmann::json> parseBody(const std::string& body, bool allowYaml) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_discarded()) return j;
  if (allowYaml) {
    auto docs = yaml::loadYamlDocuments(body, "body");
    if (docs && docs->size() == 1) return docs->front();
    if (!docs) return badRequest("error decoding YAML: " + docs.error().message);
  }
  return badRequest("the request body is not valid JSON");
}

// The body of a create / update (JSON, YAML or Kubernetes protobuf) or of a patch (JSON; YAML for apply).
ApiResult<nlohmann::json> readWriteBody(const httplib::Request& req, bool isPatch, std::optional<PatchType> patch) {
  std::string ct = req.get_header_value("Content-Type");
  ct = ct.substr(0, ct.find(';'));
  const bool yamlBody = ct == "application/yaml";
  if (!isPatch && ct == "application/vnd.kubernetes.protobuf") {
    std::string error;  // a kind it cannot decode is answered as an unknown format (415), as before
    if (auto decoded = decodeKubernetesProtobuf(req.body, &error)) return *decoded;
  }
  if (!isPatch && !ct.empty() && ct != "application/json" && !yamlBody && ct != "*/*") {
    ApiStatus s;
    s.code = 415;
    s.reason = "UnsupportedMediaType";
    s.message = "the body of the request was in an unknown format - accepted media types include: "
                "application/json, application/yaml, application/vnd.kubernetes.protobuf";
    return s;
  }
  return parseBody(req.body, patch == PatchType::Apply || yamlBody);
}

std::string userAgentName(const httplib::Request& req) {
  std::string ua = req.get_header_value("User-Agent");
  return ua.substr(0, ua.find('/'));
}

}  // namespace

ApiResult<HttpApi::Reply> HttpApi::getVerb(ResourceCall& call) {
  auto object = core_.get(call.type, call.ns, call.info.name);
  if (!object) return object.error();
  if (wantsTable(call.req)) return Reply{200, toTable(call.type, {object.value()}, "", "", call.req)};
  return Reply{200, std::move(object).value()};
}

ApiResult<HttpApi::Reply> HttpApi::listVerb(ResourceCall& call) {
  auto list = core_.list(call.type, call.ns, call.options.list);
  if (!list) return list.error();
  if (!wantsTable(call.req)) return Reply{200, std::move(list).value()};
  const auto& l = list.value();
  std::vector<nlohmann::json> items(l["items"].begin(), l["items"].end());
  return Reply{200, toTable(call.type, items, l["metadata"].value("resourceVersion", ""),
                            l["metadata"].value("continue", ""), call.req)};
}

ApiResult<HttpApi::Reply> HttpApi::writeVerb(ResourceCall& call) {
  const std::string& verb = call.info.verb;
  WriteOptions& write = call.options.write;
  std::optional<PatchType> patch;
  if (verb == "patch") {
    patch = patchTypeOf(call.req.get_header_value("Content-Type"));
    if (!patch) return unsupportedMediaType(call.req.get_header_value("Content-Type"));
    static const char* names[] = {"merge", "json", "strategic", "apply"};
    call.record.patchType = names[static_cast<int>(*patch)];
  }
  // Apply needs an explicit field manager; other writes are recorded under the client's name.
  if (write.fieldManager.empty() && patch != PatchType::Apply) write.fieldManager = userAgentName(call.req);
  if (write.force && patch != PatchType::Apply) return badRequest("force is only allowed for apply patches");
  auto body = readWriteBody(call.req, patch.has_value(), patch);
  if (!body) return body.error();
  if (verb == "create") {
    if (!call.info.name.empty() || !call.info.subresource.empty())
      return methodNotAllowed("the server does not allow this method on the requested resource");
    auto created = core_.create(call.type, call.ns, std::move(body).value(), write, &call.written);
    if (!created) return created.error();
    return Reply{201, std::move(created).value()};
  }
  auto result = verb == "update" ? core_.update(call.type, call.ns, call.info.name, std::move(body).value(),
                                                call.info.subresource, write, &call.written)
                                 : core_.patch(call.type, call.ns, call.info.name, *patch, body.value(),
                                               call.info.subresource, write, &call.written);
  if (!result) return result.error();
  return Reply{verb == "patch" && call.written.created ? 201 : 200, std::move(result).value()};
}

ApiResult<HttpApi::Reply> HttpApi::deleteVerb(ResourceCall& call) {
  auto result = core_.remove(call.type, call.ns, call.info.name, call.options.remove, &call.written);
  if (!result) return result.error();
  return Reply{200, std::move(result).value()};
}

ApiResult<HttpApi::Reply> HttpApi::deleteCollectionVerb(ResourceCall& call) {
  auto result =
      deleteCollection(core_, call.type, call.ns, call.options.list, call.options.remove, &call.written);
  if (!result) return result.error();
  return Reply{200, std::move(result).value()};
}

ApiResult<nlohmann::json> deleteCollection(ApiCore& core, const ResourceType& type, const std::string& ns,
                                           const ListOptions& list, const DeleteOptions& remove, WriteInfo* info) {
  auto listed = core.list(type, ns, list);
  if (!listed) return listed.error();
  std::optional<ApiStatus> failed;
  std::size_t failures = 0;
  for (const auto& item : listed.value()["items"]) {
    WriteInfo one;
    const std::string itemNs = metaString(item, "namespace"), name = metaString(item, "name");
    auto removed = core.remove(type, itemNs, name, remove, &one);
    if (info) info->changed = info->changed || one.changed;
    if (removed || removed.error().code == 404) continue;  // gone meanwhile: as kube-apiserver, not an error
    ++failures;
    if (!failed) failed = removed.error();
    const std::string field = itemNs.empty() ? name : itemNs + "/" + name;
    failed->causes.push_back({removed.error().reason, removed.error().message, field});
  }
  if (!failed) return listed;
  const std::size_t total = listed.value()["items"].size();
  failed->message = std::to_string(failures) + " of " + std::to_string(total) + " " + type.plural +
                    " could not be deleted (see details.causes); the first: " + failed->message;
  failed->name.clear();
  return *failed;
}

}  // namespace modelops::devserver
