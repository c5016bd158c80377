// ObjectCache: the informer's indexed, thread-safe store of one resource's objects.
// Objects are immutable once stored (shared_ptr<const Json>), so readers keep what they got even
// while the informer replaces it. Indexes: namespace/name (the key), owner UID (every
// ownerReferences[].uid) and label "key=value".
// Thread-safety: readers share a reader/writer lock; only the informer writes.
#pragma once

#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

namespace modelops::runtime {

using Json = nlohmann::json;
using ObjectPtr = std::shared_ptr<const Json>;

// "ns/name", or "name" for a cluster-scoped object (empty namespace).
std::string objectKey(const std::string& ns, const std::string& name);
std::string objectKey(const Json& object);
// Splits an object key back into namespace and name.
std::pair<std::string, std::string> splitObjectKey(const std::string& key);
std::string resourceVersionOf(const Json& object);

class ObjectCache {
 public:
  ObjectPtr get(const std::string& ns, const std::string& name) const { return getByKey(objectKey(ns, name)); }
  ObjectPtr getByKey(const std::string& key) const;
  // All objects, or those of one namespace.
  std::vector<ObjectPtr> list(const std::string& ns = "") const;
  // Objects with an ownerReference to the given UID.
  std::vector<ObjectPtr> byOwner(const std::string& ownerUid) const;
  // Objects labelled key=value.
  std::vector<ObjectPtr> byLabel(const std::string& key, const std::string& value) const;
  std::vector<std::string> keys() const;
  std::size_t size() const;

  // Writers (the informer). Both return the previous object (null when there was none).
  ObjectPtr upsert(ObjectPtr object);
  ObjectPtr erase(const std::string& key);

 private:
  void indexLocked(const std::string& key, const Json& object, bool add);
  std::vector<ObjectPtr> lookupLocked(const std::unordered_set<std::string>* keys) const;

  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, ObjectPtr> items_;
  std::unordered_map<std::string, std::unordered_set<std::string>> byOwner_;
  std::unordered_map<std::string, std::unordered_set<std::string>> byLabel_;
};

}  // namespace modelops::runtime
