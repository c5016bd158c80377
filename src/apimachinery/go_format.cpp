// Go-compatible rendering of values inside apiserver messages (strconv.Quote for %q, %v for float64),
// the aggregate error format, and the DNS subdomain check exposed by schema.h.
// Thread-safety: pure functions.
#include "modelops/apimachinery/go_format.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "modelops/apimachinery/schema.h"
#include "names.h"

namespace modelops::apimachinery {

using nlohmann::json;

std::string goQuote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// Go's %v for float64 (strconv %g, shortest): exponent form when exp < -4 || exp >= 6, e.g. 1e+06.
std::string goFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  if (ec != std::errc()) return std::to_string(v);
  std::string sci(buf, end);  // e.g. "-1.5e+02"
  std::size_t e = sci.find('e');
  int exp = std::stoi(sci.substr(e + 1));
  std::string mant = sci.substr(0, e);
  bool neg = mant[0] == '-';
  if (neg) mant.erase(0, 1);
  std::string digits;
  for (char c : mant) {
    if (c != '.') digits += c;
  }
  std::string out;
  if (exp < -4 || exp >= 6) {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    out += eb;
  } else if (exp < 0) {
    out = "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
  } else {
    auto intLen = static_cast<std::size_t>(exp + 1);
    if (digits.size() <= intLen) {
      out = digits + std::string(intLen - digits.size(), '0');
    } else {
      out = digits.substr(0, intLen) + "." + digits.substr(intLen);
    }
  }
  return neg ? "-" + out : out;
}

namespace {

std::string numberText(const json& v) {
  if (v.is_number_float()) return goFloat(v.get<double>());
  return v.dump();
}

}  // namespace

std::string formatGoValue(const json& value) {
  if (value.is_null()) return "\"null\"";
  if (value.is_string()) return goQuote(value.get<std::string>());
  if (value.is_number()) return numberText(value);
  return value.dump();  // booleans; objects and arrays as JSON (Go prints its %#v form)
}

std::string joinViolations(const std::vector<SchemaViolation>& violations) {
  if (violations.size() == 1) return violations[0].error();
  std::string out = "[";
  for (std::size_t i = 0; i < violations.size(); ++i) out += (i ? ", " : "") + violations[i].error();
  return out + "]";
}

std::string validateDnsSubdomain(const std::string& name) { return names::dns1123Subdomain(name); }

}  // namespace modelops::apimachinery
