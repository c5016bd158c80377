// OpenAPI v3 documents for kubectl: the /openapi/v3 index and one document per group/version with
// component schemas (`kubectl explain`) and paths whose write operations declare the `fieldValidation`
// query parameter and `x-kubernetes-group-version-kind`, which makes kubectl 1.32 use server-side field
// validation instead of asking for /openapi/v2.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace modelops::apimachinery {

struct GroupVersion {
  std::string group;    // "" for the core group
  std::string version;  // "v1"
  std::string hash;     // content hash for the index URL (openApiV3DocHash of the doc); derived if empty
  // "api/v1" for the core group, "apis/<group>/<version>" otherwise.
  std::string path() const;
};

// One served resource of a group/version.
struct ResourceDescription {
  std::string group;
  std::string version;
  std::string kind;      // "ModelDeployment"
  std::string plural;    // "modeldeployments"
  bool namespaced = true;
  bool statusSubresource = false;
  bool scaleSubresource = false;
  // Declare application/strategic-merge-patch+json on the patch operations. Leave it false for built-in
  // kinds served with a reduced schema: kubectl then computes its apply patches from its compiled-in types
  // (with the real merge keys) instead of from our schema; custom resources never accept it.
  bool strategicMergePatch = false;
  // openAPIV3Schema of the version; null or empty for built-ins (then: type object, preserve unknown).
  nlohmann::json schema;
  std::string description;  // used when the schema has none
};

// {"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=<hash>"}, "apis/G/V": {...}}}
nlohmann::json openApiV3Index(const std::vector<GroupVersion>& gvs);

// The OpenAPI 3.0 document for one group/version: components.schemas keyed by the reversed-group name
// ("dev.modelops.v1alpha1.ModelDeployment", "io.k8s.api.apps.v1.Deployment", ...) with
// x-kubernetes-group-version-kind, the list kinds, ObjectMeta/ListMeta/Status schemas, and collection,
// item (and /status) paths with get/post/put/patch/delete operations.
nlohmann::json openApiV3GroupVersionDoc(const GroupVersion& gv, const std::vector<ResourceDescription>& resources);

// The component schema name for a kind: reversed group + version + kind, e.g. group "modelops.dev" ->
// "dev.modelops.v1alpha1.ModelDeployment"; core "io.k8s.api.core.v1.ConfigMap"; apps ->
// "io.k8s.api.apps.v1.Deployment"; apiextensions.k8s.io -> "io.k8s.apiextensions-apiserver.pkg.apis...".
std::string openApiSchemaName(const std::string& group, const std::string& version, const std::string& kind);

// An opaque, stable hex digest of a document (upper-case, as the apiserver's ETag-like hash).
std::string openApiV3DocHash(const nlohmann::json& doc);

}  // namespace modelops::apimachinery
