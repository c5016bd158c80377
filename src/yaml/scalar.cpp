// Scalar typing as Kubernetes does it (go-yaml v2 resolution, then Go's JSON marshalling); see
// include/modelops/yaml/scalar.h for the rules.
// Thread-safety: pure functions, no shared state.
#include "modelops/yaml/scalar.h"

#include <array>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>

namespace modelops::yaml {
namespace {

using nlohmann::json;

constexpr std::string_view kCoreTagPrefix = "tag:yaml.org,2002:";

// What go-yaml resolved a scalar to, before Go's JSON marshalling normalises floats.
enum class Kind { Null, Bool, Int, Float, String };

struct Resolved {
  Kind kind;
  json value;
};

bool inList(std::string_view s, std::initializer_list<std::string_view> list) {
  for (auto item : list) {
    if (s == item) return true;
  }
  return false;
}

// The fixed spellings of go-yaml v2's resolve map.
std::optional<Resolved> lookupFixed(std::string_view s) {
  if (inList(s, {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})) {
    return Resolved{Kind::Bool, true};
  }
  if (inList(s, {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})) {
    return Resolved{Kind::Bool, false};
  }
  if (inList(s, {"", "~", "null", "Null", "NULL"})) return Resolved{Kind::Null, nullptr};
  if (inList(s, {".nan", ".NaN", ".NAN"})) {
    return Resolved{Kind::Float, std::numeric_limits<double>::quiet_NaN()};
  }
  if (inList(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})) {
    return Resolved{Kind::Float, std::numeric_limits<double>::infinity()};
  }
  if (inList(s, {"-.inf", "-.Inf", "-.INF"})) {
    return Resolved{Kind::Float, -std::numeric_limits<double>::infinity()};
  }
  return std::nullopt;
}

int digitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Go's strconv.ParseInt(s, 0, 64), falling back to ParseUint(s, 0, 64) as go-yaml does.
std::optional<json> parseGoInteger(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool negative = false;
  bool signed_ = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    signed_ = true;
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  int base = 10;
  if (s[0] == '0') {
    if (s.size() >= 3 && lower(s[1]) == 'b') {
      base = 2;
      s.remove_prefix(2);
    } else if (s.size() >= 3 && lower(s[1]) == 'o') {
      base = 8;
      s.remove_prefix(2);
    } else if (s.size() >= 3 && lower(s[1]) == 'x') {
      base = 16;
      s.remove_prefix(2);
    } else {
      base = 8;  // a leading zero is octal; "0" itself is 0
      s.remove_prefix(1);
    }
  }
  std::uint64_t magnitude = 0;
  for (char c : s) {
    int d = digitValue(c);
    if (d >= base) return std::nullopt;
    if (magnitude > (std::numeric_limits<std::uint64_t>::max() - static_cast<std::uint64_t>(d)) /
                        static_cast<std::uint64_t>(base)) {
      return std::nullopt;  // overflows uint64
    }
    magnitude = magnitude * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d);
  }
  constexpr std::uint64_t kInt64Max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (negative) {
    if (magnitude > kInt64Max + 1) return std::nullopt;
    if (magnitude == kInt64Max + 1) return json(std::numeric_limits<std::int64_t>::min());
    return json(-static_cast<std::int64_t>(magnitude));
  }
  if (magnitude <= kInt64Max) return json(static_cast<std::int64_t>(magnitude));
  if (signed_) return std::nullopt;  // ParseUint takes no sign
  return json(magnitude);
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// go-yaml's yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool looksLikeFloat(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && isDigit(s[i])) ++i;
    return i - start;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  } else {
    if (digits() == 0) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

// strtod on a syntactically checked float; nullopt when it overflows (Go's ParseFloat fails then and
// go-yaml leaves the text a string). Underflow to zero is accepted, as in Go.
std::optional<double> parseFloat(std::string_view s) {
  std::string text(s);
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  if (std::isinf(v)) return std::nullopt;
  return v;
}

// go-yaml v2 resolve() for an untagged plain scalar (and for the text of !!int/!!float/!!bool/!!null).
Resolved resolveText(std::string_view in) {
  char hint = 'N';  // the empty string is looked up in the map (null)
  if (!in.empty()) {
    char c = in[0];
    if (c == '+' || c == '-') {
      hint = 'S';
    } else if (isDigit(c)) {
      hint = 'D';
    } else if (std::string_view("yYnNtTfFoO~").find(c) != std::string_view::npos) {
      hint = 'M';
    } else if (c == '.') {
      hint = '.';
    } else {
      return {Kind::String, std::string(in)};
    }
  }
  if (auto fixed = lookupFixed(in)) return *fixed;
  if (hint == '.') {
    if (looksLikeFloat(in)) {
      if (auto v = parseFloat(in)) return {Kind::Float, *v};
    }
  } else if (hint == 'D' || hint == 'S') {
    std::string plain;
    plain.reserve(in.size());
    for (char c : in) {
      if (c != '_') plain.push_back(c);
    }
    if (auto v = parseGoInteger(plain)) return {Kind::Int, *v};
    if (looksLikeFloat(plain)) {
      if (auto v = parseFloat(plain)) return {Kind::Float, *v};
    }
  }
  return {Kind::String, std::string(in)};
}

// Go marshals float64 1.0 as `1`; the API server then reads an integer. Mirror that.
json normaliseFloat(double v) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (std::isfinite(v) && v == std::trunc(v) && v >= -kTwo63 && v < kTwo63) {
    return json(static_cast<std::int64_t>(v));
  }
  return json(v);
}

json finish(Resolved r) {
  if (r.kind == Kind::Float) return normaliseFloat(r.value.get<double>());
  return std::move(r.value);
}

const char* kindName(Kind k) {
  switch (k) {
    case Kind::Null: return "!!null";
    case Kind::Bool: return "!!bool";
    case Kind::Int: return "!!int";
    case Kind::Float: return "!!float";
    case Kind::String: return "!!str";
  }
  return "!!str";
}

}  // namespace

json resolvePlainScalar(std::string_view text) { return finish(resolveText(text)); }

Result<json> resolveScalar(std::string_view tag, std::string_view text) {
  if (tag == "?") return resolvePlainScalar(text);
  if (tag == "!") return json(std::string(text));
  if (tag.substr(0, kCoreTagPrefix.size()) != kCoreTagPrefix) {
    return json(std::string(text));  // an application tag (!foo): go-yaml keeps the text
  }
  std::string_view type = tag.substr(kCoreTagPrefix.size());
  if (type == "str" || type == "timestamp") return json(std::string(text));
  if (type == "binary") {
    return Error{"InvalidYaml", "!!binary scalars are not supported (write the base64 text as a string)"};
  }
  std::optional<Kind> wanted;
  if (type == "null") wanted = Kind::Null;
  if (type == "bool") wanted = Kind::Bool;
  if (type == "int") wanted = Kind::Int;
  if (type == "float") wanted = Kind::Float;
  if (!wanted) return json(std::string(text));  // !!map, !!seq, ... on a scalar: keep the text
  Resolved r = resolveText(text);
  if (r.kind == *wanted) return finish(std::move(r));
  if (*wanted == Kind::Float && r.kind == Kind::Int) {
    // !!float accepts an integer; the value is integral, so it marshals back to an integer.
    return std::move(r.value);
  }
  return Error{"InvalidYaml", std::string("cannot decode ") + kindName(r.kind) + " `" + std::string(text) +
                                  "` as a !!" + std::string(type)};
}

}  // namespace modelops::yaml
