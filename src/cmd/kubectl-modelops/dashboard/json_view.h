// Non-throwing reads of API objects as JSON: the dashboard renders whatever the server holds (fields of
// the wrong type, missing status, objects written by other versions) without an exception ever leaving
// a handler or the watch thread. A missing or mistyped value reads as null, "", an empty array or nullopt.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace modelops::plugin::dashboard {

inline const nlohmann::json& jsonNull() {
  static const nlohmann::json null;
  return null;
}
inline const nlohmann::json& jsonEmptyArray() {
  static const nlohmann::json empty = nlohmann::json::array();
  return empty;
}
// o[key], or null when o is not an object or has no such key.
inline const nlohmann::json& child(const nlohmann::json& o, const char* key) {
  if (!o.is_object()) return jsonNull();
  auto it = o.find(key);
  return it == o.end() ? jsonNull() : *it;
}
// o[key] when it is an array, else an empty array.
inline const nlohmann::json& arrayAt(const nlohmann::json& o, const char* key) {
  const nlohmann::json& v = child(o, key);
  return v.is_array() ? v : jsonEmptyArray();
}
// o[key] when it is a string, else "".
inline std::string stringAt(const nlohmann::json& o, const char* key) {
  const nlohmann::json& v = child(o, key);
  return v.is_string() ? v.get<std::string>() : "";
}
inline std::optional<double> numberAt(const nlohmann::json& o, const char* key) {
  const nlohmann::json& v = child(o, key);
  if (!v.is_number()) return std::nullopt;
  return v.get<double>();
}

}  // namespace modelops::plugin::dashboard
