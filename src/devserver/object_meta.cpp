// Metadata and field-set helpers; see object_meta.h.
// Thread-safety: pure functions; the random helpers use the caller's engine.
#include "object_meta.h"

#include <cstdio>

namespace modelops::devserver {

std::string metaString(const Json& obj, const char* field) {
  Json v = metaField(obj, field);
  return v.is_string() ? v.get<std::string>() : "";
}

Json metaField(const Json& obj, const char* field) {
  if (!obj.is_object()) return nullptr;
  auto m = obj.find("metadata");
  if (m == obj.end() || !m->is_object()) return nullptr;
  auto f = m->find(field);
  return f == m->end() ? Json(nullptr) : *f;
}

bool hasDeletionTimestamp(const Json& obj) { return metaField(obj, "deletionTimestamp").is_string(); }

std::vector<std::string> finalizers(const Json& obj) {
  std::vector<std::string> out;
  Json f = metaField(obj, "finalizers");
  if (!f.is_array()) return out;
  for (const auto& v : f)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

std::string randomUid(std::mt19937_64& rng) {
  std::uint64_t a = rng(), b = rng();
  a = (a & 0xFFFFFFFFFFFF0FFFULL) | 0x4000ULL;            // version 4
  b = (b & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // variant 10
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx", (unsigned long long)(a >> 32),
                (unsigned long long)((a >> 16) & 0xFFFF), (unsigned long long)(a & 0xFFFF),
                (unsigned long long)(b >> 48), (unsigned long long)(b & 0xFFFFFFFFFFFFULL));
  return buf;
}

std::string randomNameSuffix(std::mt19937_64& rng) {
  static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::string s;
  for (int i = 0; i < 5; ++i) s += alphabet[rng() % (sizeof alphabet - 1)];
  return s;
}

Json withoutMetaAndStatus(const Json& obj, bool dropStatus) {
  Json copy = obj;
  if (copy.is_object()) {
    copy.erase("metadata");
    copy.erase("apiVersion");
    copy.erase("kind");
    if (dropStatus) copy.erase("status");
  }
  return copy;
}

static void collect(const Json& j, FieldPath& prefix, FieldSet& out) {
  if (j.is_object() && !j.empty()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      prefix.push_back(it.key());
      collect(it.value(), prefix, out);
      prefix.pop_back();
    }
    return;
  }
  out.insert(prefix);
}

FieldSet leafFields(const Json& obj) {
  FieldSet out;
  if (!obj.is_object()) return out;
  FieldPath prefix;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string& k = it.key();
    if (k == "apiVersion" || k == "kind") continue;
    if (k == "metadata") {
      if (!it->is_object()) continue;
      for (const char* sub : {"labels", "annotations", "finalizers", "ownerReferences"}) {
        auto s = it->find(sub);
        if (s == it->end()) continue;
        prefix = {"metadata", sub};
        if (s->is_object() && !s->empty())
          collect(*s, prefix, out);
        else
          out.insert(prefix);
      }
      continue;
    }
    prefix = {k};
    collect(it.value(), prefix, out);
  }
  return out;
}

FieldSet changedFields(const Json& before, const Json& after) {
  FieldSet all = leafFields(before), out;
  for (const auto& p : leafFields(after)) all.insert(p);
  for (const auto& p : all) {
    const Json* a = valueAt(before, p);
    const Json* b = valueAt(after, p);
    if (!a || !b || *a != *b) out.insert(p);
  }
  return out;
}

std::string formatFieldPath(const FieldPath& p) {
  std::string s;
  for (const auto& k : p) s += "." + k;
  return s;
}

Json toFieldsV1(const FieldSet& set) {
  Json tree = Json::object();
  for (const auto& p : set) {
    Json* node = &tree;
    for (const auto& k : p) node = &(*node)["f:" + k];
    if (node->is_null()) *node = Json::object();
  }
  return tree;
}

static void walk(const Json& tree, FieldPath& prefix, FieldSet& out) {
  bool any = false;
  if (tree.is_object())
    for (auto it = tree.begin(); it != tree.end(); ++it) {
      if (it.key().rfind("f:", 0) != 0) continue;
      any = true;
      prefix.push_back(it.key().substr(2));
      walk(it.value(), prefix, out);
      prefix.pop_back();
    }
  if (!any && !prefix.empty()) out.insert(prefix);
}

FieldSet fromFieldsV1(const Json& tree) {
  FieldSet out;
  FieldPath prefix;
  walk(tree, prefix, out);
  return out;
}

const Json* valueAt(const Json& obj, const FieldPath& p) {
  const Json* node = &obj;
  for (const auto& k : p) {
    if (!node->is_object()) return nullptr;
    auto it = node->find(k);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

void eraseAt(Json& obj, const FieldPath& p) {
  if (p.empty()) return;
  Json* node = &obj;
  for (std::size_t i = 0; i + 1 < p.size(); ++i) {
    if (!node->is_object() || !node->contains(p[i])) return;
    node = &(*node)[p[i]];
  }
  if (node->is_object()) node->erase(p.back());
}

void mergeApplied(Json& target, const Json& applied) {
  if (!target.is_object() || !applied.is_object()) {
    target = applied;
    return;
  }
  for (auto it = applied.begin(); it != applied.end(); ++it) {
    if (it->is_object() && target.contains(it.key()) && target[it.key()].is_object())
      mergeApplied(target[it.key()], *it);
    else
      target[it.key()] = *it;
  }
}

}  // namespace modelops::devserver
