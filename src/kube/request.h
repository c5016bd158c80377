// Internal helpers shared by the ordinary verbs (client_impl.cpp) and watch (watch.cpp): the
// headers every request carries and the Authorization header. Internal to modelops_kube.
// Thread-safety: pure functions.
#pragma once

#include <httplib.h>

#include <string>

#include "modelops/kube/auth.h"
#include "modelops/kube/config.h"
#include "transport.h"

namespace modelops::kube::detail {

inline httplib::Headers requestHeaders(const ClientConfig& config, const Transport& transport,
                                       const Credentials& credentials) {
  httplib::Headers headers{{"User-Agent", config.userAgent}, {"Accept", "application/json"}};
  if (!transport.hostHeader().empty()) headers.emplace("Host", transport.hostHeader());
  if (!credentials.bearerToken.empty()) {
    headers.emplace("Authorization", "Bearer " + credentials.bearerToken);
  } else if (!credentials.basicUser.empty()) {
    headers.emplace(httplib::make_basic_authentication_header(credentials.basicUser, credentials.basicPassword));
  }
  return headers;
}

}  // namespace modelops::kube::detail
