// Internal helpers of the api codec: a reader that takes typed members out of a JSON object, reporting
// wrong types as FieldErrors with paths and keeping the members it was not asked for (unknown fields,
// and members that are null) for `extra`; and writers that put optional members back.
// Thread-safety: a Reader is used by one thread for one object; the functions are pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "modelops/api/field_error.h"
#include "modelops/api/model_deployment.h"

namespace modelops::api::detail {

std::string jsonTypeName(const Json& j);

class Reader {
 public:
  // Reports "must be an object" when j is not one (and then every getter returns nothing).
  Reader(const Json& j, std::string path, FieldErrors& errors);

  bool valid() const { return obj_ != nullptr; }
  const std::string& path() const { return path_; }
  std::string pathOf(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  FieldErrors& errors() { return errors_; }

  std::optional<std::string> str(const std::string& key);
  std::optional<std::int64_t> int64(const std::string& key);
  std::optional<double> number(const std::string& key);
  std::optional<bool> boolean(const std::string& key);
  std::optional<Duration> duration(const std::string& key);
  std::optional<IntOrString> intOrString(const std::string& key);
  std::optional<Json> anyObject(const std::string& key);  // an object kept verbatim
  std::map<std::string, std::string> stringMap(const std::string& key);
  std::vector<std::string> stringList(const std::string& key);

  // A nested object decoded by `fn(const Json&, std::string path, FieldErrors&) -> T`.
  template <class T, class Fn>
  std::optional<T> object(const std::string& key, Fn fn) {
    const Json* v = take(key, "object", [](const Json& j) { return j.is_object(); });
    if (!v) return std::nullopt;
    return fn(*v, pathOf(key), errors_);
  }

  // A list whose elements are decoded by `fn(const Json&, std::string path, FieldErrors&) -> T`.
  template <class T, class Fn>
  std::vector<T> list(const std::string& key, Fn fn) {
    std::vector<T> out;
    const Json* v = take(key, "array", [](const Json& j) { return j.is_array(); });
    if (!v) return out;
    for (std::size_t i = 0; i < v->size(); ++i) {
      out.push_back(fn((*v)[i], pathOf(key) + "[" + std::to_string(i) + "]", errors_));
    }
    return out;
  }

  // A member (absent or null: nullptr) without taking it or checking its type; markTaken takes it.
  const Json* peek(const std::string& key) const {
    if (!obj_) return nullptr;
    auto it = obj_->find(key);
    return it == obj_->end() || it->is_null() ? nullptr : &*it;
  }
  void markTaken(const std::string& key) { taken_.insert(key); }

  // The members not taken (unknown ones, nulls, and ones of the wrong type), verbatim.
  Json rest() const;

 private:
  template <class Pred>
  const Json* take(const std::string& key, const char* want, Pred ok) {
    if (!obj_) return nullptr;
    auto it = obj_->find(key);
    if (it == obj_->end() || it->is_null()) return nullptr;
    if (!ok(*it)) {
      errors_.push_back({pathOf(key), std::string("must be ") + want + ", got " + jsonTypeName(*it)});
      return nullptr;
    }
    taken_.insert(key);
    return &*it;
  }

  const Json* obj_ = nullptr;
  std::string path_;
  FieldErrors& errors_;
  std::set<std::string> taken_;
};

// Decodes an object of a type with a `decodeX(const Json&, path, errors)` function and reports through
// errors; used for list elements that must be objects.
inline bool expectObject(const Json& j, const std::string& path, FieldErrors& errors) {
  if (j.is_object()) return true;
  errors.push_back({path, "must be object, got " + jsonTypeName(j)});
  return false;
}

// Writers: start from `extra`, then set the known members that are present.
inline Json startObject(const Json& extra) { return extra.is_object() ? extra : Json::object(); }
template <class T>
void put(Json& o, const char* key, const std::optional<T>& v) {
  if (v) o[key] = *v;
}
void put(Json& o, const char* key, const std::optional<Duration>& v);
void put(Json& o, const char* key, const std::optional<IntOrString>& v);
void putStrings(Json& o, const char* key, const std::vector<std::string>& v);
void putMap(Json& o, const char* key, const std::map<std::string, std::string>& v);
template <class T, class Fn>
void putObject(Json& o, const char* key, const std::optional<T>& v, Fn encode) {
  if (v) o[key] = encode(*v);
}
template <class T, class Fn>
void putList(Json& o, const char* key, const std::vector<T>& v, Fn encode) {
  if (v.empty()) return;
  Json a = Json::array();
  for (const auto& e : v) a.push_back(encode(e));
  o[key] = std::move(a);
}

}  // namespace modelops::api::detail
