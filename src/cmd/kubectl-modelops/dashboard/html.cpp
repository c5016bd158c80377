// See html.h.
#include "html.h"

#include <cmath>
#include <cstdint>
#include <cstdio>

namespace modelops::plugin::dashboard {

std::string escapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        // Control characters have no business in a page (and some confuse parsers); UTF-8 bytes pass.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') break;
        if (c == 0x7f) break;
        out += c;
    }
  }
  return out;
}

std::string urlEncode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string number3(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", *v);
  return buf;
}

std::string count(std::optional<double> v) {
  if (!v || !std::isfinite(*v) || *v < 0 || *v > 9e15) return "-";
  return std::to_string(static_cast<long long>(*v));
}

std::string percent(std::optional<std::int64_t> v) { return v ? std::to_string(*v) + "%" : "-"; }

}  // namespace modelops::plugin::dashboard
