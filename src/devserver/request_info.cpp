// Kubernetes request path parsing; see request_info.h.
// Thread-safety: pure function.
#include "request_info.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace modelops::devserver {

RequestInfo parseRequestInfo(const std::string& method, const std::string& path, bool watchParam) {
  RequestInfo info;
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  std::size_t k = 0;
  if (parts.empty()) return info;
  if (parts[0] == "api") {
    if (parts.size() < 2) return info;
    info.version = parts[1];
    k = 2;
  } else if (parts[0] == "apis") {
    if (parts.size() < 3) return info;
    info.group = parts[1];
    info.version = parts[2];
    k = 3;
  } else {
    return info;
  }
  std::vector<std::string> rest(parts.begin() + static_cast<long>(k), parts.end());
  if (rest.empty()) return info;
  bool legacyWatch = false;
  if (rest[0] == "watch") {
    legacyWatch = true;
    rest.erase(rest.begin());
    if (rest.empty()) return info;
  }
  info.isResource = true;
  if (rest[0] == "namespaces") {
    if (rest.size() >= 2) {
      info.ns = rest[1];
      if (rest.size() > 2 && rest[2] != "status" && rest[2] != "finalize") {
        rest.erase(rest.begin(), rest.begin() + 2);
      } else {
        info.ns.clear();  // the namespace object itself: /namespaces/<name>[/status]
      }
    }
  }
  info.resource = rest[0];
  if (rest.size() >= 2) info.name = rest[1];
  if (rest.size() >= 3) info.subresource = rest[2];
  if (rest.size() > 3) {
    info.isResource = false;
    return info;
  }
  if (method == "GET" || method == "HEAD") {
    if (legacyWatch || (watchParam && info.name.empty())) info.verb = "watch";
    else info.verb = info.name.empty() ? "list" : "get";
  } else if (method == "POST") {
    info.verb = "create";
  } else if (method == "PUT") {
    info.verb = "update";
  } else if (method == "PATCH") {
    info.verb = "patch";
  } else if (method == "DELETE") {
    info.verb = info.name.empty() ? "deletecollection" : "delete";
  }
  return info;
}

bool queryParamBool(bool present, std::string_view value) {
  if (!present) return false;
  if (value == "0") return false;
  std::string lower(value);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower != "false";
}

}  // namespace modelops::devserver
