// Reader and writer helpers of the api codec; see json_io.h.
// Thread-safety: see json_io.h.
#include "json_io.h"

#include <cstdint>
#include <utility>

namespace modelops::api::detail {

std::string jsonTypeName(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "object";
    case Json::value_t::array: return "array";
    case Json::value_t::string: return "string";
    case Json::value_t::boolean: return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "integer";
    case Json::value_t::number_float: return "number";
    default: return "unsupported value";
  }
}

Reader::Reader(const Json& j, std::string path, FieldErrors& errors) : path_(std::move(path)), errors_(errors) {
  if (j.is_object()) {
    obj_ = &j;
  } else {
    errors_.push_back({path_.empty() ? "<root>" : path_, "must be object, got " + jsonTypeName(j)});
  }
}

std::optional<std::string> Reader::str(const std::string& key) {
  const Json* v = take(key, "string", [](const Json& j) { return j.is_string(); });
  if (!v) return std::nullopt;
  return v->get<std::string>();
}

std::optional<std::int64_t> Reader::int64(const std::string& key) {
  if (obj_) {
    auto it = obj_->find(key);
    if (it != obj_->end() && it->is_number_unsigned() && it->get<std::uint64_t>() > INT64_MAX) {
      errors_.push_back({pathOf(key), "must be integer, got integer out of range"});
      return std::nullopt;
    }
  }
  const Json* v = take(key, "integer", [](const Json& j) { return j.is_number_integer(); });
  if (!v) return std::nullopt;
  return v->get<std::int64_t>();
}

std::optional<double> Reader::number(const std::string& key) {
  const Json* v = take(key, "number", [](const Json& j) { return j.is_number(); });
  if (!v) return std::nullopt;
  return v->get<double>();
}

std::optional<bool> Reader::boolean(const std::string& key) {
  const Json* v = take(key, "boolean", [](const Json& j) { return j.is_boolean(); });
  if (!v) return std::nullopt;
  return v->get<bool>();
}

std::optional<Duration> Reader::duration(const std::string& key) {
  const Json* v = take(key, "a duration string such as \"30s\"", [](const Json& j) { return j.is_string(); });
  if (!v) return std::nullopt;
  return Duration::parse(v->get<std::string>());
}

std::optional<IntOrString> Reader::intOrString(const std::string& key) {
  const Json* v = take(key, "integer or string", [](const Json& j) { return j.is_string() || j.is_number_integer(); });
  if (!v) return std::nullopt;
  if (v->is_string()) return IntOrString{v->get<std::string>()};
  return IntOrString{v->get<std::int64_t>()};
}

std::optional<Json> Reader::anyObject(const std::string& key) {
  const Json* v = take(key, "object", [](const Json& j) { return j.is_object(); });
  if (!v) return std::nullopt;
  return *v;
}

std::map<std::string, std::string> Reader::stringMap(const std::string& key) {
  std::map<std::string, std::string> out;
  const Json* v = take(key, "object", [](const Json& j) { return j.is_object(); });
  if (!v) return out;
  for (auto it = v->begin(); it != v->end(); ++it) {
    if (it->is_string()) {
      out[it.key()] = it->get<std::string>();
    } else {
      errors_.push_back({pathOf(key) + "." + it.key(), "must be string, got " + jsonTypeName(*it)});
    }
  }
  return out;
}

std::vector<std::string> Reader::stringList(const std::string& key) {
  std::vector<std::string> out;
  const Json* v = take(key, "array", [](const Json& j) { return j.is_array(); });
  if (!v) return out;
  for (std::size_t i = 0; i < v->size(); ++i) {
    const Json& e = (*v)[i];
    if (e.is_string()) {
      out.push_back(e.get<std::string>());
    } else {
      errors_.push_back({pathOf(key) + "[" + std::to_string(i) + "]", "must be string, got " + jsonTypeName(e)});
    }
  }
  return out;
}

Json Reader::rest() const {
  Json out = Json::object();
  if (!obj_) return out;
  for (auto it = obj_->begin(); it != obj_->end(); ++it) {
    if (!taken_.count(it.key())) out[it.key()] = *it;
  }
  return out;
}

void put(Json& o, const char* key, const std::optional<Duration>& v) {
  if (v) o[key] = v->text;
}

void put(Json& o, const char* key, const std::optional<IntOrString>& v) {
  if (!v) return;
  if (v->isInt()) {
    o[key] = v->intValue();
  } else {
    o[key] = std::get<std::string>(v->value);
  }
}

void putStrings(Json& o, const char* key, const std::vector<std::string>& v) {
  if (!v.empty()) o[key] = v;
}

void putMap(Json& o, const char* key, const std::map<std::string, std::string>& v) {
  if (!v.empty()) o[key] = v;
}

}  // namespace modelops::api::detail
