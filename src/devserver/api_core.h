// ApiCore: the semantics of the Kubernetes API over the ObjectStore, independent of HTTP:
// create/get/list/update/patch/apply/delete with uid, generation, resourceVersion, status
// subresource, finalizers, deletion propagation, CR schema validation/defaulting/pruning, CRD
// registration and simplified managedFields. The HTTP handlers, the garbage collector and the
// workload simulator all write through it.
// Thread-safety: all members are safe to call concurrently; writes serialise on the store's
// write lock so each read-modify-write is atomic.
#pragma once

#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_status.h"
#include "modelops/common/clock.h"
#include "object_meta.h"
#include "registry.h"
#include "store.h"

namespace modelops::devserver {

// The store key of CustomResourceDefinitions, whose writes also change the served API.
inline constexpr std::string_view kCrdKey = "apiextensions.k8s.io/customresourcedefinitions";

struct WriteOptions {
  bool dryRun = false;
  std::string fieldManager;             // recorded in managedFields; required for apply
  std::string fieldValidation = "Warn";  // Strict | Warn | Ignore (unknown fields of custom resources)
  bool force = false;                   // apply: take ownership of conflicting fields
  std::vector<std::string>* warnings = nullptr;  // Warning headers to send
};

// What a write did, for the audit log.
struct WriteInfo {
  bool changed = false;        // something was stored
  bool specChanged = false;    // anything outside metadata and status changed
  bool statusChanged = false;
  bool created = false;
  bool deleted = false;        // removed from storage
};

struct ListOptions {
  std::string labelSelector;
  std::string fieldSelector;
  std::size_t limit = 0;
  std::string continueToken;
};

struct DeleteOptions {
  std::string propagationPolicy;  // Background (default), Foreground, Orphan
  std::string preconditionUid;
  std::string preconditionResourceVersion;
  bool dryRun = false;
};

enum class PatchType { Merge, Json, Strategic, Apply };

class ApiCore {
 public:
  ApiCore(Registry& registry, ObjectStore& store, const Clock& clock, std::uint64_t seed);

  ApiResult<Json> create(const ResourceType& type, const std::string& ns, Json body, const WriteOptions& opts,
                         WriteInfo* info = nullptr);
  ApiResult<Json> get(const ResourceType& type, const std::string& ns, const std::string& name) const;
  ApiResult<Json> list(const ResourceType& type, const std::string& ns, const ListOptions& opts) const;
  // subresource: "" or "status".
  ApiResult<Json> update(const ResourceType& type, const std::string& ns, const std::string& name, Json body,
                         const std::string& subresource, const WriteOptions& opts, WriteInfo* info = nullptr);
  ApiResult<Json> patch(const ResourceType& type, const std::string& ns, const std::string& name, PatchType kind,
                        const Json& patchBody, const std::string& subresource, const WriteOptions& opts,
                        WriteInfo* info = nullptr);
  // 200 body: the object (finalizers pending) or a Success Status.
  ApiResult<Json> remove(const ResourceType& type, const std::string& ns, const std::string& name,
                         const DeleteOptions& opts, WriteInfo* info = nullptr);

  // Erases an object that is being deleted and has no finalizers left (namespace finalization).
  ApiResult<Json> finalizeDeletion(const ResourceType& type, const std::string& ns, const std::string& name);

  // Label and field selector predicate; error as a 400 Status.
  static ApiResult<std::function<bool(const Json&)>> selectorPredicate(const std::string& labelSelector,
                                                                      const std::string& fieldSelector);
  // Rewrites apiVersion/kind for the version a request asked for.
  static Json forVersion(const ResourceType& type, Json obj);

  // Called after every committed deletion (the garbage collector wakes up).
  void setOnDelete(std::function<void()> cb) { onDelete_ = std::move(cb); }

  // Validating admission webhooks, called on create and update after admit() and before storage
  // (see admission.h); set once before serving.
  using ValidatingAdmission = std::function<std::optional<ApiStatus>(
      const ResourceType& type, const std::string& operation, const std::string& subresource, const std::string& ns,
      const Json& object, const Json* old, const WriteOptions& opts)>;
  void setValidatingAdmission(ValidatingAdmission hook) { validatingAdmission_ = std::move(hook); }

  Registry& registry() { return registry_; }
  ObjectStore& store() { return store_; }
  const Clock& clock() const { return clock_; }

 private:
  ApiResult<Json> updateLocked(const ResourceType& type, const std::string& ns, const std::string& name,
                               Json body, const std::string& subresource, const WriteOptions& opts,
                               bool requireResourceVersion, WriteInfo* info, const FieldSet* appliedFields);
  ApiResult<Json> createLocked(const ResourceType& type, const std::string& ns, Json body, const WriteOptions& opts,
                               WriteInfo* info, const FieldSet* appliedFields);
  ApiResult<Json> applyLocked(const ResourceType& type, const std::string& ns, const std::string& name,
                              const Json& applied, const std::string& subresource, const WriteOptions& opts,
                              WriteInfo* info);
  // Defaults, pruning, unknown-field policy and validation of the object about to be stored.
  std::optional<ApiStatus> admit(const ResourceType& type, Json& obj, const Json* old, const WriteOptions& opts);
  std::optional<ApiStatus> admitCrd(Json& obj, const Json* old);
  void recordManager(Json& obj, const std::string& manager, const std::string& operation, const std::string& apiVersion,
                     const FieldSet& fields, bool replaceSet);
  // Final erase with post-delete effects (CRD removal). Returns the DELETED object.
  Json eraseLocked(const ResourceType& type, const Json& obj);
  void afterCommit(const ResourceType& type, const Json& stored);
  std::string now() const;

  Registry& registry_;
  ObjectStore& store_;
  const Clock& clock_;
  std::mutex rngMu_;
  std::mt19937_64 rng_;
  std::function<void()> onDelete_;
  ValidatingAdmission validatingAdmission_;
};

}  // namespace modelops::devserver
