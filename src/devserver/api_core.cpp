// ApiCore reads, create, update and admission (defaults, pruning, validation, CRD handling);
// patch, apply and delete live in api_write.cpp. See api_core.h.
// Thread-safety: writes hold the store's write lock; reads go straight to the store.
#include "api_core.h"

#include <openssl/evp.h>

#include "modelops/apimachinery/label_selector.h"
#include "modelops/common/time.h"
#include "object_meta_validation.h"

namespace modelops::devserver {

namespace {

bool tracksGeneration(const ResourceType& t) {
  return t.custom || t.plural == "deployments" || t.plural == "customresourcedefinitions";
}

std::string base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

std::optional<std::string> unbase64(const std::string& in) {
  if (in.empty() || in.size() % 4 != 0) return std::nullopt;
  std::string out(in.size() / 4 * 3 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  std::size_t len = static_cast<std::size_t>(n);
  for (std::size_t i = in.size(); i > 0 && in[i - 1] == '='; --i) --len;  // padding bytes
  out.resize(len);
  return out;
}

void defaultBuiltin(const ResourceType& type, Json& obj, std::mt19937_64& rng) {
  if (type.group == "apps" && type.plural == "deployments") {
    Json& spec = obj["spec"];
    if (!spec.is_object()) spec = Json::object();
    if (!spec.contains("replicas")) spec["replicas"] = 1;
    if (!spec.contains("revisionHistoryLimit")) spec["revisionHistoryLimit"] = 10;
    if (!spec.contains("progressDeadlineSeconds")) spec["progressDeadlineSeconds"] = 600;
    if (!spec.contains("strategy")) spec["strategy"] = Json::object();
    Json& strategy = spec["strategy"];
    if (strategy.is_object() && !strategy.contains("type")) strategy["type"] = "RollingUpdate";
    if (strategy.is_object() && strategy.value("type", "") == "RollingUpdate" && !strategy.contains("rollingUpdate"))
      strategy["rollingUpdate"] = {{"maxSurge", "25%"}, {"maxUnavailable", "25%"}};
  } else if (type.group.empty() && type.plural == "services") {
    Json& spec = obj["spec"];
    if (!spec.is_object()) spec = Json::object();
    if (!spec.contains("type")) spec["type"] = "ClusterIP";
    if (!spec.contains("clusterIP") && spec.value("type", "") != "ExternalName") {
      std::string ip = "10.96." + std::to_string(rng() % 254 + 1) + "." + std::to_string(rng() % 254 + 1);
      spec["clusterIP"] = ip;
      spec["clusterIPs"] = {ip};
    }
    if (!spec.contains("sessionAffinity")) spec["sessionAffinity"] = "None";
  }
}

std::optional<ApiStatus> validateOwnerReferences(const ResourceType& type, const Json& obj) {
  Json refs = metaField(obj, "ownerReferences");
  if (refs.is_null()) return std::nullopt;
  std::vector<StatusCause> causes;
  if (!refs.is_array()) {
    causes.push_back({"FieldValueInvalid", "Invalid value: must be a list", "metadata.ownerReferences"});
  } else {
    int controllers = 0;
    for (std::size_t i = 0; i < refs.size(); ++i) {
      const Json& r = refs[i];
      std::string base = "metadata.ownerReferences[" + std::to_string(i) + "]";
      for (const char* f : {"apiVersion", "kind", "name", "uid"})
        if (!r.is_object() || !r.contains(f) || !r[f].is_string() || r[f].get<std::string>().empty())
          causes.push_back({"FieldValueRequired", std::string("Required value: ") + f + " must not be empty",
                            base + "." + f});
      if (r.is_object() && r.value("controller", false)) ++controllers;
    }
    if (controllers > 1)
      causes.push_back({"FieldValueInvalid", "Invalid value: only one reference can have Controller set to true",
                        "metadata.ownerReferences"});
  }
  if (causes.empty()) return std::nullopt;
  return invalid(type.group, type.kind, metaString(obj, "name"), std::move(causes));
}

// RoleBindings and ClusterRoleBindings: roleRef is required and immutable, as kube-apiserver's
// validation has it (kubectl apply of a changed roleRef must fail here as it does on a cluster).
std::optional<ApiStatus> validateRoleRef(const ResourceType& type, const Json& obj, const Json* old) {
  if (type.group != "rbac.authorization.k8s.io" || (type.kind != "RoleBinding" && type.kind != "ClusterRoleBinding"))
    return std::nullopt;
  const Json ref = obj.value("roleRef", Json());
  std::vector<StatusCause> causes;
  if (!ref.is_object() || ref.value("name", "").empty())
    causes.push_back({"FieldValueRequired", "Required value", "roleRef.name"});
  std::string kind = ref.is_object() ? ref.value("kind", "") : "";
  bool kindOk = kind == "ClusterRole" || (kind == "Role" && type.kind == "RoleBinding");
  if (!kindOk)
    causes.push_back({"FieldValueNotSupported",
                      "Unsupported value: \"" + kind + "\": supported values: " +
                          (type.kind == "RoleBinding" ? "\"ClusterRole\", \"Role\"" : "\"ClusterRole\""),
                      "roleRef.kind"});
  if (causes.empty() && old && old->value("roleRef", Json()) != ref)
    causes.push_back({"FieldValueInvalid", "Invalid value: cannot change roleRef", "roleRef"});
  if (causes.empty()) return std::nullopt;
  return invalid(type.group, type.kind, metaString(obj, "name"), std::move(causes));
}

}  // namespace

ApiCore::ApiCore(Registry& registry, ObjectStore& store, const Clock& clock, std::uint64_t seed)
    : registry_(registry), store_(store), clock_(clock), rng_(seed) {}

std::string ApiCore::now() const { return formatRfc3339(clock_.now()); }

Json ApiCore::forVersion(const ResourceType& type, Json obj) {
  if (obj.is_object()) {
    obj["apiVersion"] = type.apiVersion();
    obj["kind"] = type.kind;
  }
  return obj;
}

ApiResult<std::function<bool(const Json&)>> ApiCore::selectorPredicate(const std::string& labelSelector,
                                                                       const std::string& fieldSelector) {
  auto labels = apimachinery::parseLabelSelector(labelSelector);
  if (!labels) return badRequest("unable to parse requirement: " + labels.error().message);
  auto fields = apimachinery::parseFieldSelector(fieldSelector);
  if (!fields) return badRequest(fields.error().message);
  for (const auto& r : fields->requirements())
    if (r.field != "metadata.name" && r.field != "metadata.namespace" && r.field.rfind("involvedObject.", 0) != 0 &&
        r.field != "reason" && r.field != "type" && r.field.rfind("regarding.", 0) != 0)
      return badRequest("field label not supported: " + r.field);
  auto l = std::move(labels).value();
  auto f = std::move(fields).value();
  if (l.empty() && f.empty()) return std::function<bool(const Json&)>();
  return std::function<bool(const Json&)>([l, f](const Json& obj) {
    return l.matches(metaField(obj, "labels")) && f.matches(obj);
  });
}

ApiResult<Json> ApiCore::get(const ResourceType& type, const std::string& ns, const std::string& name) const {
  auto obj = store_.get(type.storageKey(), type.namespaced ? ns : "", name);
  if (!obj) return notFound(type.group, type.plural, name);
  return forVersion(type, std::move(*obj));
}

ApiResult<Json> ApiCore::list(const ResourceType& type, const std::string& ns, const ListOptions& opts) const {
  auto pred = selectorPredicate(opts.labelSelector, opts.fieldSelector);
  if (!pred) return pred.error();
  std::string start;
  std::uint64_t listRv = 0;
  if (!opts.continueToken.empty()) {
    auto decoded = unbase64(opts.continueToken);
    Json token = decoded ? Json::parse(*decoded, nullptr, false) : Json();
    if (!token.is_object() || !token.contains("rv") || !token["rv"].is_number_unsigned() || !token.contains("start") ||
        !token["start"].is_string())
      return badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
    listRv = token["rv"].get<std::uint64_t>();
    start = token["start"].get<std::string>();
    if (listRv < store_.oldestWatchableRv())
      return expired(
          "The provided continue parameter is too old to display a consistent list result. You can start a new list "
          "without the continue parameter, or use the continue token in this response to retrieve the remainder of "
          "the results. Continuing with the provided token results in an inconsistent list - objects that were "
          "created, modified, or deleted between the time the first chunk was returned and now may show up in the "
          "list.");
  }
  auto page = store_.list(type.storageKey(), type.namespaced ? ns : "", start, opts.limit, pred.value());
  if (listRv == 0) listRv = page.rv;
  Json items = Json::array();
  for (auto& item : page.items) items.push_back(forVersion(type, std::move(item)));
  Json meta = {{"resourceVersion", std::to_string(listRv)}};
  if (page.more) {
    meta["continue"] = base64(Json{{"rv", listRv}, {"start", page.lastKey}}.dump());
    if (page.remainingKnown) meta["remainingItemCount"] = page.remaining;
  }
  return Json{{"apiVersion", type.apiVersion()}, {"kind", type.listKind}, {"metadata", meta}, {"items", items}};
}

ApiResult<Json> ApiCore::create(const ResourceType& type, const std::string& ns, Json body, const WriteOptions& opts,
                                WriteInfo* info) {
  auto lock = store_.writeLock();
  return createLocked(type, ns, std::move(body), opts, info, nullptr);
}

ApiResult<Json> ApiCore::createLocked(const ResourceType& type, const std::string& ns, Json body,
                                      const WriteOptions& opts, WriteInfo* info, const FieldSet* appliedFields) {
  if (!body.is_object()) return badRequest("the body of the request must be a JSON object");
  if (body.contains("kind") && body["kind"] != type.kind)
    return badRequest("the API version in the data (" + body.value("apiVersion", "") + ") does not match the expected API version (" +
                      type.apiVersion() + ")");
  body = forVersion(type, std::move(body));
  if (!body["metadata"].is_object()) body["metadata"] = Json::object();
  Json& meta = body["metadata"];
  std::string name = meta.value("name", "");
  if (name.empty()) {
    std::string prefix = meta.value("generateName", "");
    if (prefix.empty())
      return invalid(type.group, type.kind, "",
                     {{"FieldValueRequired", "Required value: name or generateName is required", "metadata.name"}});
    std::lock_guard rl(rngMu_);
    name = prefix + randomNameSuffix(rng_);
    meta["name"] = name;
  }
  if (type.namespaced) {
    std::string bodyNs = meta.value("namespace", "");
    if (!bodyNs.empty() && bodyNs != ns)
      return badRequest("the namespace of the provided object does not match the namespace sent on the request");
    meta["namespace"] = ns;
    auto nsObj = store_.get("/namespaces", "", ns);
    if (!nsObj) return notFound("", "namespaces", ns);
    if (hasDeletionTimestamp(*nsObj)) return forbiddenNamespaceTerminating(type.group, type.plural, name, ns);
  } else {
    meta.erase("namespace");
  }
  if (meta.contains("resourceVersion") && !meta["resourceVersion"].is_null() && meta["resourceVersion"] != "")
    return internalError("resourceVersion should not be set on objects to be created");
  if (store_.get(type.storageKey(), type.namespaced ? ns : "", name))
    return alreadyExists(type.group, type.plural, name);
  {
    std::lock_guard rl(rngMu_);
    meta["uid"] = randomUid(rng_);
  }
  meta["creationTimestamp"] = now();
  meta.erase("deletionTimestamp");
  meta.erase("deletionGracePeriodSeconds");
  meta.erase("managedFields");
  if (tracksGeneration(type)) meta["generation"] = 1;
  else meta.erase("generation");
  if (type.hasStatus) body.erase("status");
  if (auto err = admit(type, body, nullptr, opts)) return *err;
  if (validatingAdmission_)
    if (auto err = validatingAdmission_(type, "CREATE", "", ns, body, nullptr, opts)) return *err;
  if (appliedFields)
    recordManager(body, opts.fieldManager, "Apply", type.apiVersion(), *appliedFields, true);
  else if (!opts.fieldManager.empty())
    recordManager(body, opts.fieldManager, "Update", type.apiVersion(), leafFields(body), false);
  if (info) {
    info->changed = !opts.dryRun;
    info->created = true;
    info->specChanged = true;
  }
  if (opts.dryRun) return body;
  Json stored = store_.put(type.storageKey(), std::move(body));
  afterCommit(type, stored);
  return forVersion(type, std::move(stored));
}

ApiResult<Json> ApiCore::update(const ResourceType& type, const std::string& ns, const std::string& name, Json body,
                                const std::string& subresource, const WriteOptions& opts, WriteInfo* info) {
  auto lock = store_.writeLock();
  return updateLocked(type, ns, name, std::move(body), subresource, opts, true, info, nullptr);
}

ApiResult<Json> ApiCore::updateLocked(const ResourceType& type, const std::string& ns, const std::string& name,
                                      Json body, const std::string& subresource, const WriteOptions& opts,
                                      bool requireResourceVersion, WriteInfo* info, const FieldSet* appliedFields) {
  if (!body.is_object()) return badRequest("the body of the request must be a JSON object");
  std::string effNs = type.namespaced ? ns : "";
  auto existing = store_.get(type.storageKey(), effNs, name);
  std::string bodyName = metaString(body, "name");
  if (!bodyName.empty() && bodyName != name)
    return badRequest("the name of the object (" + bodyName + ") does not match the name on the URL (" + name + ")");
  if (!existing) {
    bool createOnUpdate = !type.custom && (type.plural == "leases" || type.plural == "events");
    if (!createOnUpdate || !subresource.empty()) return notFound(type.group, type.plural, name);
    body["metadata"]["name"] = name;
    body["metadata"].erase("resourceVersion");
    return createLocked(type, ns, std::move(body), opts, info, nullptr);
  }
  const Json& old = *existing;
  std::string bodyRv = metaString(body, "resourceVersion");
  if (bodyRv.empty() && requireResourceVersion && type.custom)
    return invalid(type.group, type.kind, name,
                   {{"FieldValueInvalid", "Invalid value: 0x0: must be specified for an update",
                     "metadata.resourceVersion"}});
  if (!bodyRv.empty() && bodyRv != metaString(old, "resourceVersion"))
    return conflictModified(type.group, type.plural, name);

  Json next;
  if (subresource == "status") {
    next = old;
    if (body.contains("status")) next["status"] = body["status"];
    else next.erase("status");
  } else {
    next = forVersion(type, std::move(body));
    if (!next["metadata"].is_object()) next["metadata"] = Json::object();
    if (type.hasStatus) {
      if (old.contains("status")) next["status"] = old["status"];
      else next.erase("status");
    }
    Json& meta = next["metadata"];
    for (const char* keep : {"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                             "generation", "managedFields"}) {
      Json v = metaField(old, keep);
      if (v.is_null()) meta.erase(keep);
      else meta[keep] = v;
    }
    meta["name"] = name;
    if (type.namespaced) meta["namespace"] = ns;
    else meta.erase("namespace");
    if (hasDeletionTimestamp(old)) {
      auto before = finalizers(old);
      std::vector<std::string> added;
      for (const auto& f : finalizers(next))
        if (std::find(before.begin(), before.end(), f) == before.end()) added.push_back(f);
      if (!added.empty()) {
        std::string list;
        for (const auto& a : added) list += (list.empty() ? "\"" : ", \"") + a + "\"";
        return invalid(type.group, type.kind, name,
                       {{"FieldValueForbidden",
                         "Forbidden: no new finalizers can be added if the object is being deleted, found new "
                         "finalizers []string{" + list + "}",
                         "metadata.finalizers"}});
      }
    }
  }
  next["metadata"]["resourceVersion"] = metaString(old, "resourceVersion");
  if (auto err = admit(type, next, &old, opts)) return *err;
  if (validatingAdmission_)
    if (auto err = validatingAdmission_(type, "UPDATE", subresource, ns, next, &old, opts)) return *err;
  bool specChanged = withoutMetaAndStatus(old, true) != withoutMetaAndStatus(next, true);
  bool statusChanged = old.value("status", Json()) != next.value("status", Json());
  bool nonMetaChanged = withoutMetaAndStatus(old, type.hasStatus) != withoutMetaAndStatus(next, type.hasStatus);
  if (tracksGeneration(type) && nonMetaChanged && subresource != "status")
    next["metadata"]["generation"] = metaField(old, "generation").is_number() ? metaField(old, "generation").get<std::int64_t>() + 1 : 1;
  if (appliedFields) {
    recordManager(next, opts.fieldManager, "Apply", type.apiVersion(), *appliedFields, true);
  } else if (!opts.fieldManager.empty()) {
    FieldSet changed = changedFields(old, next);
    for (auto it = changed.begin(); it != changed.end();) {
      bool isStatus = !it->empty() && it->front() == "status";
      it = (isStatus != (subresource == "status")) ? changed.erase(it) : std::next(it);
    }
    if (!changed.empty()) recordManager(next, opts.fieldManager, "Update", type.apiVersion(), changed, false);
  }
  Json oldCmp = old, nextCmp = next;
  oldCmp["metadata"].erase("managedFields");
  nextCmp["metadata"].erase("managedFields");
  if (oldCmp == nextCmp) return forVersion(type, old);  // a no-op write stores nothing, as etcd3's store
  if (info) {
    info->changed = !opts.dryRun;
    info->specChanged = specChanged;
    info->statusChanged = statusChanged;
  }
  if (opts.dryRun) return forVersion(type, std::move(next));
  bool namespaceFinalizing = type.plural == "namespaces" && type.group.empty();
  if (hasDeletionTimestamp(next) && finalizers(next).empty() && !namespaceFinalizing) {
    if (info) info->deleted = true;
    return forVersion(type, eraseLocked(type, next));
  }
  Json stored = store_.put(type.storageKey(), std::move(next));
  afterCommit(type, stored);
  return forVersion(type, std::move(stored));
}

std::optional<ApiStatus> ApiCore::admit(const ResourceType& type, Json& obj, const Json* old, const WriteOptions& opts) {
  {
    std::lock_guard rl(rngMu_);
    if (!old) defaultBuiltin(type, obj, rng_);
  }
  if (type.group.empty() && type.plural == "namespaces") {
    if (!obj["spec"].is_object()) obj["spec"] = Json::object();
    if (!old) {
      obj["spec"]["finalizers"] = {"kubernetes"};
      obj["status"] = {{"phase", "Active"}};
    }
    obj["metadata"]["labels"]["kubernetes.io/metadata.name"] = metaString(obj, "name");
  }
  if (auto err = validateObjectRules(type, obj, old == nullptr)) return err;  // names, labels, annotations, pod templates
  if (auto err = validateOwnerReferences(type, obj)) return err;
  if (auto err = validateRoleRef(type, obj, old)) return err;
  if (type.storageKey() == kCrdKey) return admitCrd(obj, old);
  if (!type.custom || !type.structural) return std::nullopt;
  if (!type.preserveUnknownFields) {
    auto unknown = type.structural->unknownFields(obj);
    if (!unknown.empty() && opts.fieldValidation == "Strict") {
      std::string msg = "strict decoding error: ";
      for (std::size_t i = 0; i < unknown.size(); ++i) msg += (i ? ", " : "") + std::string("unknown field \"") + unknown[i] + "\"";
      return badRequest(msg);
    }
    if (opts.fieldValidation != "Ignore" && opts.warnings)
      for (const auto& u : unknown) opts.warnings->push_back("unknown field \"" + u + "\"");
    type.structural->prune(obj);
  }
  type.structural->applyDefaults(obj);
  auto violations = type.structural->validate(obj);
  if (violations.empty()) return std::nullopt;
  std::vector<StatusCause> causes;
  for (const auto& v : violations) causes.push_back({v.type, v.message, v.field});
  return invalid(type.group, type.kind, metaString(obj, "name"), std::move(causes));
}

std::optional<ApiStatus> ApiCore::admitCrd(Json& obj, const Json* old) {
  std::string name = metaString(obj, "name");
  std::string error;
  auto types = Registry::typesFromCrd(obj, &error);
  if (!types)
    return invalid("apiextensions.k8s.io", "CustomResourceDefinition", name, {{"FieldValueInvalid", error, "spec"}});
  std::string expected = types->front().plural + "." + types->front().group;
  if (name != expected)
    return invalid("apiextensions.k8s.io", "CustomResourceDefinition", name,
                   {{"FieldValueInvalid", "Invalid value: \"" + name + "\": must be spec.names.plural+\".\"+spec.group",
                     "metadata.name"}});
  if (old && old->contains("status")) return std::nullopt;  // keeps its conditions
  std::string t = now();
  Json storage = Json::array();
  for (const auto& v : *types)
    if (v.storageVersion) storage.push_back(v.version);
  obj["status"] = {
      {"conditions",
       {{{"type", "NamesAccepted"}, {"status", "True"}, {"reason", "NoConflicts"}, {"message", "no conflicts found"},
         {"lastTransitionTime", t}},
        {{"type", "Established"}, {"status", "True"}, {"reason", "InitialNamesAccepted"},
         {"message", "the initial names have been accepted"}, {"lastTransitionTime", t}}}},
      {"acceptedNames", obj["spec"].value("names", Json::object())},
      {"storedVersions", storage}};
  return std::nullopt;
}

void ApiCore::afterCommit(const ResourceType& type, const Json& stored) {
  if (type.storageKey() != kCrdKey) return;
  auto types = Registry::typesFromCrd(stored, nullptr);
  if (types) registry_.setCustom(metaString(stored, "name"), *types);
}

}  // namespace modelops::devserver
