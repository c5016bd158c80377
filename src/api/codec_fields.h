// The api codec's two directions over the field tables (modelops/api/fields.h): decodeObject<T> reads
// each field of the table with the Reader (types checked, paths in errors, the rest kept in `extra`),
// encodeObject<T> starts from `extra` and writes each present field. Nothing here names a field.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "json_io.h"
#include "modelops/api/codec.h"
#include "modelops/api/fields.h"

namespace modelops::api::detail {

template <HasFieldTable T>
T decodeObject(const Json& j, const std::string& path, FieldErrors& errors);
template <HasFieldTable T>
Json encodeObject(const T& object);

// Analysis bookkeeping written by another version with a type this one cannot read is reported to
// nobody (that analysis or detector restarts; see AnalysisStatus): the member stays in the Reader's rest,
// hence in `extra`. Every other struct's type errors are errors with the field's path.
template <class T>
inline constexpr bool kRestartsWhenUnreadable = false;
template <>
inline constexpr bool kRestartsWhenUnreadable<AnalysisProgressStatus> = true;
template <>
inline constexpr bool kRestartsWhenUnreadable<ChangeDetectionStateStatus> = true;

template <class T, class Decode>
std::optional<T> decodeLeniently(Reader& r, const std::string& key, Decode decode) {
  const Json* value = r.peek(key);
  if (!value) return std::nullopt;
  FieldErrors own;
  T decoded = decode(*value, r.pathOf(key), own);
  if (!own.empty()) return std::nullopt;
  r.markTaken(key);
  return decoded;
}

// An object whose every member is a T (progressByVariant, changeDetection), by member name.
template <HasFieldTable T>
std::map<std::string, T> decodeObjectMap(const Json& j, const std::string& path, FieldErrors& errors) {
  std::map<std::string, T> out;
  if (!expectObject(j, path, errors)) return out;
  for (auto it = j.begin(); it != j.end(); ++it) out[it.key()] = decodeObject<T>(*it, path + "." + it.key(), errors);
  return out;
}

class DecodeVisitor {
 public:
  explicit DecodeVisitor(Reader& reader) : r_(reader) {}

  void operator()(const char* key, std::optional<std::string>& f) { f = r_.str(key); }
  void operator()(const char* key, std::optional<std::int64_t>& f) { f = r_.int64(key); }
  void operator()(const char* key, std::optional<double>& f) { f = r_.number(key); }
  void operator()(const char* key, std::optional<bool>& f) { f = r_.boolean(key); }
  void operator()(const char* key, std::optional<Duration>& f) { f = r_.duration(key); }
  void operator()(const char* key, std::optional<IntOrString>& f) { f = r_.intOrString(key); }
  void operator()(const char* key, std::optional<Json>& f) { f = r_.anyObject(key); }
  void operator()(const char* key, std::map<std::string, std::string>& f) { f = r_.stringMap(key); }
  void operator()(const char* key, std::vector<std::string>& f) { f = r_.stringList(key); }
  // The object's apiVersion / kind ("" when absent) and metadata (verbatim).
  void operator()(const char* key, std::string& f) { f = r_.str(key).value_or(""); }
  void operator()(const char* key, Json& f) {
    if (auto v = r_.anyObject(key)) f = std::move(*v);
  }

  template <HasFieldTable T>
  void operator()(const char* key, std::optional<T>& f) {
    if constexpr (kRestartsWhenUnreadable<T>) {
      f = decodeLeniently<T>(r_, key, decodeObject<T>);
    } else {
      f = r_.object<T>(key, decodeObject<T>);
    }
  }
  template <HasFieldTable T>
  void operator()(const char* key, std::optional<std::map<std::string, T>>& f) {
    if constexpr (kRestartsWhenUnreadable<T>) {
      f = decodeLeniently<std::map<std::string, T>>(r_, key, decodeObjectMap<T>);
    } else {
      f = r_.object<std::map<std::string, T>>(key, decodeObjectMap<T>);
    }
  }
  template <HasFieldTable T>
  void operator()(const char* key, std::vector<T>& f) {
    f = r_.list<T>(key, decodeObject<T>);
  }
  template <HasFieldTable T>  // a required member kept as a value (spec.model): absent stays default
  void operator()(const char* key, T& f) {
    if (auto v = r_.object<T>(key, decodeObject<T>)) f = std::move(*v);
  }

 private:
  Reader& r_;
};

class EncodeVisitor {
 public:
  explicit EncodeVisitor(Json& out) : o_(out) {}

  template <class F>
  void operator()(const char* key, const std::optional<F>& f) {
    if constexpr (HasFieldTable<F>) {
      putObject(o_, key, f, encodeObject<F>);
    } else {
      put(o_, key, f);
    }
  }
  void operator()(const char* key, const std::map<std::string, std::string>& f) { putMap(o_, key, f); }
  void operator()(const char* key, const std::vector<std::string>& f) { putStrings(o_, key, f); }
  // The object: apiVersion / kind unless empty, metadata when an object, spec always, status bounded
  // (encodeStatus) and omitted when it encodes to {}.
  void operator()(const char* key, const std::string& f) {
    if (!f.empty()) o_[key] = f;
  }
  void operator()(const char* key, const Json& f) {
    if (f.is_object()) o_[key] = f;
  }
  void operator()(const char* key, const ModelDeploymentSpec& f) { o_[key] = encodeObject(f); }
  void operator()(const char* key, const ModelDeploymentStatus& f) {
    Json status = encodeStatus(f);
    if (!status.empty()) o_[key] = std::move(status);
  }
  template <HasFieldTable T>
  void operator()(const char* key, const std::vector<T>& f) {
    putList(o_, key, f, encodeObject<T>);
  }
  template <HasFieldTable T>
  void operator()(const char* key, const T& f) {
    Json value = encodeObject(f);
    if (!value.empty()) o_[key] = std::move(value);
  }
  template <HasFieldTable T>
  void operator()(const char* key, const std::optional<std::map<std::string, T>>& f) {
    if (!f) return;
    Json value = Json::object();
    for (const auto& [name, entry] : *f) value[name] = encodeObject(entry);
    o_[key] = std::move(value);
  }

 private:
  Json& o_;
};

template <HasFieldTable T>
T decodeObject(const Json& j, const std::string& path, FieldErrors& errors) {
  Reader r(j, path, errors);
  T object;
  DecodeVisitor visitor(r);
  visitFields(visitor, object);
  object.extra = r.rest();
  return object;
}

template <HasFieldTable T>
Json encodeObject(const T& object) {
  Json o = startObject(object.extra);
  EncodeVisitor visitor(o);
  visitFields(visitor, object);
  return o;
}

}  // namespace modelops::api::detail
