// Defensive JSON reads for untrusted documents: nlohmann's value() throws when a field has the
// wrong type and dump() throws on invalid UTF-8, so these helpers are used instead. Internal to modelops_kube.
// Thread-safety: pure functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace modelops::kube::detail {

// obj[key] when obj is an object and the field is a string, else fallback.
inline std::string stringOr(const nlohmann::json& obj, const char* key, const std::string& fallback = {}) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : fallback;
}

// Serialises without throwing: invalid UTF-8 in strings becomes U+FFFD instead of an exception.
inline std::string dumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace modelops::kube::detail
