// Structural schema transforms (see schema.h): defaulting, pruning of unknown fields and unknown-field
// detection, following apiextensions-apiserver's structural defaulting and pruning:
//  - null for a non-nullable property is replaced by its default, or removed when it has none
//    (PruneNonNullableNullsWithoutDefaults), before defaults are applied;
//  - defaults apply recursively, also inside values that were just defaulted and inside array items;
//  - pruning keeps apiVersion, kind and metadata at the root and in x-kubernetes-embedded-resource
//    objects, keeps everything under x-kubernetes-preserve-unknown-fields (while still pruning inside
//    the properties it declares).
// Thread-safety: const methods over immutable nodes; they mutate only the object passed in.
#include "schema_node.h"

namespace modelops::apimachinery {

using nlohmann::json;
using Node = StructuralSchema::Node;

namespace {

std::string child(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

bool isObjectMetaKey(bool root, const Node& n, const std::string& key) {
  return (root || n.embeddedResource) && (key == "apiVersion" || key == "kind" || key == "metadata");
}

void defaults(const Node& n, json& v, bool root) {
  if (v.is_object()) {
    for (const auto& [key, prop] : n.properties) {
      if (root && key == "metadata") continue;
      auto it = v.find(key);
      if (it == v.end()) {
        if (prop->defaultValue) v[key] = *prop->defaultValue;
      } else if (it->is_null() && !prop->nullable) {
        if (prop->defaultValue) *it = *prop->defaultValue;
        else v.erase(it);
      }
    }
    for (auto it = v.begin(); it != v.end();) {
      const std::string key = it.key();
      if (root && key == "metadata") { ++it; continue; }
      const Node* sub = nullptr;
      if (auto p = n.properties.find(key); p != n.properties.end()) sub = p->second.get();
      else if (n.additionalProperties) sub = n.additionalProperties.get();
      if (sub && it->is_null() && !sub->nullable && !n.properties.count(key)) {
        // additionalProperties values follow the same null rule
        if (sub->defaultValue) *it = *sub->defaultValue;
        else { it = v.erase(it); continue; }
      }
      if (sub) defaults(*sub, *it, false);
      ++it;
    }
  } else if (v.is_array() && n.items) {
    for (auto& item : v) {
      if (item.is_null() && !n.items->nullable && n.items->defaultValue) item = *n.items->defaultValue;
      defaults(*n.items, item, false);
    }
  }
}

// Removes (when `remove`) and records unknown fields under `path`.
void prune(const Node& n, json& v, bool root, const std::string& path, bool remove,
           std::vector<std::string>* unknown) {
  if (v.is_object()) {
    bool keepUnknown = n.preserveUnknown || (n.additionalPropertiesBool && *n.additionalPropertiesBool);
    for (auto it = v.begin(); it != v.end();) {
      const std::string key = it.key();
      if (isObjectMetaKey(root, n, key)) { ++it; continue; }
      if (auto p = n.properties.find(key); p != n.properties.end()) {
        prune(*p->second, *it, false, child(path, key), remove, unknown);
      } else if (n.additionalProperties) {
        prune(*n.additionalProperties, *it, false, child(path, key), remove, unknown);
      } else if (!keepUnknown) {
        if (unknown) unknown->push_back(child(path, key));
        if (remove) { it = v.erase(it); continue; }
      }
      ++it;
    }
  } else if (v.is_array() && n.items) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      prune(*n.items, v[i], false, path + "[" + std::to_string(i) + "]", remove, unknown);
    }
  }
}

}  // namespace

void StructuralSchema::applyDefaults(nlohmann::json& object) const {
  if (root_) defaults(*root_, object, true);
}

void StructuralSchema::prune(nlohmann::json& object) const {
  if (root_) apimachinery::prune(*root_, object, true, "", true, nullptr);
}

std::vector<std::string> StructuralSchema::unknownFields(const nlohmann::json& object) const {
  std::vector<std::string> out;
  if (!root_) return out;
  nlohmann::json copy = object;
  apimachinery::prune(*root_, copy, true, "", false, &out);
  return out;
}

}  // namespace modelops::apimachinery
