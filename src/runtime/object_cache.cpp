// ObjectCache implementation. See object_cache.h.
// Thread-safety: shared lock for readers, exclusive lock for upsert/erase.
#include "modelops/runtime/object_cache.h"

#include <mutex>

namespace modelops::runtime {

namespace {
std::string metaField(const Json& obj, const char* field) {
  auto m = obj.find("metadata");
  if (m == obj.end() || !m->is_object()) return "";
  auto f = m->find(field);
  return f != m->end() && f->is_string() ? f->get<std::string>() : "";
}
}  // namespace

std::string objectKey(const std::string& ns, const std::string& name) { return ns.empty() ? name : ns + "/" + name; }

std::string objectKey(const Json& object) { return objectKey(metaField(object, "namespace"), metaField(object, "name")); }

std::pair<std::string, std::string> splitObjectKey(const std::string& key) {
  auto slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

std::string resourceVersionOf(const Json& object) { return metaField(object, "resourceVersion"); }

ObjectPtr ObjectCache::getByKey(const std::string& key) const {
  std::shared_lock lock(mu_);
  auto it = items_.find(key);
  return it == items_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> ObjectCache::list(const std::string& ns) const {
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(ns.empty() ? items_.size() : 0);
  for (auto& [k, v] : items_) {
    if (ns.empty() || k.compare(0, ns.size() + 1, ns + "/") == 0) out.push_back(v);
  }
  return out;
}

std::vector<ObjectPtr> ObjectCache::lookupLocked(const std::unordered_set<std::string>* keys) const {
  std::vector<ObjectPtr> out;
  if (!keys) return out;
  for (auto& k : *keys) {
    auto it = items_.find(k);
    if (it != items_.end()) out.push_back(it->second);
  }
  return out;
}

std::vector<ObjectPtr> ObjectCache::byOwner(const std::string& ownerUid) const {
  std::shared_lock lock(mu_);
  auto it = byOwner_.find(ownerUid);
  return lookupLocked(it == byOwner_.end() ? nullptr : &it->second);
}

std::vector<ObjectPtr> ObjectCache::byLabel(const std::string& key, const std::string& value) const {
  std::shared_lock lock(mu_);
  auto it = byLabel_.find(key + "=" + value);
  return lookupLocked(it == byLabel_.end() ? nullptr : &it->second);
}

std::vector<std::string> ObjectCache::keys() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  out.reserve(items_.size());
  for (auto& [k, v] : items_) out.push_back(k);
  return out;
}

std::size_t ObjectCache::size() const {
  std::shared_lock lock(mu_);
  return items_.size();
}

void ObjectCache::indexLocked(const std::string& key, const Json& object, bool add) {
  auto update = [&](std::unordered_map<std::string, std::unordered_set<std::string>>& index, const std::string& v) {
    if (add) {
      index[v].insert(key);
      return;
    }
    auto it = index.find(v);
    if (it == index.end()) return;
    it->second.erase(key);
    if (it->second.empty()) index.erase(it);
  };
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return;
  auto owners = meta->find("ownerReferences");
  if (owners != meta->end() && owners->is_array()) {
    for (auto& o : *owners) {
      if (o.is_object() && o.contains("uid") && o["uid"].is_string()) update(byOwner_, o["uid"].get<std::string>());
    }
  }
  auto labels = meta->find("labels");
  if (labels != meta->end() && labels->is_object()) {
    for (auto& [k, v] : labels->items()) {
      if (v.is_string()) update(byLabel_, k + "=" + v.get<std::string>());
    }
  }
}

ObjectPtr ObjectCache::upsert(ObjectPtr object) {
  std::string key = objectKey(*object);
  std::unique_lock lock(mu_);
  ObjectPtr previous;
  auto it = items_.find(key);
  if (it != items_.end()) {
    previous = it->second;
    indexLocked(key, *previous, false);
    it->second = object;
  } else {
    items_.emplace(key, object);
  }
  indexLocked(key, *object, true);
  return previous;
}

ObjectPtr ObjectCache::erase(const std::string& key) {
  std::unique_lock lock(mu_);
  auto it = items_.find(key);
  if (it == items_.end()) return nullptr;
  ObjectPtr previous = it->second;
  indexLocked(key, *previous, false);
  items_.erase(it);
  return previous;
}

}  // namespace modelops::runtime
