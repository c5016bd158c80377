// Registry of the resource types the dev server serves: the built-in kinds and one entry per served
// version of every established CustomResourceDefinition. Answers discovery documents
// (/api, /api/v1, /apis, /apis/G, /apis/G/V) in their legacy, non-aggregated form.
// Thread-safety: all members are safe to call concurrently (a shared mutex guards the table);
// lookups return shared_ptr<const ResourceType> snapshots that stay valid after removal.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/apimachinery/schema.h"

namespace modelops::devserver {

using Json = nlohmann::json;

struct ResourceType {
  std::string group;    // "" for core
  std::string version;  // the version this entry serves
  std::string plural;
  std::string singular;
  std::string kind;
  std::string listKind;
  bool namespaced = true;
  std::vector<std::string> shortNames;
  std::vector<std::string> categories;
  bool hasStatus = false;  // a /status subresource
  bool hasScale = false;   // a /scale subresource
  bool custom = false;     // served from a CRD
  bool storageVersion = true;
  std::string crdName;     // "<plural>.<group>" for custom resources
  Json schema;             // openAPIV3Schema of this version (custom resources), or null
  Json printerColumns = Json::array();  // CRD additionalPrinterColumns of this version
  bool preserveUnknownFields = false;   // x-kubernetes-preserve-unknown-fields at the root
  std::shared_ptr<const apimachinery::StructuralSchema> structural;  // parsed schema, custom only

  std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }
  // Objects of all versions of one resource share storage under this key.
  std::string storageKey() const { return group + "/" + plural; }
};

using ResourceTypePtr = std::shared_ptr<const ResourceType>;

class Registry {
 public:
  Registry();  // registers the built-in kinds

  ResourceTypePtr find(const std::string& group, const std::string& version, const std::string& plural) const;
  // By apiVersion ("apps/v1", "v1") and kind: resolves ownerReferences and apply bodies.
  ResourceTypePtr findByKind(const std::string& apiVersion, const std::string& kind) const;
  // Any served version of a group/resource (for the garbage collector, which works on storage keys).
  ResourceTypePtr findByStorageKey(const std::string& storageKey) const;
  std::vector<ResourceTypePtr> all() const;

  // Replaces every entry that came from crdName with types (empty: removes the CRD's types).
  void setCustom(const std::string& crdName, const std::vector<ResourceType>& types);
  // Builds the ResourceTypes of an apiextensions.k8s.io/v1 CRD object; error text when unusable.
  static std::optional<std::vector<ResourceType>> typesFromCrd(const Json& crd, std::string* error);

  // Discovery documents. serverAddress is host:port for APIVersions.serverAddressByClientCIDRs.
  Json coreVersions(const std::string& serverAddress) const;  // /api
  Json groupList() const;                                     // /apis
  std::optional<Json> group(const std::string& name) const;   // /apis/G
  std::optional<Json> resourceList(const std::string& group, const std::string& version) const;

 private:
  static std::string key(const std::string& group, const std::string& version, const std::string& plural) {
    return group + "/" + version + "/" + plural;
  }
  void addLocked(ResourceType type);
  // group -> versions in preference order
  std::map<std::string, std::vector<std::string>> versionsLocked() const;

  mutable std::shared_mutex mu_;
  std::map<std::string, ResourceTypePtr> types_;  // by key(group, version, plural)
  std::vector<std::string> groupOrder_;           // built-in groups first, then CRD groups as added
};

}  // namespace modelops::devserver
