// URL helpers for request paths: percent-encoding of path segments and query values, and
// splitting the configured server URL. Internal to modelops_kube.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "modelops/common/result.h"

namespace modelops::kube::detail {

// RFC 3986 unreserved characters stay, everything else becomes %XX.
std::string percentEncode(std::string_view text);

// "?a=1&b=x%20y" from the non-empty pairs (empty values are left out), "" when none.
std::string queryString(const std::vector<std::pair<std::string, std::string>>& params);

struct ServerUrl {
  bool tls = true;
  std::string host;  // without brackets for IPv6
  int port = 443;
};
// "https://host[:port]" / "http://host[:port]" (a trailing "/" is allowed, other paths are not).
Result<ServerUrl> parseServerUrl(const std::string& url);

}  // namespace modelops::kube::detail
