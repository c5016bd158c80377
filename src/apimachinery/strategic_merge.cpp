// Strategic merge patch for built-in kinds (see patch.h), after k8s.io/apimachinery/pkg/util/strategicpatch.
// The patch strategy of each list comes from a table of the Kubernetes types' patchMergeKey /
// patchStrategy tags, looked up by the field's path (array positions skipped) rather than from Go structs.
// Simplification: `$setElementOrder` puts the listed elements first, in the given order, followed by the
// remaining elements in their current order (Kubernetes interleaves server-only elements instead).
// Thread-safety: pure functions.
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "modelops/apimachinery/patch.h"

namespace modelops::apimachinery {

using nlohmann::json;

namespace {

constexpr const char* kPatchDirective = "$patch";
constexpr const char* kRetainKeys = "$retainKeys";
const std::string kDeleteFromPrimitiveList = "$deleteFromPrimitiveList/";
const std::string kSetElementOrder = "$setElementOrder/";

struct ListStrategy {
  enum class Kind { Replace, MergeByKey, PrimitiveSet } kind = Kind::Replace;
  std::string mergeKey;
};

const std::set<std::string>& builtinKinds() {
  static const std::set<std::string> kinds = {
      "Pod", "PodTemplate", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob",
      "Service", "Endpoints", "ConfigMap", "Secret", "Namespace", "Node", "Event", "Lease", "ServiceAccount",
      "PersistentVolumeClaim", "PersistentVolume", "ReplicationController", "CustomResourceDefinition",
      "Ingress", "NetworkPolicy", "HorizontalPodAutoscaler", "PodDisruptionBudget", "LimitRange", "ResourceQuota"};
  return kinds;
}

bool inContainer(const std::vector<std::string>& path) {
  for (const auto& p : path) {
    if (p == "containers" || p == "initContainers" || p == "ephemeralContainers") return true;
  }
  return false;
}

// `path` is the field names from the root to the list (array positions skipped), ending in the list.
ListStrategy strategyFor(const std::string& kind, const std::vector<std::string>& path) {
  using K = ListStrategy::Kind;
  const std::string& field = path.back();
  bool atMetadata = path.size() == 2 && path[0] == "metadata";
  // ObjectMeta applies to every kind (and to pod templates' metadata).
  bool inMetadata = path.size() >= 2 && path[path.size() - 2] == "metadata";
  if (inMetadata && field == "finalizers") return {K::PrimitiveSet, ""};
  if (inMetadata && field == "ownerReferences") return {K::MergeByKey, "uid"};
  if (atMetadata || !builtinKinds().count(kind)) return {};
  if (field == "containers" || field == "initContainers" || field == "ephemeralContainers" ||
      field == "volumes" || field == "imagePullSecrets" || field == "resourceClaims" ||
      field == "schedulingGates") {
    return {K::MergeByKey, "name"};
  }
  if (field == "env" && inContainer(path)) return {K::MergeByKey, "name"};
  if (field == "ports") {
    if (inContainer(path)) return {K::MergeByKey, "containerPort"};
    if (kind == "Service" && path.size() == 2 && path[0] == "spec") return {K::MergeByKey, "port"};
    return {};
  }
  if (field == "volumeMounts") return {K::MergeByKey, "mountPath"};
  if (field == "volumeDevices") return {K::MergeByKey, "devicePath"};
  if (field == "hostAliases") return {K::MergeByKey, "ip"};
  if (field == "topologySpreadConstraints") return {K::MergeByKey, "topologyKey"};
  if (field == "conditions") return {K::MergeByKey, "type"};
  if (field == "taints" && kind == "Node") return {K::MergeByKey, "key"};
  if (field == "addresses" && kind == "Node") return {K::MergeByKey, "type"};
  return {};  // tolerations, args, command and everything else: replace
}

class Merger {
 public:
  explicit Merger(std::string kind) : kind_(std::move(kind)) {}

  // nullopt means "delete this map" ($patch: delete).
  Result<std::optional<json>> mergeMap(const json& original, const json& patch, std::vector<std::string>& path) {
    json result = original.is_object() ? original : json::object();
    if (auto d = patch.find(kPatchDirective); d != patch.end()) {
      std::string v = d->is_string() ? d->get<std::string>() : "";
      if (v == "delete") return std::optional<json>{};
      if (v == "replace") {
        json replaced = patch;
        replaced.erase(kPatchDirective);
        return std::optional<json>(stripDirectives(replaced));
      }
      if (v != "merge") return fail(path, "Unknown patch type: " + d->dump());
    }
    if (auto r = patch.find(kRetainKeys); r != patch.end()) {
      if (!r->is_array()) return fail(path, "$retainKeys must be a list");
      std::set<std::string> keep;
      for (const auto& k : *r) {
        if (k.is_string()) keep.insert(k.get<std::string>());
      }
      for (auto it = result.begin(); it != result.end();) {
        if (!keep.count(it.key())) it = result.erase(it);
        else ++it;
      }
    }
    // Deletions from primitive lists before merging the lists themselves.
    for (const auto& [key, value] : patch.items()) {
      if (key.rfind(kDeleteFromPrimitiveList, 0) != 0) continue;
      std::string field = key.substr(kDeleteFromPrimitiveList.size());
      if (!value.is_array()) return fail(path, key + " must be a list");
      auto it = result.find(field);
      if (it == result.end() || !it->is_array()) continue;
      json kept = json::array();
      for (const auto& e : *it) {
        if (std::find(value.begin(), value.end(), e) == value.end()) kept.push_back(e);
      }
      *it = std::move(kept);
    }
    for (const auto& [key, value] : patch.items()) {
      if (key == kPatchDirective || key == kRetainKeys || key.rfind(kDeleteFromPrimitiveList, 0) == 0 ||
          key.rfind(kSetElementOrder, 0) == 0) {
        continue;
      }
      if (value.is_null()) {
        result.erase(key);
        continue;
      }
      path.push_back(key);
      auto existing = result.find(key);
      const json empty = value.is_object() ? json::object() : json::array();
      const json& base = existing != result.end() ? *existing : empty;
      if (value.is_object() && (base.is_object() || existing == result.end())) {
        auto merged = mergeMap(base, value, path);
        if (!merged.ok()) return merged.error();
        if (merged->has_value()) result[key] = std::move(**merged);
        else result.erase(key);
      } else if (value.is_array() && (base.is_array() || existing == result.end())) {
        auto merged = mergeList(base, value, path);
        if (!merged.ok()) return merged.error();
        result[key] = std::move(*merged);
      } else {
        result[key] = stripDirectives(value);
      }
      path.pop_back();
    }
    for (const auto& [key, value] : patch.items()) {
      if (key.rfind(kSetElementOrder, 0) != 0) continue;
      std::string field = key.substr(kSetElementOrder.size());
      auto it = result.find(field);
      if (it == result.end() || !it->is_array() || !value.is_array()) continue;
      path.push_back(field);
      reorder(*it, value, strategyFor(kind_, path));
      path.pop_back();
    }
    return std::optional<json>(std::move(result));
  }

  Result<json> mergeList(const json& original, const json& patch, std::vector<std::string>& path) {
    ListStrategy s = strategyFor(kind_, path);
    if (s.kind == ListStrategy::Kind::Replace) return stripDirectives(patch);
    if (s.kind == ListStrategy::Kind::PrimitiveSet) {
      json result = original;
      for (const auto& e : patch) {
        if (std::find(result.begin(), result.end(), e) == result.end()) result.push_back(e);
      }
      return result;
    }
    // Merge by key. `{"$patch": "replace"}` as an element replaces the list with the other elements.
    for (const auto& e : patch) {
      if (e.is_object() && e.value(kPatchDirective, json()) == "replace") {
        json replaced = json::array();
        for (const auto& x : patch) {
          if (&x != &e) replaced.push_back(stripDirectives(x));
        }
        return replaced;
      }
    }
    json result = original;
    for (std::size_t i = 0; i < patch.size(); ++i) {
      const json& e = patch[i];
      if (!e.is_object()) {
        // A list of primitives where maps were expected: keep Kubernetes' leniency and append.
        if (std::find(result.begin(), result.end(), e) == result.end()) result.push_back(e);
        continue;
      }
      auto keyIt = e.find(s.mergeKey);
      if (keyIt == e.end()) {
        return fail(path, "map: " + e.dump() + " does not contain declared merge key: " + s.mergeKey);
      }
      auto match = std::find_if(result.begin(), result.end(), [&](const json& o) {
        return o.is_object() && o.contains(s.mergeKey) && o[s.mergeKey] == *keyIt;
      });
      std::string directive = e.value(kPatchDirective, std::string());
      if (directive == "delete") {
        result.erase(std::remove_if(result.begin(), result.end(),
                                    [&](const json& o) {
                                      return o.is_object() && o.contains(s.mergeKey) && o[s.mergeKey] == *keyIt;
                                    }),
                     result.end());
        continue;
      }
      const json empty = json::object();
      auto merged = mergeMap(match != result.end() ? *match : empty, e, path);
      if (!merged.ok()) return merged.error();
      if (!merged->has_value()) continue;
      if (match != result.end()) *match = std::move(**merged);
      else result.push_back(std::move(**merged));
    }
    return result;
  }

 private:
  static json stripDirectives(const json& v) {
    if (v.is_object()) {
      json out = json::object();
      for (const auto& [k, x] : v.items()) {
        if (!k.empty() && k[0] == '$') continue;
        if (x.is_null()) continue;  // a null in new content means "absent"
        out[k] = stripDirectives(x);
      }
      return out;
    }
    if (v.is_array()) {
      json out = json::array();
      for (const auto& x : v) {
        if (x.is_object() && x.value(kPatchDirective, json()) == "delete") continue;
        out.push_back(stripDirectives(x));
      }
      return out;
    }
    return v;
  }

  static void reorder(json& list, const json& order, const ListStrategy& s) {
    auto keyOf = [&](const json& e) -> json {
      if (s.kind == ListStrategy::Kind::MergeByKey) return e.is_object() ? e.value(s.mergeKey, json()) : json();
      return e;
    };
    json sorted = json::array();
    std::vector<bool> used(list.size(), false);
    for (const auto& o : order) {
      json want = s.kind == ListStrategy::Kind::MergeByKey && o.is_object() ? o.value(s.mergeKey, json()) : o;
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (!used[i] && keyOf(list[i]) == want) {
          sorted.push_back(list[i]);
          used[i] = true;
          break;
        }
      }
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (!used[i]) sorted.push_back(list[i]);
    }
    list = std::move(sorted);
  }

  static Error fail(const std::vector<std::string>& path, const std::string& why) {
    std::string p;
    for (const auto& s : path) p += (p.empty() ? "" : ".") + s;
    return Error{"InvalidPatch", (p.empty() ? "" : p + ": ") + why};
  }

  std::string kind_;
};

}  // namespace

Result<json> applyStrategicMergePatch(const json& target, const json& patch, const std::string& kind) {
  if (!patch.is_object()) return Error{"InvalidPatch", "a strategic merge patch must be a JSON object"};
  Merger merger(kind);
  std::vector<std::string> path;
  auto merged = merger.mergeMap(target, patch, path);
  if (!merged.ok()) return merged.error();
  if (!merged->has_value()) return json::object();
  return std::move(**merged);
}

}  // namespace modelops::apimachinery
