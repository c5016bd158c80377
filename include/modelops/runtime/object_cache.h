// ObjectCache: the informer's indexed, thread-safe store of one resource's objects.
// Objects are stored compactly: each one as its CBOR encoding (RFC 8949, nlohmann::json::to_cbor),
// typically a tenth of the memory of a parsed nlohmann::json tree, plus its resourceVersion. Readers
// get a freshly decoded, immutable copy (shared_ptr<const Json>), so they keep what they got even
// while the informer replaces it, and a reader can never change what another one sees.
// Indexes: namespace/name (the key), owner UID (every ownerReferences[].uid) and label "key=value";
// index entries point at the stored element (stable in a node-based map), so keys are held once.
// Thread-safety: readers share a reader/writer lock (decoding happens under it); only the informer
// writes.
#pragma once

#include <cstddef>
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
  // The stored object's resourceVersion without decoding it; empty when there is no such object.
  std::string resourceVersionByKey(const std::string& key) const;
  // All objects, or those of one namespace.
  std::vector<ObjectPtr> list(const std::string& ns = "") const;
  // Objects with an ownerReference to the given UID.
  std::vector<ObjectPtr> byOwner(const std::string& ownerUid) const;
  // Objects labelled key=value.
  std::vector<ObjectPtr> byLabel(const std::string& key, const std::string& value) const;
  std::vector<std::string> keys() const;
  std::size_t size() const;
  // Bytes of encoded object data held (excluding keys, indexes and allocator overhead).
  std::size_t encodedBytes() const;

  // Writers (the informer). Both return the previous object (null when there was none).
  ObjectPtr upsert(ObjectPtr object);
  ObjectPtr erase(const std::string& key);

 private:
  struct Entry {
    std::string encoded;          // CBOR
    std::string resourceVersion;  // metadata.resourceVersion, for cheap relist diffs
  };
  using Items = std::unordered_map<std::string, Entry>;
  using Item = Items::value_type;
  using Index = std::unordered_map<std::string, std::unordered_set<const Item*>>;

  static ObjectPtr decode(const Entry& entry);
  void indexLocked(const Item* item, const Json& object, bool add);
  std::vector<ObjectPtr> lookupLocked(const Index& index, const std::string& value) const;

  mutable std::shared_mutex mu_;
  Items items_;
  Index byOwner_;
  Index byLabel_;
  std::size_t encodedBytes_ = 0;
};

}  // namespace modelops::runtime
