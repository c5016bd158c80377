// ApiCore patch (merge, JSON, strategic), server-side apply with simplified field ownership,
// delete with finalizers and propagation, and managedFields bookkeeping. See api_core.h and
// docs/devserver.md for what "simplified" means for apply.
// Thread-safety: every entry point holds the store's write lock for its whole read-modify-write.
#include <algorithm>
#include <map>

#include "api_core.h"
#include "modelops/apimachinery/patch.h"

namespace modelops::devserver {

namespace {

struct ManagerEntry {
  Json raw;
  FieldSet fields;
};

std::vector<ManagerEntry> readManagers(const Json& obj) {
  std::vector<ManagerEntry> out;
  Json mf = metaField(obj, "managedFields");
  if (!mf.is_array()) return out;
  for (const auto& e : mf)
    if (e.is_object()) out.push_back({e, fromFieldsV1(e.value("fieldsV1", Json::object()))});
  return out;
}
}  // namespace

void ApiCore::recordManager(Json& obj, const std::string& manager, const std::string& operation,
                            const std::string& apiVersion, const FieldSet& fields, bool replaceSet) {
  if (manager.empty()) return;
  auto entries = readManagers(obj);
  bool isApply = operation == "Apply";
  bool found = false;
  for (auto& e : entries) {
    bool mine = e.raw.value("manager", "") == manager && e.raw.value("operation", "") == operation;
    if (mine) {
      found = true;
      if (replaceSet) e.fields = fields;
      else e.fields.insert(fields.begin(), fields.end());
      e.raw["time"] = now();
      e.raw["apiVersion"] = apiVersion;
    } else if (!isApply) {
      for (const auto& f : fields) e.fields.erase(f);  // an update takes the fields it changed
    }
  }
  if (!found)
    entries.push_back({Json{{"manager", manager}, {"operation", operation}, {"apiVersion", apiVersion},
                            {"time", now()}, {"fieldsType", "FieldsV1"}},
                       fields});
  Json out = Json::array();
  for (auto& e : entries) {
    if (e.fields.empty()) continue;
    e.raw["fieldsV1"] = toFieldsV1(e.fields);
    out.push_back(e.raw);
  }
  if (out.empty()) obj["metadata"].erase("managedFields");
  else obj["metadata"]["managedFields"] = out;
}

ApiResult<Json> ApiCore::patch(const ResourceType& type, const std::string& ns, const std::string& name, PatchType kind,
                               const Json& patchBody, const std::string& subresource, const WriteOptions& opts,
                               WriteInfo* info) {
  auto lock = store_.writeLock();
  if (kind == PatchType::Apply) return applyLocked(type, ns, name, patchBody, subresource, opts, info);
  if (kind == PatchType::Strategic && type.custom) return unsupportedMediaType("application/strategic-merge-patch+json");
  auto existing = store_.get(type.storageKey(), type.namespaced ? ns : "", name);
  if (!existing) return notFound(type.group, type.plural, name);
  Json current = forVersion(type, *existing);
  Result<Json> patched = Json();
  switch (kind) {
    case PatchType::Merge:
      if (!patchBody.is_object()) return badRequest("json: cannot unmarshal into Go value of type map[string]interface {}");
      patched = apimachinery::applyMergePatch(current, patchBody);
      break;
    case PatchType::Json:
      if (!patchBody.is_array()) return badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
      patched = apimachinery::applyJsonPatch(current, patchBody);
      break;
    case PatchType::Strategic:
      if (!patchBody.is_object()) return badRequest("json: cannot unmarshal into Go value of type map[string]interface {}");
      patched = apimachinery::applyStrategicMergePatch(current, patchBody, type.kind);
      break;
    case PatchType::Apply:
      break;
  }
  if (!patched) {
    ApiStatus s;
    s.code = 422;
    s.reason = "Invalid";
    s.message = patched.error().message;
    return s;
  }
  Json next = std::move(patched).value();
  // A patch that leaves resourceVersion as stored applies unconditionally; one that sets it is checked.
  return updateLocked(type, ns, name, std::move(next), subresource, opts, false, info, nullptr);
}

ApiResult<Json> ApiCore::applyLocked(const ResourceType& type, const std::string& ns, const std::string& name,
                                     const Json& applied, const std::string& subresource, const WriteOptions& opts,
                                     WriteInfo* info) {
  if (opts.fieldManager.empty()) return badRequest("PATCH requests with apply must specify fieldManager");
  if (!applied.is_object()) return badRequest("error decoding YAML: the apply configuration must be an object");
  if (applied.value("kind", "") != type.kind || !applied.contains("apiVersion"))
    return badRequest("invalid object type: " + applied.value("apiVersion", "") + ", Kind=" + applied.value("kind", ""));
  std::string bodyName = metaString(applied, "name");
  if (bodyName != name)
    return badRequest("the name of the object (" + bodyName + ") does not match the name on the URL (" + name + ")");
  FieldSet fields;
  for (const auto& p : leafFields(applied)) {
    bool isStatus = p.front() == "status";
    if (type.hasStatus && isStatus != (subresource == "status")) continue;
    fields.insert(p);
  }
  auto existing = store_.get(type.storageKey(), type.namespaced ? ns : "", name);
  if (!existing) {
    if (subresource == "status") return notFound(type.group, type.plural, name);
    return createLocked(type, ns, applied, opts, info, &fields);
  }
  const Json& old = *existing;
  auto managers = readManagers(old);
  FieldSet previous;
  std::map<std::string, std::vector<std::string>> conflicts;  // "<manager>|<apiVersion>" -> fields
  std::vector<StatusCause> causes;
  for (const auto& m : managers) {
    std::string manager = m.raw.value("manager", "");
    bool mine = manager == opts.fieldManager && m.raw.value("operation", "") == "Apply";
    if (mine) {
      previous = m.fields;
      continue;
    }
    for (const auto& p : fields) {
      if (!m.fields.count(p)) continue;
      const Json* a = valueAt(old, p);
      const Json* b = valueAt(applied, p);
      if (a && b && *a == *b) continue;  // same value: shared ownership
      std::string who = "conflict with \"" + manager + "\"";
      if (m.raw.value("operation", "") == "Update") who += " using " + m.raw.value("apiVersion", "");
      conflicts[who].push_back(formatFieldPath(p));
      causes.push_back({"FieldManagerConflict", who, formatFieldPath(p)});
    }
  }
  if (!causes.empty() && !opts.force) {
    std::string msg = "Apply failed with " + std::to_string(causes.size()) +
                      (causes.size() == 1 ? " conflict: " : " conflicts: ");
    bool first = true;
    for (const auto& [who, paths] : conflicts) {
      if (!first) msg += "\n";
      first = false;
      if (causes.size() == 1) {
        msg += who + ": " + paths.front();
      } else {
        msg += (paths.size() > 1 ? "conflicts" + who.substr(8) : who) + ":";
        for (const auto& p : paths) msg += "\n- " + p;
      }
    }
    ApiStatus s = conflict(type.group, type.plural, name, "");
    s.message = msg;
    s.causes = std::move(causes);
    return s;
  }
  Json merged = forVersion(type, old);
  Json body = applied;
  Json appliedMeta = body.value("metadata", Json::object());
  body.erase("metadata");
  body.erase("apiVersion");
  body.erase("kind");
  if (type.hasStatus && subresource != "status") body.erase("status");
  if (subresource == "status") body = Json{{"status", applied.value("status", Json::object())}};
  mergeApplied(merged, body);
  if (appliedMeta.is_object())
    for (const char* k : {"labels", "annotations"})
      if (appliedMeta.contains(k) && appliedMeta[k].is_object()) mergeApplied(merged["metadata"][k], appliedMeta[k]);
  if (appliedMeta.is_object())
    for (const char* k : {"finalizers", "ownerReferences"})
      if (appliedMeta.contains(k)) merged["metadata"][k] = appliedMeta[k];
  // Fields this manager applied before and no longer applies go, unless someone else owns them.
  for (const auto& p : previous) {
    if (fields.count(p)) continue;
    bool ownedElsewhere = false;
    for (const auto& m : managers)
      if (!(m.raw.value("manager", "") == opts.fieldManager && m.raw.value("operation", "") == "Apply") &&
          m.fields.count(p))
        ownedElsewhere = true;
    if (!ownedElsewhere) eraseAt(merged, p);
  }
  if (opts.force) {
    // Forced fields leave their previous owners.
    Json mf = merged["metadata"].value("managedFields", Json::array());
    Json kept = Json::array();
    for (auto& e : mf) {
      if (!(e.value("manager", "") == opts.fieldManager && e.value("operation", "") == "Apply")) {
        FieldSet f = fromFieldsV1(e.value("fieldsV1", Json::object()));
        for (const auto& p : fields) f.erase(p);
        if (f.empty()) continue;
        e["fieldsV1"] = toFieldsV1(f);
      }
      kept.push_back(e);
    }
    merged["metadata"]["managedFields"] = kept;
  }
  std::string appliedRv = appliedMeta.is_object() ? appliedMeta.value("resourceVersion", "") : "";
  if (!appliedRv.empty()) merged["metadata"]["resourceVersion"] = appliedRv;
  return updateLocked(type, ns, name, std::move(merged), subresource, opts, false, info, &fields);
}

Json ApiCore::eraseLocked(const ResourceType& type, const Json& obj) {
  Json deleted = store_.erase(type.storageKey(), obj);
  if (type.storageKey() == kCrdKey) {
    auto types = Registry::typesFromCrd(obj, nullptr);
    registry_.setCustom(metaString(obj, "name"), {});
    if (types)
      for (const auto& instance : store_.all(types->front().storageKey()))
        store_.erase(types->front().storageKey(), instance);
  }
  if (onDelete_) onDelete_();
  return deleted;
}

ApiResult<Json> ApiCore::finalizeDeletion(const ResourceType& type, const std::string& ns, const std::string& name) {
  auto lock = store_.writeLock();
  auto existing = store_.get(type.storageKey(), type.namespaced ? ns : "", name);
  if (!existing) return notFound(type.group, type.plural, name);
  if (!hasDeletionTimestamp(*existing) || !finalizers(*existing).empty())
    return conflict(type.group, type.plural, name, "the object is not ready to be removed");
  return forVersion(type, eraseLocked(type, *existing));
}

ApiResult<Json> ApiCore::remove(const ResourceType& type, const std::string& ns, const std::string& name,
                                const DeleteOptions& opts, WriteInfo* info) {
  auto lock = store_.writeLock();
  auto existing = store_.get(type.storageKey(), type.namespaced ? ns : "", name);
  if (!existing) return notFound(type.group, type.plural, name);
  Json obj = forVersion(type, *existing);
  std::string uid = metaString(obj, "uid");
  if (!opts.preconditionUid.empty() && opts.preconditionUid != uid)
    return conflict(type.group, type.plural, name,
                    "Precondition failed: UID in precondition: " + opts.preconditionUid + ", UID in object meta: " + uid);
  if (!opts.preconditionResourceVersion.empty() && opts.preconditionResourceVersion != metaString(obj, "resourceVersion"))
    return conflict(type.group, type.plural, name,
                    "Precondition failed: ResourceVersion in precondition: " + opts.preconditionResourceVersion +
                        ", ResourceVersion in object meta: " + metaString(obj, "resourceVersion"));
  const std::string& policy = opts.propagationPolicy;
  if (!policy.empty() && policy != "Background" && policy != "Foreground" && policy != "Orphan")
    return invalid("", "DeleteOptions", "",
                   {{"FieldValueNotSupported",
                     "Unsupported value: \"" + policy + "\": supported values: \"Foreground\", \"Background\", \"Orphan\"",
                     "propagationPolicy"}});
  if (opts.dryRun) return hasDeletionTimestamp(obj) || !finalizers(obj).empty() ? obj : successStatus(type.group, type.plural, name, uid);
  if (policy == "Orphan") {
    for (const auto& key : store_.storageKeys()) {
      for (auto dep : store_.all(key)) {
        Json refs = metaField(dep, "ownerReferences");
        if (!refs.is_array()) continue;
        Json kept = Json::array();
        for (const auto& r : refs)
          if (!(r.is_object() && r.value("uid", "") == uid)) kept.push_back(r);
        if (kept.size() == refs.size()) continue;
        if (kept.empty()) dep["metadata"].erase("ownerReferences");
        else dep["metadata"]["ownerReferences"] = kept;
        store_.put(key, std::move(dep));
      }
    }
  }
  bool isNamespace = type.group.empty() && type.plural == "namespaces";
  auto fins = finalizers(obj);
  if (policy == "Foreground" && std::find(fins.begin(), fins.end(), "foregroundDeletion") == fins.end() &&
      !hasDeletionTimestamp(obj)) {
    obj["metadata"]["finalizers"].push_back("foregroundDeletion");
    fins.push_back("foregroundDeletion");
  }
  if (!fins.empty() || isNamespace) {
    if (hasDeletionTimestamp(obj) && obj == forVersion(type, *existing)) return obj;  // already deleting
    if (!hasDeletionTimestamp(obj)) {
      obj["metadata"]["deletionTimestamp"] = now();
      obj["metadata"]["deletionGracePeriodSeconds"] = 0;
    }
    if (isNamespace) obj["status"]["phase"] = "Terminating";
    Json stored = store_.put(type.storageKey(), std::move(obj));
    if (info) info->changed = true;
    if (onDelete_) onDelete_();
    return forVersion(type, std::move(stored));
  }
  eraseLocked(type, obj);
  if (info) {
    info->changed = true;
    info->deleted = true;
  }
  return successStatus(type.group, type.plural, name, uid);
}

}  // namespace modelops::devserver
