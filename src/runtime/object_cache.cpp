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

std::string encode(const Json& object) {
  std::string out;
  Json::to_cbor(object, out);
  out.shrink_to_fit();
  return out;
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

ObjectPtr ObjectCache::decode(const Entry& entry) {
  // The encoding was produced by encode() from a valid document: decoding cannot fail.
  return std::make_shared<const Json>(Json::from_cbor(entry.encoded));
}

ObjectPtr ObjectCache::getByKey(const std::string& key) const {
  std::shared_lock lock(mu_);
  auto it = items_.find(key);
  return it == items_.end() ? nullptr : decode(it->second);
}

std::string ObjectCache::resourceVersionByKey(const std::string& key) const {
  std::shared_lock lock(mu_);
  auto it = items_.find(key);
  return it == items_.end() ? std::string() : it->second.resourceVersion;
}

std::vector<ObjectPtr> ObjectCache::list(const std::string& ns) const {
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(ns.empty() ? items_.size() : 0);
  std::string prefix = ns + "/";
  for (auto& [k, v] : items_) {
    if (ns.empty() || k.compare(0, prefix.size(), prefix) == 0) out.push_back(decode(v));
  }
  return out;
}

std::vector<ObjectPtr> ObjectCache::lookupLocked(const Index& index, const std::string& value) const {
  std::vector<ObjectPtr> out;
  auto it = index.find(value);
  if (it == index.end()) return out;
  out.reserve(it->second.size());
  for (const Item* item : it->second) out.push_back(decode(item->second));
  return out;
}

std::vector<ObjectPtr> ObjectCache::byOwner(const std::string& ownerUid) const {
  std::shared_lock lock(mu_);
  return lookupLocked(byOwner_, ownerUid);
}

std::vector<ObjectPtr> ObjectCache::byLabel(const std::string& key, const std::string& value) const {
  std::shared_lock lock(mu_);
  return lookupLocked(byLabel_, key + "=" + value);
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

std::size_t ObjectCache::encodedBytes() const {
  std::shared_lock lock(mu_);
  return encodedBytes_;
}

void ObjectCache::indexLocked(const Item* item, const Json& object, bool add) {
  auto update = [&](Index& index, const std::string& v) {
    if (add) {
      index[v].insert(item);
      return;
    }
    auto it = index.find(v);
    if (it == index.end()) return;
    it->second.erase(item);
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
  Entry entry{encode(*object), resourceVersionOf(*object)};
  std::unique_lock lock(mu_);
  ObjectPtr previous;
  auto it = items_.find(key);
  if (it != items_.end()) {
    previous = decode(it->second);
    indexLocked(&*it, *previous, false);
    encodedBytes_ -= it->second.encoded.size();
    it->second = std::move(entry);
  } else {
    it = items_.emplace(std::move(key), std::move(entry)).first;
  }
  encodedBytes_ += it->second.encoded.size();
  indexLocked(&*it, *object, true);
  return previous;
}

ObjectPtr ObjectCache::erase(const std::string& key) {
  std::unique_lock lock(mu_);
  auto it = items_.find(key);
  if (it == items_.end()) return nullptr;
  ObjectPtr previous = decode(it->second);
  indexLocked(&*it, *previous, false);
  encodedBytes_ -= it->second.encoded.size();
  items_.erase(it);
  return previous;
}

}  // namespace modelops::runtime
